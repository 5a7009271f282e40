"""Decisions on a referral and the care-plan versions behind them (read only; casework roles)."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.api.common import API_PREFIX, ApiBlueprint, current_api_user, set_total
from web.api.schemas import CarePlanVersionSchema, DecisionSchema, DecisionSummarySchema
from web.services import decisions

blueprint = ApiBlueprint(
    "api_decisions",
    __name__,
    url_prefix=API_PREFIX + "/referrals",
    description=(
        "Decisions and care plans: the option chosen for a referral, its approvals and deadlines, "
        "and every version of the care plan. Read only (decide, amend and approve in the browser). "
        "Casework roles only."
    ),
)
DECISION_ID = "<int(max=2147483647):decision_id>"


def _page(items: list[Any], pagination_parameters: PaginationParameters) -> list[Any]:
    set_total(pagination_parameters, len(items))
    first = (pagination_parameters.page - 1) * pagination_parameters.page_size
    return items[first : first + pagination_parameters.page_size]


@blueprint.route("/<reference>/decisions")
@blueprint.errors(403, 404, 422)
@blueprint.response(200, DecisionSummarySchema(many=True))
@blueprint.paginate()
def list_decisions(reference: str, pagination_parameters: PaginationParameters) -> list[Any]:
    """List a referral's decisions

    Newest first, including refused ones.
    """
    return _page(decisions.list_for_referral(current_api_user(), reference), pagination_parameters)


@blueprint.route(f"/<reference>/decisions/{DECISION_ID}")
@blueprint.errors(403, 404)
@blueprint.response(200, DecisionSchema)
def get_decision(reference: str, decision_id: int) -> Any:
    """Get a decision

    With each approval it needs (reg 11, reg 10) and its answer, the statutory deadlines
    (placement plan, host authority notice, ...) and the current care-plan version.
    The view is audited.
    """
    return decisions.get(current_api_user(), reference, decision_id)


@blueprint.route(f"/<reference>/decisions/{DECISION_ID}/care-plan-versions")
@blueprint.errors(403, 404, 422)
@blueprint.response(200, CarePlanVersionSchema(many=True))
@blueprint.paginate()
def list_care_plan_versions(reference: str, decision_id: int, pagination_parameters: PaginationParameters) -> list[Any]:
    """List a decision's care-plan versions

    Every version, oldest first: amending adds a version and never changes one. The view
    is audited.
    """
    history = decisions.history(current_api_user(), reference, decision_id, None, None)
    return _page(list(history.versions), pagination_parameters)
