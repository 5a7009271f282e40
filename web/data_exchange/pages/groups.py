"""Groups: the list of those the user's authority may read, and its own added, edited and retired.

The rules (who owns, who reads, who changes) are the access policy's, applied in
`web.shared.services.groups`; another authority's unshared group is not found (404).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.shared.pages.access import require_roles
from web.shared.services import groups as service
from web.shared.services.date_input import date_values
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("groups", __name__, url_prefix="/groups")
# Commissioners see aggregates only, never intelligence about children's groups.
require_roles(blueprint, "placement_officer", "social_worker", "nominated_officer", "director", "admin")

CONFIDENCE_WORDS = {"high": "High", "medium": "Medium", "low": "Low"}


def _list(errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "groups/list.html",
            rows=service.list_groups(current_user),
            may_add=service.may_add(current_user),
            confidence=CONFIDENCE_WORDS,
            values=request.form if errors else {},
            errors=errors or {},
        ),
        status,
    )


@blueprint.route("")
def list_groups() -> ResponseReturnValue:
    return _list()


@blueprint.route("", methods=["POST"])
def add() -> ResponseReturnValue:
    try:
        row = service.add_from_form(current_user, request.form)
    except Forbidden:
        abort(403)
    except InvalidInput as error:
        return _list(error.fields, 400)
    flash(f"Group {row.code} recorded.", "success")
    return redirect(url_for("groups.list_groups"))


def _edit_page(code: str, errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    try:
        row = service.get(current_user, code)
    except NotFound:
        abort(404)
    if errors:
        values = dict(request.form)
    else:
        values = {"label": row.label, "source": row.source, "confidence": row.confidence}
        values.update(date_values("review_by", row.review_by))
    return (
        render_template("groups/edit.html", row=row, confidence=CONFIDENCE_WORDS, values=values, errors=errors or {}),
        status,
    )


@blueprint.route("/<code>")
def edit_form(code: str) -> ResponseReturnValue:
    return _edit_page(code)


@blueprint.route("/<code>", methods=["POST"])
def edit(code: str) -> ResponseReturnValue:
    try:
        service.edit_from_form(current_user, code, request.form)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict:
        abort(409)
    except InvalidInput as error:
        return _edit_page(code, error.fields, 400)
    flash(f"Group {code} updated.", "success")
    return redirect(url_for("groups.list_groups"))


@blueprint.route("/<code>/retire", methods=["POST"])
def retire(code: str) -> ResponseReturnValue:
    try:
        service.retire(current_user, code)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict:
        flash(f"Group {code} was already retired.", "success")
        return redirect(url_for("groups.list_groups"))
    flash(f"Group {code} retired: it is no longer offered or used by rankings.", "success")
    return redirect(url_for("groups.list_groups"))
