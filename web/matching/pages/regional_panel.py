"""The co-operative's regional panel: members' open referrals together, proposals sent to each placing authority."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.matching.services import panel, regional_panel
from web.shared.pages.access import require_roles
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("regional_panel", __name__, url_prefix="/regional-panel")
require_roles(blueprint, *regional_panel.OFFICER_ROLES)


@blueprint.route("/", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    choices = regional_panel.open_referrals(current_user)
    chosen = {c.id for c in choices}  # by default, every consenting member's open referral
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        chosen = set(request.form.getlist("referrals"))
        try:
            if regional_panel.large(sorted(chosen)):  # a large panel: a job, followed on its page
                job_id = regional_panel.start_regional_panel(current_user, sorted(chosen))
                return redirect(url_for("jobs.show", job_id=job_id))
            run_id = regional_panel.run_regional_panel(current_user, sorted(chosen))
        except InvalidInput as error:
            errors, status = {"referrals": "; ".join(error.problems)}, 400
        else:
            return redirect(url_for("regional_panel.show", run_id=run_id))
    page = render_template(
        "regional_panel/index.html",
        members=regional_panel.members(current_user),
        choices=choices,
        chosen=chosen,
        runs=regional_panel.list_regional_panels(current_user),
        errors=errors,
    )
    return page, status


@blueprint.route("/<int:run_id>")
def show(run_id: int) -> ResponseReturnValue:
    try:
        view = regional_panel.get_regional_panel(current_user, run_id)
    except NotFound:
        abort(404)
    return render_template("regional_panel/show.html", view=view)


@blueprint.route("/<int:run_id>/take-forward", methods=["POST"])
def take_forward(run_id: int) -> ResponseReturnValue:
    item = request.form.get("referral", "")
    try:
        sent = regional_panel.take_forward(current_user, run_id, item)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except (panel.AlreadyDecided, panel.NoLongerAnOption, Conflict) as error:
        flash(str(error), "error")
        return redirect(url_for("regional_panel.show", run_id=run_id))
    flash(
        f"Sent to {sent.authority_name} as a ranking of {sent.reference} listing {sent.placement_label}: "
        "the placing authority's social worker decides, with its care plan and approvals.",
        "success",
    )
    return redirect(url_for("regional_panel.show", run_id=run_id))


@blueprint.route("/<int:run_id>/cost")
def cost(run_id: int) -> ResponseReturnValue:
    item = request.args.get("referral", "")
    try:
        view = regional_panel.regional_cost(current_user, run_id, item)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict as error:
        flash(str(error), "error")
        return redirect(url_for("regional_panel.show", run_id=run_id))
    return render_template("regional_panel/cost.html", view=view)
