"""Young people's profiles: create, edit, missing episodes."""

from __future__ import annotations

from flask import Blueprint

from web.pages.access import require_roles
from web.services.accounts import CASEWORK_ROLES

blueprint = Blueprint("young_people", __name__, url_prefix="/young-people")
require_roles(blueprint, *CASEWORK_ROLES)
