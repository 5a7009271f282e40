"""Groups in the API: the same service and access policy as the groups page."""

from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters

from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user, page_of
from web.shared.api.schemas import GroupInputSchema, GroupSchema, NewGroupSchema
from web.shared.services import groups
from web.shared.services.errors import Forbidden

blueprint = ApiBlueprint(
    "api_groups",
    __name__,
    url_prefix=API_PREFIX + "/groups",
    description=(
        "Groups (gangs and networks): your authority's own and those shared with it for intelligence. "
        "Only the owner changes or retires one; placement officers and administrators record them. "
        "Casework roles only."
    ),
)


def _casework() -> Any:
    user = current_api_user()
    if user.role == "commissioner":
        raise Forbidden("commissioners see aggregates only")
    return user


def _input(body: dict[str, Any]) -> groups.GroupInput:
    return groups.GroupInput(body["label"], body["source"], body["confidence"], body["review_by"])


@blueprint.route("")
@blueprint.errors(403, 422)
@blueprint.response(200, GroupSchema(many=True))
@blueprint.paginate()
def list_groups(pagination_parameters: PaginationParameters) -> list[Any]:
    """List groups

    Those you may read, by code, retired ones too.
    """
    return page_of(groups.list_groups(_casework()), pagination_parameters)


@blueprint.route("", methods=["POST"])
@blueprint.arguments(NewGroupSchema)
@blueprint.errors(403, 422)
@blueprint.response(201, GroupSchema)
def add_group(body: dict[str, Any]) -> Any:
    """Record a group

    Owned by your authority. Audited.
    """
    return groups.add(_casework(), body["code"], _input(body))


@blueprint.route("/<code>")
@blueprint.errors(403, 404)
@blueprint.response(200, GroupSchema)
def get_group(code: str) -> Any:
    """Get a group"""
    return groups.get(_casework(), code)


@blueprint.route("/<code>", methods=["PUT"])
@blueprint.arguments(GroupInputSchema)
@blueprint.errors(403, 404, 409, 422)
@blueprint.response(200, GroupSchema)
def edit_group(body: dict[str, Any], code: str) -> Any:
    """Change a group

    Its owner only. Audited.
    """
    return groups.edit(_casework(), code, _input(body))


@blueprint.route("/<code>/retire", methods=["POST"])
@blueprint.errors(403, 404, 409)
@blueprint.response(200, GroupSchema)
def retire_group(code: str) -> Any:
    """Retire a group

    Its owner only: no longer offered, nor used by rankings. Audited.
    """
    return groups.retire(_casework(), code)
