"""Importing files: the importers a role may run, a form per importer, and what came of it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from web.data_exchange.services import import_jobs, imports
from web.data_exchange.services.imports.runs import recent_runs
from web.shared.pages.access import require_roles
from web.shared.services.errors import Forbidden, InvalidInput, NotFound

blueprint = Blueprint("imports", __name__, url_prefix="/imports")
# Every role some importer declares; each importer's own roles are checked again per kind.
require_roles(blueprint, *sorted({role for i in imports.all_importers() for role in i.roles}))

# Problems shown on the page; the rest are counted ("and 1,234 more").
SHOWN_PROBLEMS = 500


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_error: Exception) -> ResponseReturnValue:
    limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return render_template("imports/too_large.html", limit_mb=limit_mb), 413


@blueprint.route("/")
def index() -> ResponseReturnValue:
    return render_template(
        "imports/index.html",
        importers=imports.importers_for_role(current_user.role),
        runs=recent_runs(current_user),
    )


def _importer(kind: str) -> imports.Importer:
    try:
        importer = imports.importer_for(kind)
    except NotFound:
        abort(404)
    if current_user.role not in importer.roles:
        abort(403)
    return importer


def _form(
    importer: imports.Importer,
    *,
    outcome: imports.Outcome | None = None,
    dry_run: bool = False,
    status: int = 200,
) -> ResponseReturnValue:
    problems = outcome.problems if outcome is not None else []
    # File-level problems go beside the file input; row problems in the table below.
    file_errors: dict[str, str] = {}
    for problem in problems:
        if problem.row is None and problem.file not in file_errors:
            file_errors[problem.file] = problem.message
    row_problems = [p for p in problems if p.row is not None]
    more = (outcome.more_problems if outcome is not None else 0) + max(0, len(row_problems) - SHOWN_PROBLEMS)
    summary = {name: message for name, message in file_errors.items()}
    if row_problems or more:
        total = len(row_problems) + (outcome.more_problems if outcome is not None else 0)
        summary["problems"] = (
            f"The file has {total:,} problem{'s' if total != 1 else ''}: nothing was imported. "
            "Correct the rows listed below and choose the file again"
        )
    return (
        render_template(
            "imports/form.html",
            importer=importer,
            errors=summary,
            file_errors=file_errors,
            problems=row_problems[:SHOWN_PROBLEMS],
            more=more,
            dry_run=dry_run,
            flags=outcome.flags if outcome is not None else None,
        ),
        status,
    )


@blueprint.route("/reports/<int(max=2147483647):report_id>.csv")
def report(report_id: int) -> ResponseReturnValue:
    """The row-by-row report of an import you ran (every problem and flag), as CSV."""
    try:
        filename, content = imports.report_file(current_user, report_id)
    except NotFound:
        abort(404)
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.route("/<kind>")
def form(kind: str) -> ResponseReturnValue:
    return _form(_importer(kind))


@blueprint.route("/<kind>", methods=["POST"])
def run(kind: str) -> ResponseReturnValue:
    importer = _importer(kind)
    dry_run = request.form.get("dry_run") == "yes"
    files: dict[str, tuple[str, bytes]] = {}
    for spec in importer.files:
        upload = request.files.get(spec.name)
        if upload is not None and upload.filename:
            files[spec.name] = (upload.filename, upload.read())
    if import_jobs.runs_as_job(files):
        # A large file would hold the request past its 10 s: a worker imports it, this page follows.
        try:
            job_id = import_jobs.start(current_user, kind, files, dry_run=dry_run)
        except Forbidden:
            abort(403)
        return redirect(url_for("jobs.show", job_id=job_id))
    try:
        outcome = imports.run_import(kind, files, dry_run=dry_run, user=current_user)
    except Forbidden:
        abort(403)
    except InvalidInput as error:
        problem = imports.Problem(importer.files[0].name, None, None, "; ".join(error.problems))
        outcome = imports.Outcome(kind, dry_run, 0, {}, [problem], None)
    if not outcome.ok:
        return _form(importer, outcome=outcome, dry_run=dry_run, status=400)
    return render_template("imports/result.html", importer=importer, outcome=outcome)


@blueprint.route("/<kind>/jobs/<int:job_id>")
def job_result(kind: str, job_id: int) -> ResponseReturnValue:
    """What an import run as a job found: the same page as an import in the request gives."""
    importer = _importer(kind)
    try:
        outcome = import_jobs.result(current_user, job_id, kind)
    except NotFound:
        abort(404)
    if not outcome.ok:
        return _form(importer, outcome=outcome, dry_run=outcome.dry_run)
    return render_template("imports/result.html", importer=importer, outcome=outcome)
