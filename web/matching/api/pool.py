"""The consortium's shared pool: placements (anyone signed in) and gang-affected areas (casework roles)."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.casework.services import listings
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, set_total
from web.shared.api.schemas import AreaSchema, PlacementQuery, PlacementSchema

placements_blueprint = ApiBlueprint(
    "api_placements",
    __name__,
    url_prefix=API_PREFIX + "/placements",
    description="Placements: your authority's and those shared with it for placement finding. Any signed-in role.",
)
areas_blueprint = ApiBlueprint(
    "api_areas",
    __name__,
    url_prefix=API_PREFIX + "/areas",
    description="Gang-affected areas: intelligence, with source, confidence and review date. Casework roles only.",
)


@placements_blueprint.route("")
@placements_blueprint.errors(422)
@placements_blueprint.arguments(PlacementQuery, location="query")
@placements_blueprint.response(200, PlacementSchema(many=True))
@placements_blueprint.paginate()
def list_placements(filters: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Any]:
    """List placements

    The placements your authority lists and those shared with it for placement finding,
    by code, filtered by setting, host authority, vacancy and status. Who lives in a
    placement is not shown.
    """
    page = listings.list_placements(
        current_api_user(),
        pagination_parameters.page,
        pagination_parameters.page_size,
        setting=filters.get("setting"),
        authority_code=filters.get("authority"),
        has_vacancy=filters.get("has_vacancy"),
        status=filters.get("status"),
    )
    set_total(pagination_parameters, page.total)
    return page.items


@placements_blueprint.route("/<code>")
@placements_blueprint.errors(404)
@placements_blueprint.response(200, PlacementSchema)
def get_placement(code: str) -> Any:
    """Get a placement"""
    return listings.get_placement(current_api_user(), code)


@areas_blueprint.route("")
@areas_blueprint.errors(403, 422)
@areas_blueprint.response(200, AreaSchema(many=True))
@areas_blueprint.paginate()
def list_areas(pagination_parameters: PaginationParameters) -> list[Any]:
    """List gang-affected areas

    By code, each with its linked groups, source, confidence and review date. An area
    past its review date is listed, but the engine does not use it unless the policy says so.
    """
    page = listings.list_areas(current_api_user(), pagination_parameters.page, pagination_parameters.page_size)
    set_total(pagination_parameters, page.total)
    return page.items
