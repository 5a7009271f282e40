"""Personal API tokens: create, list and revoke."""

from __future__ import annotations

from flask import Blueprint

from web.pages.access import require_roles

blueprint = Blueprint("tokens", __name__, url_prefix="/account/api-tokens")
require_roles(blueprint)
