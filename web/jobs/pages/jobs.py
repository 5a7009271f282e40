"""Jobs: follow long work (a scenario, an export) while a worker runs it, then open what it left.

A person sees only the jobs they started; anyone else's is not found.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.jobs.services import jobs as service
from web.shared.pages.access import require_roles
from web.shared.services.errors import InvalidInput, NotFound

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs")
require_roles(blueprint)
# How often a progress page asks again (seconds): a meta refresh, so it works with no script.
REFRESH_SECONDS = 2


@blueprint.route("/")
def index() -> str:
    return render_template("jobs/list.html", jobs=service.list_mine(current_user))


@blueprint.route("/<int:job_id>")
def show(job_id: int) -> str | Response:
    try:
        job = service.view(current_user, job_id)
    except NotFound:
        abort(404)
    if job.result_page is not None:
        endpoint, arguments = job.result_page
        return redirect(url_for(endpoint, **arguments))
    return render_template("jobs/show.html", job=job, refresh=None if job.finished else REFRESH_SECONDS)


@blueprint.route("/<int:job_id>/file")
def download(job_id: int) -> Response:
    try:
        filename, mimetype, content = service.file(current_user, job_id)
    except NotFound:
        abort(404)
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.route("/<int:job_id>/again", methods=["POST"])
def again(job_id: int) -> Response:
    try:
        new_id = service.again(current_user, job_id)
    except NotFound:
        abort(404)
    except InvalidInput:
        return redirect(url_for("jobs.show", job_id=job_id))
    return redirect(url_for("jobs.show", job_id=new_id))
