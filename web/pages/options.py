"""Working with a ranking run: the map, comparing options, excluding an option and re-running."""

from __future__ import annotations

from flask import Blueprint

from web.pages.access import require_roles
from web.services.accounts import CASEWORK_ROLES

blueprint = Blueprint("options", __name__, url_prefix="/referrals")
require_roles(blueprint, *CASEWORK_ROLES)
