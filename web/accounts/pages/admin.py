"""Administration: searching the audit log, and downloading what the search found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_login import current_user

from web.accounts.services import audit_search
from web.shared.pages.access import require_roles
from web.shared.services.errors import Forbidden, InvalidInput

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
require_roles(blueprint, *audit_search.ADMIN_ROLES)


def _kept_args() -> dict[str, Any]:
    """The search as typed, to carry over to other pages of results and to the download."""
    return {name: request.args[name] for name in audit_search.search_fields() if request.args.get(name)}


@blueprint.route("/audit")
def audit() -> tuple[str, int]:
    kept = _kept_args()
    try:
        actions, object_types = audit_search.choices(current_user)
        try:
            criteria = audit_search.read_search(request.args)
        except InvalidInput as error:
            return _page(kept, actions, object_types, errors=error.fields), 400
        results = audit_search.search(current_user, criteria, _page_number(request.args.get("page")))
    except Forbidden:
        abort(403)
    return _page(kept, actions, object_types, results=results), 200


def _page(
    kept: dict[str, Any],
    actions: list[str],
    object_types: list[str],
    results: audit_search.AuditPage | None = None,
    errors: dict[str, str] | None = None,
) -> str:
    links = {}
    if results is not None:
        if results.page > 1:
            links["previous"] = url_for("admin.audit", **kept, page=results.page - 1)
        if results.page < results.pages:
            links["next"] = url_for("admin.audit", **kept, page=results.page + 1)
    return render_template(
        "admin/audit.html",
        form=kept,
        action_items=_choices(actions, kept.get("action", "")),
        object_type_items=_choices(object_types, kept.get("object_type", "")),
        results=results,
        errors=errors or {},
        links=links,
        csv_url=url_for("admin.audit_csv", **kept),
        role_name=audit_search.role_name,
    )


def _choices(values: list[str], chosen: str) -> list[dict[str, object]]:
    """Items for a GOV.UK select: "Any", then each value; a value typed into the URL stays chosen."""
    if chosen and chosen not in values:
        values = [*values, chosen]
    items: list[dict[str, object]] = [{"value": "", "text": "Any"}]
    return items + [{"value": value, "text": value.replace("_", " "), "selected": value == chosen} for value in values]


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 else 1


@blueprint.route("/audit.csv")
def audit_csv() -> Response | tuple[str, int]:
    try:
        criteria = audit_search.read_search(request.args)
    except InvalidInput as error:
        actions, object_types = audit_search.choices(current_user)
        return _page(_kept_args(), actions, object_types, errors=error.fields), 400
    try:
        lines = audit_search.export_csv(current_user, criteria)
    except Forbidden:
        abort(403)
    filename = f"audit-log-{datetime.now():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
