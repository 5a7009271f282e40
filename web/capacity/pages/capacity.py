"""The commissioners' capacity review: overview, placement location, trends, scenarios, equality.

Commissioners (and admins) only; aggregates only, small numbers suppressed, no link to
any casework page. Every table downloads as CSV or Excel with the same protected figures.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as Redirect

from web.capacity.services import capacity as service
from web.capacity.services import capacity_charts as charts
from web.capacity.services import capacity_dfe as dfe_service
from web.capacity.services import capacity_downloads as downloads
from web.capacity.services import capacity_scenario as scenarios
from web.capacity.services.capacity_tables import to_csv, to_xlsx
from web.capacity.services.capacity_trends import trends as trends_of
from web.jobs.services import jobs
from web.shared.pages.access import require_roles
from web.shared.services.errors import Forbidden, InvalidInput, NotFound

blueprint = Blueprint("capacity", __name__, url_prefix="/capacity")
require_roles(blueprint, *service.VIEW_ROLES)

Page = str | tuple[str, int]
_LISTS = {"band"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.errorhandler(Forbidden)
def _forbidden(_error: Forbidden) -> tuple[str, int]:
    return render_template("errors/403.html"), 403


def _args(source: MultiDict[str, str]) -> dict[str, Any]:
    return {key: values if key in _LISTS else values[0] for key, values in source.lists() if key != "csrf_token"}


def _render(template: str, **context: Any) -> Page:
    """A page behind the filter form; bad filters answer 400 with the problems named."""
    submitted = _args(request.args)
    try:
        # A view published unfiltered (decision 0083) shows and links with no filters.
        filters = service.view_filters(str(context.get("page", "")), service.parse_filters(submitted))
    except InvalidInput as error:
        return (
            render_template(
                template,
                errors=error.fields,
                filters=service.Filters(),
                submitted=submitted,
                choices=service.choices(),
                result=None,
                **context,
            ),
            400,
        )
    return render_template(
        template,
        errors={},
        filters=filters,
        submitted=submitted,
        choices=service.choices(),
        result=_compute(template, filters),
        **context,
    )


def _compute(template: str, filters: service.Filters) -> Any:
    if template == "capacity/overview.html":
        found = service.overview(current_user, filters)
        return {"data": found, "bars": charts.gap_bars(found.bars), "map": charts.supply_map(found.map_points)}
    if template == "capacity/location.html":
        return {"data": service.location(current_user, filters)}
    if template == "capacity/dfe.html":
        return {"data": dfe_service.dfe_figures(current_user, filters)}
    if template == "capacity/trends.html":
        found_trends = trends_of(current_user, filters)
        from planner.capacity import month_words

        months = [month_words(m) for m in found_trends.months]
        return {
            "data": found_trends,
            "started": charts.trend_lines("started-chart", "Placements started by month", months, found_trends.started),
            "outside": charts.trend_lines(
                "outside-chart", "Placed outside the authority by month (%)", months, found_trends.outside, "%"
            ),
        }
    return {"data": service.equality(current_user, filters)}


@blueprint.route("/")
def overview() -> Page:
    return _render("capacity/overview.html", page="overview")


@blueprint.route("/location")
def location() -> Page:
    return _render("capacity/location.html", page="location")


@blueprint.route("/dfe")
def dfe() -> Page:
    return _render("capacity/dfe.html", page="dfe")


@blueprint.route("/trends")
def trends() -> Page:
    return _render("capacity/trends.html", page="trends")


@blueprint.route("/equality")
def equality() -> Page:
    return _render("capacity/equality.html", page="equality")


def _scenario_context(result: scenarios.ScenarioResult | None = None, job_id: int | None = None) -> dict[str, Any]:
    return {
        "page": "scenario",
        "filters": None,
        "choices": service.choices(),
        "lines": range(1, scenarios.LINES + 1),
        "errors": {},
        "result": result,
        "job_id": job_id,
    }


@blueprint.route("/scenario", methods=["GET", "POST"])
def scenario() -> Page | Redirect:
    """The scenario form; a good one is queued as a job (two allocations take a while) and followed there."""
    context = _scenario_context()
    if request.method == "GET":
        return render_template("capacity/scenario.html", form=scenarios.empty_form(), **context)
    form = _scenario_form()
    try:
        job_id = scenarios.start_scenario(current_user, form)
    except InvalidInput as error:
        context["errors"] = error.fields or {"line-1-places": "; ".join(error.problems)}
        return render_template("capacity/scenario.html", form=form, **context), 400
    return redirect(url_for("jobs.show", job_id=job_id))


@blueprint.route("/scenario/<int:job_id>")
def scenario_result(job_id: int) -> Page:
    """A finished scenario, from its job: the lines asked for and the tables before and after."""
    try:
        result = scenarios.stored_result(current_user, job_id)
        form = scenarios.empty_form() | jobs.params(current_user, job_id)
    except NotFound:
        return render_template("errors/404.html"), 404
    context = _scenario_context(result, job_id)
    return render_template("capacity/scenario.html", form=form, **context)


def _scenario_form() -> dict[str, Any]:
    return {key: values if key.endswith("-specialisms") else values[0] for key, values in request.form.lists()}


@blueprint.route("/scenario/<int:job_id>/download/<key>.<kind>")
def scenario_download(job_id: int, key: str, kind: str) -> Response | Page:
    """A scenario's table as its result page shows it (kept on its job)."""
    if kind not in ("csv", "xlsx") or key not in scenarios.SCENARIO_TABLES:
        return render_template("errors/404.html"), 404
    try:
        result = scenarios.stored_result(current_user, job_id)
    except NotFound:
        return render_template("errors/404.html"), 404
    return _send(scenarios.scenario_table(result, key), "scenario", key, kind)


def _send(published: Any, page: str, key: str, kind: str) -> Response:
    downloads.record_export(current_user, page, key, kind)
    filename = f"capacity-{page}-{key}.{kind}"
    if kind == "csv":
        body: str | bytes = to_csv(published)
        mimetype = "text/csv"
    else:
        body = to_xlsx(published)
        mimetype = XLSX
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.route("/download/<page>/<key>.<kind>")
def download(page: str, key: str, kind: str) -> Response | Page:
    if kind not in ("csv", "xlsx"):
        return render_template("errors/404.html"), 404
    try:
        filters = service.parse_filters(_args(request.args))
        published = downloads.published_table(current_user, page, key, filters)
    except InvalidInput as error:
        return render_template("capacity/bad_download.html", problems=error.problems), 400
    return _send(published, page, key, kind)
