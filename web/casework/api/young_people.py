"""Young people: your authority's children (casework roles; commissioners get 403)."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.casework.services import listings, young_people
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, set_total
from web.shared.api.schemas import YoungPersonSchema, YoungPersonSummarySchema

blueprint = ApiBlueprint(
    "api_young_people",
    __name__,
    url_prefix=API_PREFIX + "/young-people",
    description="Young people: your authority's children. Casework roles only.",
)


@blueprint.route("")
@blueprint.errors(403, 422)
@blueprint.response(200, YoungPersonSummarySchema(many=True))
@blueprint.paginate()
def list_young_people(pagination_parameters: PaginationParameters) -> list[Any]:
    """List young people

    Your authority's young people, by reference. A list is not a view of anyone's record,
    so it is not audited; it shows no more than reference, age and sex.
    """
    page = listings.list_young_people(current_api_user(), pagination_parameters.page, pagination_parameters.page_size)
    set_total(pagination_parameters, page.total)
    return page.items


@blueprint.route("/<reference>")
@blueprint.errors(403, 404)
@blueprint.response(200, YoungPersonSchema)
def get_young_person(reference: str) -> Any:
    """Get a young person's record

    The whole record: risks, linked groups (with source, confidence and review date),
    people to keep apart from, risk locations, support network and missing episodes.
    The view is audited. Another authority's child is not found (404).
    """
    return young_people.view(current_api_user(), reference)
