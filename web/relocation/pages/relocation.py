"""Relocation review: current placements that new intelligence made unsafe, for a person to decide on."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.accounts.services.accounts import CASEWORK_ROLES
from web.relocation.services import relocation
from web.shared.pages.access import require_roles
from web.shared.services.errors import Forbidden, InvalidInput, NotFound

blueprint = Blueprint("relocation", __name__, url_prefix="/relocation")
require_roles(blueprint, *CASEWORK_ROLES)


@blueprint.route("/")
def index() -> ResponseReturnValue:
    # Arriving from a finished re-check job: say what it found, as the re-check in the request did.
    recheck_job = request.args.get("recheck_job", type=int)
    if recheck_job is not None:
        try:
            flash(relocation.recheck_summary(current_user, recheck_job), "success")
        except NotFound:
            abort(404)
        return redirect(url_for("relocation.index"))
    return render_template(
        "relocation/index.html",
        reviews=relocation.list_reviews(current_user),
        may_recheck=current_user.role in relocation.RECHECK_ROLES,
    )


@blueprint.route("/recheck", methods=["POST"])
def recheck() -> ResponseReturnValue:
    # Every placement of the authority, so it grows with the authority: a job, followed on its page.
    try:
        job_id = relocation.start_recheck_authority(current_user)
    except Forbidden:
        abort(403)
    return redirect(url_for("jobs.show", job_id=job_id))


@blueprint.route("/<int:review_id>", methods=["GET", "POST"])
def show(review_id: int) -> ResponseReturnValue:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {"outcome": request.form.get("outcome", ""), "note": request.form.get("note", "")}
        try:
            relocation.close_review(current_user, review_id, values["outcome"], values["note"])
        except NotFound:
            abort(404)
        except Forbidden:
            abort(403)
        except InvalidInput as error:
            errors, status = error.fields, 400
        else:
            flash("Your decision is recorded and the review is closed.", "success")
            return redirect(url_for("relocation.show", review_id=review_id))
    try:
        view = relocation.get_review(current_user, review_id)
    except NotFound:
        abort(404)
    page = render_template(
        "relocation/show.html",
        view=view,
        outcomes=relocation.OUTCOMES,
        may_close=current_user.role in relocation.CLOSE_ROLES and view.row.status == "open",
        errors=errors,
        values=values,
    )
    return page, status
