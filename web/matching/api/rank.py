"""Stateless ranking: a `placement-case/1` in, a `placement-ranking/1` out, nothing stored."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_smorest import abort

from planner.json_input import JsonInputError, load_json
from web.matching.services import submitted_cases
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, problems_by_field
from web.shared.api.schemas import RankingSchema
from web.shared.services.errors import InvalidInput

blueprint = ApiBlueprint(
    "api_rank",
    __name__,
    url_prefix=API_PREFIX + "/rank",
    description="Rank a case: a placement-case/1 in, a placement-ranking/1 out, nothing stored. Any signed-in role.",
)


@blueprint.route("", methods=["POST"])
@blueprint.errors(422)
@blueprint.doc(
    requestBody={
        "required": True,
        "description": "A placement-case/1 document with a referral (see docs/case-format.md).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlacementCase"}}},
    }
)
@blueprint.alt_response(200, schema=RankingSchema, success=True, description="The placement-ranking/1.")
def rank_case() -> ResponseReturnValue:
    """Rank a case

    Validates the case exactly as the command line does (unknown fields rejected, JSON
    types strict, references resolved) and ranks its referral. Nothing is stored; the
    ranking is audited by a hash of the case. A 422 lists every problem under
    `errors.json`, keyed by the field's path, such as `placements[3].lat`.
    A home given by postcode is resolved from the postcode lookup (an imported ONSPD
    edition, else the packaged directory).
    """
    try:
        case = load_json(request.get_data(cache=True))
    except JsonInputError as error:
        abort(422, message="The case has problems.", errors={"json": {"(case)": [str(error)]}})
    try:
        ranking = submitted_cases.rank_submitted(current_api_user(), case)
    except InvalidInput as error:
        abort(422, message="The case has problems.", errors={"json": problems_by_field(error.problems)})
    return jsonify(ranking)
