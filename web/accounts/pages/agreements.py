"""Data-sharing agreements: an authority's administrator lists, adds and ends its own."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.accounts.services import agreements
from web.shared.pages.access import require_roles
from web.shared.services.access_policy import PURPOSE_WORDS, PURPOSES
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("agreements", __name__, url_prefix="/admin/agreements")
# Who sees and who changes them is the access policy's "agreement" rule; these roles only
# keep everyone else off the pages.
require_roles(blueprint, "admin", "director", "commissioner")


def _page(errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    try:
        rows = agreements.list_agreements(current_user)
    except Forbidden:
        abort(403)
    return (
        render_template(
            "agreements/list.html",
            rows=rows,
            cooperatives=agreements.cooperatives(),
            purposes=[(p, PURPOSE_WORDS[p]) for p in PURPOSES],
            may_change=current_user.role == "admin",
            values=request.form if errors else {},
            errors=errors or {},
        ),
        status,
    )


@blueprint.route("")
def list_agreements() -> ResponseReturnValue:
    return _page()


@blueprint.route("", methods=["POST"])
def add() -> ResponseReturnValue:
    try:
        row = agreements.add_from_form(current_user, request.form)
    except Forbidden:
        abort(403)
    except InvalidInput as error:
        return _page(error.fields or {"cooperative": error.problems[0]}, 400)
    flash(
        f"Agreement {row.id} recorded: {row.purpose.replace('_', ' ')} in {row.cooperative} ({row.status}).", "success"
    )
    return redirect(url_for("agreements.list_agreements"))


@blueprint.route("/<int(max=2147483647):agreement_id>/end", methods=["POST"])
def end(agreement_id: int) -> ResponseReturnValue:
    try:
        row = agreements.end_agreement(current_user, agreement_id, request.form.get("reason", ""))
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except InvalidInput as error:
        return _page({f"reason-{agreement_id}": error.problems[0]}, 400)
    except Conflict:
        flash(f"Agreement {agreement_id} had already ended.", "success")
        return redirect(url_for("agreements.list_agreements"))
    flash(f"Agreement {row.id} ended today: the sharing for {row.purpose.replace('_', ' ')} has stopped.", "success")
    return redirect(url_for("agreements.list_agreements"))
