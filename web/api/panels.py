"""Placement panels and relocation reviews (casework roles), through the same services as the pages."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of
from web.api.jobs import JobSchema, accepted
from web.api.schemas import (
    AcceptedSchema,
    PanelInputSchema,
    PanelRunSchema,
    PanelSummarySchema,
    RelocationDecisionSchema,
    RelocationReviewSchema,
    RelocationReviewSummarySchema,
)
from web.services import panel, relocation

panels_blueprint = ApiBlueprint(
    "api_panels",
    __name__,
    url_prefix=API_PREFIX + "/panels",
    description=(
        "Placement panels: allocate open referrals together (CP-SAT), read the proposal, and take a "
        "match forward into the decision workflow. Casework roles; commissioners get 403."
    ),
)
reviews_blueprint = ApiBlueprint(
    "api_relocation_reviews",
    __name__,
    url_prefix=API_PREFIX + "/relocation-reviews",
    description=(
        "Relocation reviews: current placements a change of intelligence made unsafe, with reasons and "
        "ranked alternatives. Only a social worker records the decision; nothing moves a child."
    ),
)
RUN_ID = "<int(max=2147483647):run_id>"
REVIEW_ID = "<int(max=2147483647):review_id>"


@panels_blueprint.route("")
@panels_blueprint.errors(403, 422)
@panels_blueprint.response(200, PanelSummarySchema(many=True))
@panels_blueprint.paginate()
def list_panels(pagination_parameters: PaginationParameters) -> list[Any]:
    """List your authority's panel runs

    Newest first (the last 20).
    """
    return page_of(panel.list_panels(current_api_user()), pagination_parameters)


@panels_blueprint.route("", methods=["POST"])
@panels_blueprint.arguments(PanelInputSchema)
@panels_blueprint.errors(403, 422)
@panels_blueprint.response(201, PanelRunSchema)
@panels_blueprint.alt_response(202, schema=JobSchema, description="A large panel, queued as a job to follow")
def run_panel(body: dict[str, Any]) -> Any:
    """Run a panel

    Allocates the referrals named (default: every open referral of your authority)
    together and stores the run. 422 names a referral that is not open or not yours.
    More referrals than the job size (40) run as a job: 202 with the job and a Location.
    """
    user = current_api_user()
    references = body.get("referrals")
    if references is None:
        references = [r.reference for r in panel.open_referrals(user)]
    if panel.runs_as_job(references):
        return accepted(panel.start_panel(user, references))
    return panel.get_panel(user, panel.run_panel(user, references))


@panels_blueprint.route(f"/{RUN_ID}")
@panels_blueprint.errors(403, 404)
@panels_blueprint.response(200, PanelRunSchema)
def get_panel(run_id: int) -> Any:
    """Get a panel run

    The proposed matches with their reasons, and the referrals left out with why. The view
    is audited as a view of each child's record.
    """
    return panel.get_panel(current_api_user(), run_id)


@panels_blueprint.route(f"/{RUN_ID}/matches/<reference>/accept", methods=["POST"])
@panels_blueprint.errors(403, 404, 409)
@panels_blueprint.response(201, AcceptedSchema)
def accept_match(run_id: int, reference: str) -> Any:
    """Take a proposed match forward

    Stores a fresh ranking of the referral that lists the proposed placement; record the
    decision from it (POST /referrals/{reference}/decisions). Decides nothing. 409 when the
    referral is no longer open or the placement is no longer an option.
    """
    return panel.accept_match(current_api_user(), run_id, reference)


@reviews_blueprint.route("")
@reviews_blueprint.errors(403, 422)
@reviews_blueprint.response(200, RelocationReviewSummarySchema(many=True))
@reviews_blueprint.paginate()
def list_reviews(pagination_parameters: PaginationParameters) -> list[Any]:
    """List your authority's relocation reviews

    Open ones first (yours first), then the 50 most recently closed.
    """
    found = relocation.list_reviews(current_api_user())
    return page_of(found.open + found.closed, pagination_parameters)


@reviews_blueprint.route(f"/{REVIEW_ID}")
@reviews_blueprint.errors(403, 404)
@reviews_blueprint.response(200, RelocationReviewSchema)
def get_review(review_id: int) -> Any:
    """Get a relocation review

    The rules the placement now breaks and the ranked alternatives. Audited as a view of
    the child's record.
    """
    return relocation.get_review(current_api_user(), review_id)


@reviews_blueprint.route(f"/{REVIEW_ID}/decision", methods=["POST"])
@reviews_blueprint.arguments(RelocationDecisionSchema)
@reviews_blueprint.errors(403, 404, 422)
@reviews_blueprint.response(200, RelocationReviewSchema)
def close_review(body: dict[str, Any], review_id: int) -> Any:
    """Record the social worker's decision on a review

    `kept` (stays, with the safety plan changed) or `moving` (a move is being planned),
    with the reason. Closes the review; nothing else changes.
    """
    user = current_api_user()
    relocation.close_review(user, review_id, body["outcome"], body["note"])
    return relocation.get_review(user, review_id)
