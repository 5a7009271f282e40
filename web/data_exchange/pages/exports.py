"""Exports: SSDA903-style episodes and placement standards' records, for admins.

An export runs as a job (a whole authority's records take a while): the button queues it
and the job's page offers the file when it is ready. Every export is audited by
`web.data_exchange.services.exports`.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.data_exchange.services import exports as service
from web.shared.pages.access import require_roles
from web.shared.services.errors import Forbidden, NotFound

blueprint = Blueprint("exports", __name__, url_prefix="/exports")
require_roles(blueprint, *service.EXPORT_ROLES)


@blueprint.route("/")
def index() -> str:
    return render_template("exports/index.html", kinds=service.kinds())


@blueprint.route("/<kind>", methods=["POST"])
def start(kind: str) -> Response:
    try:
        job_id = service.start_export(current_user, kind)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return redirect(url_for("jobs.show", job_id=job_id))
