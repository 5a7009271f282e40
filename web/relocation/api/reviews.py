"""Relocation reviews (casework roles), through the same services as the pages."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.relocation.services import relocation
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of
from web.shared.api.schemas import (
    RelocationDecisionSchema,
    RelocationReviewSchema,
    RelocationReviewSummarySchema,
)

blueprint = ApiBlueprint(
    "api_relocation_reviews",
    __name__,
    url_prefix=API_PREFIX + "/relocation-reviews",
    description=(
        "Relocation reviews: current placements a change of intelligence made unsafe, with reasons and "
        "ranked alternatives. Only a social worker records the decision; nothing moves a child."
    ),
)
REVIEW_ID = "<int(max=2147483647):review_id>"


@blueprint.route("")
@blueprint.errors(403, 422)
@blueprint.response(200, RelocationReviewSummarySchema(many=True))
@blueprint.paginate()
def list_reviews(pagination_parameters: PaginationParameters) -> list[Any]:
    """List your authority's relocation reviews

    Open ones first (yours first), then the 50 most recently closed.
    """
    found = relocation.list_reviews(current_api_user())
    return page_of(found.open + found.closed, pagination_parameters)


@blueprint.route(f"/{REVIEW_ID}")
@blueprint.errors(403, 404)
@blueprint.response(200, RelocationReviewSchema)
def get_review(review_id: int) -> Any:
    """Get a relocation review

    The rules the placement now breaks and the ranked alternatives. Audited as a view of
    the child's record.
    """
    return relocation.get_review(current_api_user(), review_id)


@blueprint.route(f"/{REVIEW_ID}/decision", methods=["POST"])
@blueprint.arguments(RelocationDecisionSchema)
@blueprint.errors(403, 404, 422)
@blueprint.response(200, RelocationReviewSchema)
def close_review(body: dict[str, Any], review_id: int) -> Any:
    """Record the social worker's decision on a review

    `kept` (stays, with the safety plan changed) or `moving` (a move is being planned),
    with the reason. Closes the review; nothing else changes.
    """
    user = current_api_user()
    relocation.close_review(user, review_id, body["outcome"], body["note"])
    return relocation.get_review(user, review_id)
