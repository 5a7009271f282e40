"""Decisions on a referral and the care-plan versions behind them (casework roles).

The write endpoints call the same services as the pages, with the same rules:
only a social worker decides and amends, only the named role approves, and
taking the last place is done under a row lock (409 for the one who loses).
"""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.matching.services import decisions
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of
from web.shared.api.schemas import (
    AmendSchema,
    ApprovalInputSchema,
    CarePlanVersionSchema,
    DecideSchema,
    DecisionSchema,
    DecisionSummarySchema,
)

blueprint = ApiBlueprint(
    "api_decisions",
    __name__,
    url_prefix=API_PREFIX + "/referrals",
    description=(
        "Decisions and care plans: the option chosen for a referral, its approvals and deadlines, "
        "and every version of the care plan. Social workers decide and amend; nominated officers "
        "and directors approve. Casework roles only."
    ),
)
DECISION_ID = "<int(max=2147483647):decision_id>"


@blueprint.route("/<reference>/decisions")
@blueprint.errors(403, 404, 422)
@blueprint.response(200, DecisionSummarySchema(many=True))
@blueprint.paginate()
def list_decisions(reference: str, pagination_parameters: PaginationParameters) -> list[Any]:
    """List a referral's decisions

    Newest first, including refused ones.
    """
    return page_of(decisions.list_for_referral(current_api_user(), reference), pagination_parameters)


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
    return page_of(list(history.versions), pagination_parameters)


@blueprint.route("/<reference>/decisions", methods=["POST"])
@blueprint.arguments(DecideSchema)
@blueprint.errors(403, 404, 409, 422)
@blueprint.response(201, DecisionSchema)
def decide(body: dict[str, Any], reference: str) -> Any:
    """Record a decision and its care plan (version 1)

    Chooses option `placement_id` of ranking run `run_id` and takes one place per young
    person in the same transaction. 409 when the places have gone or the referral already
    has a live decision; nothing is written then.
    """
    user = current_api_user()
    decision_id = decisions.decide(
        user, reference, body["run_id"], body["placement_id"], body["start_date"], body["emergency"], body["care_plan"]
    )
    return decisions.get(user, reference, decision_id)


@blueprint.route(f"/<reference>/decisions/{DECISION_ID}/care-plan-versions", methods=["POST"])
@blueprint.arguments(AmendSchema)
@blueprint.errors(403, 404, 409, 422)
@blueprint.response(201, CarePlanVersionSchema)
def amend(body: dict[str, Any], reference: str, decision_id: int) -> Any:
    """Amend the care plan (adds a version)

    Writes the next version; earlier versions are kept as they were.
    """
    user = current_api_user()
    number = decisions.amend(user, reference, decision_id, body["care_plan"], body["change_note"])
    history = decisions.history(user, reference, decision_id, None, number)
    return history.after


@blueprint.route(f"/<reference>/decisions/{DECISION_ID}/approvals", methods=["POST"])
@blueprint.arguments(ApprovalInputSchema)
@blueprint.errors(403, 404, 409, 422)
@blueprint.response(200, DecisionSchema)
def approve(body: dict[str, Any], reference: str, decision_id: int) -> Any:
    """Approve or refuse a requirement (reg 11 or reg 10)

    Only a user in the role the requirement names, not the person who decided. Approving
    needs every confirmation; refusing gives the places back.
    """
    user = current_api_user()
    decisions.approve(
        user,
        reference,
        decision_id,
        body["requirement"],
        body["outcome"],
        body["comment"],
        set(body["confirmations"]),
        body["care_plan_number"],
    )
    return decisions.get(user, reference, decision_id)
