"""Decisions and the care plan behind them: choose, approve, amend, history."""

from __future__ import annotations

from flask import Blueprint

from web.pages.access import require_roles
from web.services.accounts import CASEWORK_ROLES

blueprint = Blueprint("decisions", __name__, url_prefix="/referrals")
require_roles(blueprint, *CASEWORK_ROLES)
