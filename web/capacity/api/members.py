"""The co-operative commissioner's capacity by member through the API: the same service as the page.

Co-operative commissioners only (everyone else 403). Only members with a sufficiency
agreement in force are shown, with the figures their own commissioners see (decision 0051).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from web.capacity.services import capacity, capacity_members
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user

blueprint = ApiBlueprint(
    "api_capacity_members",
    __name__,
    url_prefix=API_PREFIX + "/capacity/members",
    description=(
        "Capacity by member: demand against supply for each member of the co-operative that shares its "
        "sufficiency figures (a sufficiency agreement in force), with the same suppression and adjustment "
        "as the capacity review. Co-operative commissioners only."
    ),
)


class MemberShareSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    shown = fields.Boolean(required=True, metadata={"description": "A sufficiency agreement in force."})
    words = fields.String(required=True)


class FiguresSchema(Schema):
    title = fields.String()
    headings = fields.List(fields.String())
    rows = fields.List(
        fields.List(fields.String()),
        metadata={"description": "Counts of children as published: a number, or c (suppressed)."},
    )
    totals = fields.List(fields.String(), allow_none=True)
    notes = fields.List(fields.String())


class MembersSchema(Schema):
    cooperative = fields.String()
    members = fields.List(fields.Nested(MemberShareSchema))
    figures = fields.Nested(FiguresSchema, allow_none=True)


class MembersQuerySchema(Schema):
    """The capacity review's own filters: under each, a member's row is the overview's cell for it."""

    setting = fields.String(metadata={"description": "Only young people for whom this setting is suitable."})
    specialism = fields.String(metadata={"description": "Only those asking for or at risk of this specialism."})
    band = fields.List(fields.String(), metadata={"description": "Age bands (repeat the parameter); none: every age."})
    authority = fields.String(metadata={"description": "One member (a member not sharing shows nothing)."})
    months = fields.Integer(
        validate=validate.Range(min=1, max=capacity.MAX_MONTHS),
        metadata={"description": "Decisions over the last this many months (default 12)."},
    )


@blueprint.route("")
@blueprint.arguments(MembersQuerySchema, location="query")
@blueprint.errors(403, 422)
@blueprint.response(200, MembersSchema)
def members(query: dict[str, Any]) -> Any:
    """Get demand against supply by member

    Each shared member's row is the figure its own commissioners see; the total is a figure of
    its own. Each member's figures read is audited with its agreement.
    """
    filters = capacity.parse_filters(
        {k: v for k, v in query.items() if k != "months"} | {"months": str(query.get("months", ""))}
    )
    view = capacity_members.members_view(current_api_user(), filters)
    figures = None
    if view.figures is not None:
        figures = view.figures.table
    return {"cooperative": view.cooperative, "members": view.members, "figures": figures}
