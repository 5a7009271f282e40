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
    # The overview's own filters: under each, a member's row is the overview's cell for it.
    submitted = {key: values if key == "band" else values[0] for key, values in request.args.lists()}
    errors: dict[str, str] = {}
    status = 200
    try:
        filters = service.parse_filters(submitted)
    except InvalidInput as error:
        filters, errors, status = service.Filters(), error.fields, 400
    view = capacity_members.members_view(current_user, filters)
    choices = {**service.choices(), "authorities": [(m.code, m.name) for m in view.members if m.shown]}
    page = render_template("capacity/members.html", view=view, filters=filters, choices=choices, errors=errors)
    return page, status
