"""Authorisation attached to blueprints: signed in, and in an allowed role."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web import login_manager


def require_roles(blueprint: Blueprint, *roles: str) -> None:
    """Every view of `blueprint` needs a signed-in user; with `roles`, one of those roles."""

    @blueprint.before_request
    def _check() -> ResponseReturnValue | None:
        if not current_user.is_authenticated:
            unauthorised: Callable[[], ResponseReturnValue] = login_manager.unauthorized
            return unauthorised()
        if roles and current_user.role not in roles:
            abort(403)
        return None
