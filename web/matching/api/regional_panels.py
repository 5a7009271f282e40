"""A co-operative's regional panels through the API: the same service and rules as the pages.

Co-operative placement officers only (everyone else 403). Referral ids are qualified by
authority ("E08000003/R-0001"); only members with a placement-finding agreement in force
with the co-operative take part, and every read of a member's referrals is audited with it.
"""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields, validate

from web.matching.services import regional_panel
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of
from web.shared.api.job_answers import JobSchema, accepted

blueprint = ApiBlueprint(
    "api_regional_panels",
    __name__,
    url_prefix=API_PREFIX + "/regional-panels",
    description=(
        "Regional panels: a co-operative's placement officer allocates the open referrals of consenting "
        "members together over the co-operative's pool, and sends a proposal to the placing authority "
        "as a ranking of its referral (the authority decides). Co-operative placement officers only."
    ),
)
RUN_ID = "<int(max=2147483647):run_id>"


class CooperativeMemberSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    consents = fields.Boolean(
        required=True, metadata={"description": "A placement-finding agreement in force with the co-operative."}
    )
    words = fields.String(required=True)


class NeedsSchema(Schema):
    """A referral's needs as a regional panel sees them: never the child's record."""

    id = fields.String(required=True, metadata={"description": "authority code / reference"})
    authority_code = fields.String(required=True)
    authority_name = fields.String(required=True)
    reference = fields.String(required=True)
    needed_by = fields.String(required=True)
    urgency = fields.String(required=True)
    young_people = fields.Integer(required=True)
    settings = fields.List(fields.String())
    required_specialisms = fields.List(fields.String())


class RegionalInputSchema(Schema):
    referrals = fields.List(
        fields.String(validate=validate.Length(min=3, max=60)),
        validate=validate.Length(max=500),
        metadata={"description": "Qualified ids (E08000003/R-0001); default: every consenting member's open referral."},
    )


class RegionalProposalSchema(Schema):
    needs = fields.Nested(NeedsSchema)
    placement = fields.String(attribute="placement_code")
    placement_label = fields.String()
    setting = fields.String()
    score = fields.Float()
    own_rank = fields.Integer(allow_none=True)
    reasons = fields.List(fields.String())
    miles_from_home = fields.Float(allow_none=True)
    still_open = fields.Boolean()
    held = fields.Boolean(metadata={"description": "The placing authority's decision holds a place since the run."})
    free_now = fields.Integer()
    no_longer_free = fields.Boolean()
    sent = fields.Boolean(metadata={"description": "Already sent to the placing authority from this run."})
    may_take_forward = fields.Boolean()


class RegionalUnplacedSchema(Schema):
    needs = fields.Nested(NeedsSchema)
    reasons = fields.List(fields.String())


class RegionalRunSchema(Schema):
    id = fields.Integer()
    cooperative = fields.String()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    status = fields.String()
    result = fields.String(attribute="status_words")
    matches = fields.List(fields.Nested(RegionalProposalSchema))
    unplaced = fields.List(fields.Nested(RegionalUnplacedSchema))
    withdrawn = fields.List(
        fields.String(), metadata={"description": "Members no longer consenting: nothing of theirs is shown."}
    )
    referrals = fields.Integer()
    placements = fields.Integer()


class RegionalSummarySchema(Schema):
    id = fields.Integer()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    referrals = fields.Integer()
    members = fields.Integer()
    result = fields.String(attribute="status_words")


class TakeForwardSchema(Schema):
    referral = fields.String(required=True, validate=validate.Length(min=3, max=60))


class TakenForwardSchema(Schema):
    id = fields.String()
    authority_code = fields.String()
    authority_name = fields.String()
    reference = fields.String()
    ranking_run_id = fields.Integer(metadata={"description": "The placing authority's ranking run listing it."})
    placement = fields.String(attribute="placement_code")
    placement_label = fields.String()


@blueprint.route("/members")
@blueprint.errors(403)
@blueprint.response(200, CooperativeMemberSchema(many=True))
def list_members() -> Any:
    """List the co-operative's members and whether each consents now"""
    return regional_panel.members(current_api_user())


@blueprint.route("/referrals")
@blueprint.errors(403, 422)
@blueprint.response(200, NeedsSchema(many=True))
@blueprint.paginate()
def list_referrals(pagination_parameters: PaginationParameters) -> list[Any]:
    """List consenting members' open referrals (needs only), audited per member"""
    return page_of(regional_panel.open_referrals(current_api_user()), pagination_parameters)


@blueprint.route("")
@blueprint.errors(403, 422)
@blueprint.response(200, RegionalSummarySchema(many=True))
@blueprint.paginate()
def list_runs(pagination_parameters: PaginationParameters) -> list[Any]:
    """List the co-operative's regional panel runs (the last 20)"""
    return page_of(regional_panel.list_regional_panels(current_api_user()), pagination_parameters)


@blueprint.route("", methods=["POST"])
@blueprint.arguments(RegionalInputSchema)
@blueprint.errors(403, 422)
@blueprint.response(201, RegionalRunSchema)
@blueprint.alt_response(202, schema=JobSchema, description="A large regional panel, queued as a job to follow")
def run(body: dict[str, Any]) -> Any:
    """Run a regional panel

    422 names a referral that is not an open referral of a consenting member. More referrals
    than the job size (40) run as a job: 202 with the job and a Location.
    """
    user = current_api_user()
    ids = body.get("referrals")
    if ids is None:
        ids = [r.id for r in regional_panel.open_referrals(user)]
    if regional_panel.large(ids):
        return accepted(regional_panel.start_regional_panel(user, ids))
    return regional_panel.get_regional_panel(user, regional_panel.run_regional_panel(user, ids))


@blueprint.route(f"/{RUN_ID}")
@blueprint.errors(403, 404)
@blueprint.response(200, RegionalRunSchema)
def get_run(run_id: int) -> Any:
    """Get a regional panel run, as it stands now (members no longer consenting left out)"""
    return regional_panel.get_regional_panel(current_api_user(), run_id)


@blueprint.route(f"/{RUN_ID}/take-forward", methods=["POST"])
@blueprint.arguments(TakeForwardSchema)
@blueprint.errors(403, 404, 409)
@blueprint.response(201, TakenForwardSchema)
def take_forward(body: dict[str, Any], run_id: int) -> Any:
    """Send a proposal to its placing authority

    Stores a ranking run on the authority's referral that lists the proposed placement;
    decides nothing. 409 when the referral is no longer open, already decided, or the
    placement is not an option by the authority's own ranking.
    """
    return regional_panel.take_forward(current_api_user(), run_id, body["referral"])
