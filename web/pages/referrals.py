"""Referrals: the list, one referral, and its ranked options."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.pages.access import require_roles
from web.services import ranking_runs, referrals
from web.services.accounts import CASEWORK_ROLES
from web.services.errors import InvalidInput, NotFound

blueprint = Blueprint("referrals", __name__, url_prefix="/referrals")
require_roles(blueprint, *CASEWORK_ROLES)


@blueprint.route("/")
def list_referrals() -> str:
    return render_template("referrals/list.html", referrals=referrals.list_open(current_user))


@blueprint.route("/<reference>")
def show(reference: str) -> str:
    try:
        referral = referrals.view(current_user, reference)
        runs = ranking_runs.list_runs(current_user, reference)
    except NotFound:
        abort(404)
    return render_template("referrals/show.html", referral=referral, runs=runs, sex_words=referrals.sex_words)


@blueprint.route("/<reference>/rankings", methods=["POST"])
def run(reference: str) -> str | Response:
    try:
        run_id = ranking_runs.run_ranking(current_user, reference)
    except NotFound:
        abort(404)
    except InvalidInput as error:
        referral = referrals.view(current_user, reference)
        runs = ranking_runs.list_runs(current_user, reference)
        return render_template(  # type: ignore[return-value]
            "referrals/show.html",
            referral=referral,
            runs=runs,
            sex_words=referrals.sex_words,
            problems=error.problems,
        ), 422
    return redirect(url_for("referrals.ranking", reference=reference, run_id=run_id))


@blueprint.route("/<reference>/rankings/<int:run_id>")
def ranking(reference: str, run_id: int) -> str:
    try:
        view = ranking_runs.get_run(current_user, reference, run_id)
    except NotFound:
        abort(404)
    return render_template("referrals/ranking.html", run=view)
