"""Placement panels (casework roles), through the same services as the pages."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.matching.services import panel
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of
from web.shared.api.job_answers import JobSchema, accepted
from web.shared.api.schemas import (
    AcceptedSchema,
    PanelInputSchema,
    PanelRunSchema,
    PanelSummarySchema,
)

panels_blueprint = ApiBlueprint(
    "api_panels",
    __name__,
    url_prefix=API_PREFIX + "/panels",
    description=(
        "Placement panels: allocate open referrals together (CP-SAT), read the proposal, and take a "
        "match forward into the decision workflow. Casework roles; commissioners get 403."
    ),
)
RUN_ID = "<int(max=2147483647):run_id>"


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
