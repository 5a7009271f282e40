"""Finding options for a referral: asking for a ranking, the options page and its map, comparing
options, excluding an option and re-running, and what a choice costs the others."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from web.accounts.services.accounts import CASEWORK_ROLES
from web.casework.services import referrals
from web.matching.services import cost_of_choice, decisions, options, ranking_runs
from web.shared.pages.access import require_roles
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("options", __name__, url_prefix="/referrals")
require_roles(blueprint, *CASEWORK_ROLES)


def _map_settings() -> dict[str, str]:
    """Tiles only when a tile URL is configured; otherwise authority outlines give the context."""
    tile_url = current_app.config.get("MAP_TILE_URL") or ""
    return {
        "tile_url": tile_url,
        "tile_attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or "",
        "outlines_url": "" if tile_url else url_for("static", filename="maps/outlines.geojson"),
    }


def _decision_url(reference: str, run_id: int) -> Callable[[str], str] | None:
    # Offer "Choose this option" only where the decision page exists and the user's role may decide.
    if "decisions.new" not in current_app.view_functions or current_user.role not in decisions.DECIDE_ROLES:
        return None
    return lambda placement_id: url_for("decisions.new", reference=reference, run_id=run_id, placement=placement_id)


def _summary_links(problems: dict[str, str], values: dict[str, Any], option_ids: list[str]) -> dict[str, str]:
    """The error summary: each problem linked to the element it is about."""
    targets = {
        "compare": f"compare-{option_ids[0]}" if len(option_ids) > 1 else "ranked-options",
        "reason": f"reason-{values.get('exclude', '')}",
        "placement": f"exclude-{values.get('exclude', '')}",
        "lift": "worker-exclusions",
    }
    return {targets[field]: message for field, message in problems.items()}


def ranking_page(
    reference: str,
    run_id: int,
    problems: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The options page: ranked options, map, compare form, exclusions.

    `problems` are {field: message} for the fields "compare", "reason", "placement"
    (excluding an option) and "lift"; `values` keeps what the user sent.
    """
    try:
        page = options.options_page(current_user, reference, run_id)
    except NotFound:
        abort(404)
    problems = problems or {}
    values = values or {}
    option_ids = [o["placement_id"] for o in page.run.result.get("options", [])]
    map_data: dict[str, Any] = {**page.map_layers, **_map_settings(), "counts": page.map_counts}
    if page.fetched_layers:
        # Layers too large to send with the page: the map asks for what is in its view.
        map_data["fetched"] = list(page.fetched_layers)
        map_data["layers_url"] = url_for("options.map_layer", reference=reference, run_id=run_id)
    return render_template(
        "referrals/ranking.html",
        run=page.run,
        page=page,
        map_data=map_data,
        decision_url=_decision_url(reference, run_id),
        problems=problems,
        errors=_summary_links(problems, values, option_ids),
        values=values,
    ), status


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
    return redirect(url_for("options.ranking", reference=reference, run_id=run_id))


@blueprint.route("/<reference>/rankings/<int:run_id>")
def ranking(reference: str, run_id: int) -> ResponseReturnValue:
    return ranking_page(reference, run_id)


@blueprint.route("/<reference>/rankings/<int:run_id>/excluded/<code>")
def excluded(reference: str, run_id: int, code: str) -> ResponseReturnValue:
    """The placements the run excluded for one reason, a page at a time."""
    try:
        page = options.excluded_page(current_user, reference, run_id, code, request.args.get("page", 1, type=int) or 1)
    except NotFound:
        abort(404)
    return render_template("options/excluded.html", listing=page, run=page.run)


@blueprint.route("/<reference>/rankings/<int:run_id>/map-layer")
def map_layer(reference: str, run_id: int) -> ResponseReturnValue:
    """JSON: one large map layer's items in the view, `?layer=excluded&bbox=west,south,east,north`."""
    try:
        bbox = tuple(float(part) for part in request.args.get("bbox", "").split(","))
    except ValueError:
        bbox = ()
    if len(bbox) != 4 or not all(math.isfinite(x) for x in bbox):
        return jsonify({"errors": {"bbox": "bbox must be four numbers: west,south,east,north"}}), 400
    try:
        found = options.map_layer_in_view(current_user, reference, run_id, request.args.get("layer", ""), bbox)
    except NotFound:
        abort(404)
    except options.FieldProblems as error:
        return jsonify({"errors": error.fields}), 400
    return jsonify(found)


@blueprint.route("/<reference>/rankings/<int:run_id>/compare")
def compare(reference: str, run_id: int) -> ResponseReturnValue:
    chosen = request.args.getlist("placement")
    try:
        comparison = options.compare(current_user, reference, run_id, chosen)
    except NotFound:
        abort(404)
    except options.FieldProblems as error:
        return ranking_page(reference, run_id, {"compare": error.fields["placement"]}, {"compare": chosen}, status=400)
    return render_template(
        "options/compare.html",
        comparison=comparison,
        run=comparison.run,
        decision_url=_decision_url(reference, run_id),
    )


@blueprint.route("/<reference>/rankings/<int:run_id>/exclusions", methods=["POST"])
def exclude(reference: str, run_id: int) -> ResponseReturnValue:
    placement = request.form.get("placement", "")
    reason = request.form.get("reason", "")
    try:
        new_run, label = options.exclude_and_rerun(current_user, reference, run_id, placement, reason)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except options.FieldProblems as error:
        return ranking_page(reference, run_id, error.fields, {"exclude": placement, "reason": reason}, status=400)
    flash(f"{label} is excluded for this referral. The options have been ranked again.", "success")
    return redirect(url_for("options.ranking", reference=reference, run_id=new_run))


@blueprint.route("/<reference>/rankings/<int:run_id>/exclusions/<int:exclusion_id>/lift", methods=["POST"])
def lift(reference: str, run_id: int, exclusion_id: int) -> ResponseReturnValue:
    try:
        new_run = options.lift_and_rerun(current_user, reference, run_id, exclusion_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except options.FieldProblems as error:
        return ranking_page(reference, run_id, {"lift": " ".join(error.fields.values())}, status=400)
    flash("The exclusion is lifted. The options have been ranked again.", "success")
    return redirect(url_for("options.ranking", reference=reference, run_id=new_run))


@blueprint.route("/<reference>/rankings/<int:run_id>/cost-to-others")
def cost_to_others(reference: str, run_id: int) -> ResponseReturnValue:
    try:
        view = cost_of_choice.cost_of_top_options(current_user, reference, run_id)
    except NotFound:
        abort(404)
    except Conflict as error:
        flash(str(error), "error")
        return redirect(url_for("options.ranking", reference=reference, run_id=run_id))
    return render_template("options/cost.html", view=view)
