"""Administration: searching the audit log."""

from __future__ import annotations

from flask import Blueprint

from web.pages.access import require_roles

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
require_roles(blueprint, "admin")
