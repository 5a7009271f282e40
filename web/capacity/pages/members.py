"""The co-operative commissioner's capacity review by member (sufficiency agreements only)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.capacity.services import capacity as service
from web.capacity.services import capacity_members
from web.shared.pages.access import require_roles
from web.shared.services.errors import InvalidInput

blueprint = Blueprint("capacity_members", __name__, url_prefix="/capacity/members")
require_roles(blueprint, *capacity_members.ROLES)


@blueprint.route("/")
def index() -> ResponseReturnValue:
    try:
        filters = service.parse_filters({k: v for k, v in request.args.items() if k in ("months",)})
    except InvalidInput:
        filters = service.Filters()
    view = capacity_members.members_view(current_user, filters)
    return render_template("capacity/members.html", view=view)
