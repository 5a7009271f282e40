"""The co-operative commissioner's capacity review by member (sufficiency agreements only).

Four views with a sub-navigation between them (demand against supply, placement location,
trends, equality monitoring), the capacity review's own filters, and every table as CSV or
Excel with the very figures the page shows (one service builds both).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from web.capacity.services import capacity as service
from web.capacity.services import capacity_members
from web.capacity.services.capacity_tables import DOWNLOAD_KINDS, as_download
from web.shared.pages.access import require_roles
from web.shared.services.errors import InvalidInput

blueprint = Blueprint("capacity_members", __name__, url_prefix="/capacity/members")
require_roles(blueprint, *capacity_members.ROLES)


def _submitted() -> dict[str, Any]:
    return {key: values if key == "band" else values[0] for key, values in request.args.lists()}


def _filters() -> tuple[service.Filters, dict[str, str], int]:
    """The overview's own filters: under each, a member's figure is the review's cell for it."""
    try:
        return service.parse_filters(_submitted()), {}, 200
    except InvalidInput as error:
        # Bad filters show nothing filtered: the page answers 400 naming the fields.
        return service.Filters(), error.fields, 400


def _choices(members: list[capacity_members.MemberShare]) -> dict[str, Any]:
    return {**service.choices(), "authorities": [(m.code, m.name) for m in members if m.shown]}


@blueprint.route("/")
def index() -> ResponseReturnValue:
    filters, errors, status = _filters()
    view = capacity_members.members_view(current_user, filters)
    page = render_template(
        "capacity/members.html",
        view=view,
        filters=filters,
        choices=_choices(view.members),
        errors=errors,
        page="gap",
        views=capacity_members.VIEWS,
    )
    return page, status


def _view(name: str) -> ResponseReturnValue:
    filters, errors, status = _filters()
    filters = service.view_filters(name, filters)  # location, trends and equality: unfiltered (decision 0083)
    found = capacity_members.member_tables(current_user, name, filters)
    page = render_template(
        f"capacity/members_{name}.html",
        view=found,
        filters=filters,
        choices=_choices(found.members),
        errors=errors,
        page=name,
        views=capacity_members.VIEWS,
    )
    return page, status


@blueprint.route("/location")
def location() -> ResponseReturnValue:
    return _view("location")


@blueprint.route("/trends")
def trends() -> ResponseReturnValue:
    return _view("trends")


@blueprint.route("/equality")
def equality() -> ResponseReturnValue:
    return _view("equality")


def _send(published: Any, view: str, key: str, kind: str) -> Response:
    body, mimetype, filename = as_download(published, f"capacity-members-{view}-{key}", kind)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.route("/download/<page>/<key>.<kind>")
def download(page: str, key: str, kind: str) -> ResponseReturnValue:
    if kind not in DOWNLOAD_KINDS or page not in capacity_members.VIEWS:
        return render_template("errors/404.html"), 404
    try:
        filters = service.parse_filters(_submitted())
        published = capacity_members.member_table(current_user, page, key, filters)
    except InvalidInput as error:
        return render_template(
            "capacity/bad_download.html", problems=error.problems, back="capacity_members.index"
        ), 400
    capacity_members.record_export(current_user, page, key, kind)
    return _send(published, page, key, kind)
