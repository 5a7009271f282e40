"""The signed-in user's tasks: approvals, notifications, placement plans, return home interviews."""

from __future__ import annotations

from flask import Blueprint

from web.pages.access import require_roles
from web.services.accounts import CASEWORK_ROLES

blueprint = Blueprint("tasks", __name__, url_prefix="/tasks")
require_roles(blueprint, *CASEWORK_ROLES)
