"""The placement panel: choose open referrals, allocate them together, take a proposal forward."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.matching.services import panel
from web.shared.pages.access import require_roles
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("panel", __name__, url_prefix="/panel")
require_roles(blueprint, *panel.PANEL_ROLES)


@blueprint.route("/", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    choices = panel.open_referrals(current_user)
    chosen = {c.reference for c in choices}  # by default, every open referral of the authority
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        chosen = set(request.form.getlist("referrals"))
        try:
            if panel.runs_as_job(sorted(chosen)):  # a large panel: a job, followed on its page
                return redirect(url_for("jobs.show", job_id=panel.start_panel(current_user, sorted(chosen))))
            run_id = panel.run_panel(current_user, sorted(chosen))
        except InvalidInput as error:
            errors, status = {"referrals": "; ".join(error.problems)}, 400
        else:
            return redirect(url_for("panel.show", run_id=run_id))
    page = render_template(
        "panel/index.html",
        choices=choices,
        chosen=chosen,
        holding=panel.holding_referrals(current_user),
        runs=panel.list_panels(current_user),
        errors=errors,
    )
    return page, status


@blueprint.route("/<int:run_id>")
def show(run_id: int) -> ResponseReturnValue:
    try:
        view = panel.get_panel(current_user, run_id)
    except NotFound:
        abort(404)
    return render_template("panel/show.html", view=view, may_accept=current_user.role in panel.ACCEPT_ROLES)


@blueprint.route("/<int:run_id>/accept/<reference>", methods=["POST"])
def accept(run_id: int, reference: str) -> ResponseReturnValue:
    try:
        accepted = panel.accept_match(current_user, run_id, reference)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except panel.AlreadyDecided as error:
        # Said before anything else, with the way on: the decision that holds the place.
        flash(str(error), "important")
        return redirect(url_for("decisions.show", reference=reference, decision_id=error.decision_id))
    except panel.NoLongerAnOption as error:
        flash(str(error), "error")
        return redirect(url_for("options.ranking", reference=reference, run_id=error.ranking_run_id))
    except Conflict as error:
        flash(str(error), "error")
        return redirect(url_for("panel.show", run_id=run_id))
    if current_user.role == "social_worker":
        flash("The panel's proposal is ready for your decision: record it with the care plan.", "success")
        return redirect(
            url_for(
                "decisions.new", reference=reference, run_id=accepted.ranking_run_id, placement=accepted.placement_code
            )
        )
    flash(
        f"Fresh options for {reference} include the panel's proposal, {accepted.placement_label}. "
        "The child's social worker records the decision from this page.",
        "success",
    )
    return redirect(url_for("options.ranking", reference=reference, run_id=accepted.ranking_run_id))
