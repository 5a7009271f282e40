"""Referrals and their ranking runs (casework roles; commissioners get 403)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters

from web.casework.services import listings, referrals
from web.matching.services import options, ranking_runs
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, problems_by_field, set_total
from web.shared.api.schemas import (
    RankingRunSchema,
    RankingSchema,
    ReferralQuery,
    ReferralSchema,
    ReferralSummarySchema,
    WhyAboveQuery,
    WhyAboveSchema,
)
from web.shared.services.errors import InvalidInput, NotFound

blueprint = ApiBlueprint(
    "api_referrals",
    __name__,
    url_prefix=API_PREFIX + "/referrals",
    description="Referrals and their ranking runs: your authority's only. Casework roles only.",
)


@blueprint.route("")
@blueprint.errors(403, 422)
@blueprint.arguments(ReferralQuery, location="query", as_kwargs=True)
@blueprint.response(200, ReferralSummarySchema(many=True))
@blueprint.paginate()
def list_referrals(pagination_parameters: PaginationParameters, **filters: Any) -> list[Any]:
    """List referrals

    Your authority's referrals, most urgent first, then oldest. Every status unless
    `status` is given.
    """
    page = listings.list_referrals(
        current_api_user(), pagination_parameters.page, pagination_parameters.page_size, **filters
    )
    set_total(pagination_parameters, page.total)
    return page.items


@blueprint.route("/<reference>")
@blueprint.errors(403, 404)
@blueprint.response(200, ReferralSchema)
def get_referral(reference: str) -> Any:
    """Get a referral

    The view is audited, as a view of each young person in it. Another authority's
    referral is not found (404).
    """
    return referrals.view(current_api_user(), reference)


@blueprint.route("/<reference>/ranking-runs")
@blueprint.errors(403, 404, 422)
@blueprint.response(200, RankingRunSchema(many=True))
@blueprint.paginate()
def list_ranking_runs(reference: str, pagination_parameters: PaginationParameters) -> list[Any]:
    """List a referral's ranking runs

    Newest first, each with its summary. Fetch a run to see its options.
    """
    runs = ranking_runs.list_runs(current_api_user(), reference)
    set_total(pagination_parameters, len(runs))
    first = (pagination_parameters.page - 1) * pagination_parameters.page_size
    return runs[first : first + pagination_parameters.page_size]


@blueprint.route("/<reference>/ranking-runs", methods=["POST"])
@blueprint.errors(403, 404, 422)
@blueprint.response(201, RankingRunSchema, description="The run, stored. Location: where its result is.")
def create_ranking_run(reference: str) -> tuple[Any, int, dict[str, str]]:
    """Run the ranking

    Ranks the consortium's placements for the referral as recorded now, stores the
    run (the exact case, policy and result) and audits it. No request body.
    A 422 lists problems in the recorded details (under `errors.case`) that stop
    the engine ranking; correct the records and run again.
    """
    user = current_api_user()
    try:
        run_id = ranking_runs.run_ranking(user, reference)
    except InvalidInput as error:
        message = "The recorded details have problems the engine cannot rank with."
        abort(422, message=message, errors={"case": problems_by_field(error.problems)})
    run = next((r for r in ranking_runs.list_runs(user, reference) if r.id == run_id), None)
    if run is None:  # pragma: no cover - the run was just stored
        raise NotFound(str(run_id))
    location = url_for("api_referrals.get_ranking_run", reference=reference, run_id=run_id)
    return run, 201, {"Location": location}


@blueprint.route("/<reference>/ranking-runs/<int(max=2147483647):run_id>")
@blueprint.errors(403, 404)
@blueprint.alt_response(200, schema=RankingSchema, success=True, description="The stored placement-ranking/1.")
def get_ranking_run(reference: str, run_id: int) -> ResponseReturnValue:
    """Get a ranking run's result

    The stored `placement-ranking/1` document exactly as the engine returned it:
    options with scores, components, facts and reasons; exclusions with reasons;
    summary; warnings. A run stores its exclusions as codes; their sentences are worded
    again from the run's exact case (decision 0091). The view is audited.
    """
    return jsonify(ranking_runs.run_document(current_api_user(), reference, run_id))


@blueprint.route("/<reference>/ranking-runs/<int(max=2147483647):run_id>/why-above")
@blueprint.errors(403, 404, 422)
@blueprint.arguments(WhyAboveQuery, location="query", as_kwargs=True)
@blueprint.alt_response(200, schema=WhyAboveSchema, success=True, description="The comparison.")
def why_above(reference: str, run_id: int, above: str, below: str) -> ResponseReturnValue:
    """Why one option is above another

    For two options of a stored run, the points each score component adds to `above`
    or takes from it against `below`, largest first; they add up to the difference in
    score. The same comparison as the compare page. The view of the run is audited.
    """
    try:
        found = options.why_above_in_run(current_api_user(), reference, run_id, above, below)
    except options.FieldProblems as error:
        abort(422, message="Choose two options of this ranking.", errors={"query": error.fields})
    return jsonify(found)
