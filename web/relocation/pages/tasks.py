"""The signed-in user's tasks: approvals, notifications, placement plans, return home interviews."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from web.accounts.services.accounts import CASEWORK_ROLES
from web.relocation.services import tasks as task_service
from web.shared.pages.access import require_roles

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")
require_roles(blueprint, *CASEWORK_ROLES)


@blueprint.route("/")
def tasks() -> str:
    return render_template("tasks.html", tasks=task_service.for_user(current_user))
