"""The co-operative commissioner's capacity by member through the API: the same service as the page.

Co-operative commissioners only (everyone else 403). Only members with a sufficiency
agreement in force are shown, with the figures their own commissioners see (decision 0051).
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from web.capacity.services import capacity, capacity_members
from web.capacity.services.capacity_tables import DOWNLOAD_KINDS, as_download
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user

blueprint = ApiBlueprint(
    "api_capacity_members",
    __name__,
    url_prefix=API_PREFIX + "/capacity/members",
    description=(
        "Capacity by member: demand against supply, placement location, trends and equality monitoring for "
        "each member of the co-operative that shares its sufficiency figures (a sufficiency agreement in "
        "force), with the same suppression and adjustment as the capacity review, and each table as CSV or "
        "Excel. Co-operative commissioners only."
    ),
)


class MemberShareSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    shown = fields.Boolean(required=True, metadata={"description": "A sufficiency agreement in force."})
    words = fields.String(required=True)


class FiguresSchema(Schema):
    key = fields.String(metadata={"description": "The table's name, for its download."})
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
    view = capacity_members.members_view(current_api_user(), _filters(query))
    figures = None
    if view.figures is not None:
        figures = view.figures.table
    return {"cooperative": view.cooperative, "members": view.members, "figures": figures}


class MemberTablesSchema(Schema):
    cooperative = fields.String()
    members = fields.List(fields.Nested(MemberShareSchema))
    view = fields.String(metadata={"description": "gap, location, trends or equality."})
    described = fields.String(metadata={"description": "The filters in words."})
    tables = fields.List(
        fields.Nested(FiguresSchema),
        metadata={"description": "The view's tables, as its page shows them (none when no member shares)."},
    )


def _filters(query: dict[str, Any]) -> capacity.Filters:
    return capacity.parse_filters(
        {k: v for k, v in query.items() if k != "months"} | {"months": str(query.get("months", ""))}
    )


def _known_view(view: str) -> None:
    if view not in capacity_members.VIEWS:
        abort(404, message=f"There is no view by member called {view}: one of {', '.join(capacity_members.VIEWS)}.")


@blueprint.route("/<view>")
@blueprint.arguments(MembersQuerySchema, location="query")
@blueprint.errors(403, 404, 422)
@blueprint.response(200, MemberTablesSchema)
def member_view(query: dict[str, Any], view: str) -> Any:
    """Get one view by member: gap, location, trends or equality

    The tables the page of that view shows, cell for cell: each member's figure is the one its
    own commissioners see, a total over the members a figure of its own. Each member's figures
    read is audited with its agreement.
    """
    _known_view(view)
    found = capacity_members.member_tables(current_api_user(), view, _filters(query))
    return {
        "cooperative": found.cooperative,
        "members": found.members,
        "view": found.view,
        "described": found.described,
        "tables": list(found.tables.values()),
    }


@blueprint.route("/<view>/tables/<key>.<kind>")
@blueprint.arguments(MembersQuerySchema, location="query")
@blueprint.errors(403, 404, 422)
@blueprint.response(
    200,
    {"type": "string", "format": "binary"},  # a file: documented so, not a JSON schema
    content_type="text/csv",
    description="The table as CSV (kind csv) or an Excel workbook (kind xlsx), exactly as its page shows it.",
)
def member_view_download(query: dict[str, Any], view: str, key: str, kind: str) -> Any:
    """Download one table of a view by member as CSV or Excel

    The same protected figures as the page and its own download; audited as an export and
    per member as a shared read.
    """
    _known_view(view)
    if kind not in DOWNLOAD_KINDS:
        abort(404, message="Download a table as csv or xlsx.")
    user = current_api_user()
    published = capacity_members.member_table(user, view, key, _filters(query))
    capacity_members.record_export(user, view, key, kind)
    body, mimetype, filename = as_download(published, f"capacity-members-{view}-{key}", kind)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
