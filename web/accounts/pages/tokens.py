"""Personal API tokens: create, list and revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.accounts.services import api_tokens
from web.shared.pages.access import require_roles
from web.shared.services.errors import InvalidInput, NotFound

blueprint = Blueprint("tokens", __name__, url_prefix="/account/api-tokens")
require_roles(blueprint)


def _page(errors: dict[str, str] | None = None, label: str = "", status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "tokens/list.html",
            tokens=api_tokens.list_for(current_user),
            errors=errors or {},
            label=label,
            label_max=api_tokens.LABEL_MAX,
        ),
        status,
    )


@blueprint.route("")
def list_tokens() -> ResponseReturnValue:
    return _page()


@blueprint.route("", methods=["POST"])
def create() -> ResponseReturnValue:
    label = request.form.get("label", "")
    try:
        token, raw = api_tokens.create(current_user, label)
    except InvalidInput as error:
        return _page({"label": error.problems[0]}, label, 400)
    # Shown once, on this response only: never flashed, stored or redirected with.
    return render_template("tokens/created.html", token=token, raw=raw), 201


@blueprint.route("/<int(max=2147483647):token_id>/revoke", methods=["POST"])
def revoke(token_id: int) -> ResponseReturnValue:
    try:
        token = api_tokens.revoke(current_user, token_id)
    except NotFound:
        abort(404)
    flash(f"The token “{token.label}” is revoked: it no longer works.", "success")
    return redirect(url_for("tokens.list_tokens"))
