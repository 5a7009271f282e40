"""Missing from care: the host force co-ordinator's map and list, and the interview provider's tasks."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.accounts.services.accounts import CASEWORK_ROLES
from web.data_exchange.services import suggested_areas
from web.matching.services import police_notifications
from web.relocation.services import missing_from_care
from web.shared.pages.access import require_roles
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("missing_from_care", __name__, url_prefix="/missing-from-care")
# Casework roles too, for the police notice their authority sent (the same service rule as the
# API's); the map and the interview tasks are the force's and the provider's alone.
require_roles(blueprint, missing_from_care.COORDINATOR, missing_from_care.RHI_WORKER, *CASEWORK_ROLES)


def _map_settings() -> dict[str, str]:
    # As the options map: tiles only when configured, else authority outlines for context.
    tile_url = current_app.config.get("MAP_TILE_URL") or ""
    return {
        "tile_url": tile_url,
        "tile_attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or "",
        "outlines_url": "" if tile_url else url_for("static", filename="maps/outlines.geojson"),
    }


@blueprint.route("/")
def index() -> str:
    if current_user.role not in (missing_from_care.COORDINATOR, missing_from_care.RHI_WORKER):
        abort(403)
    if current_user.role == missing_from_care.RHI_WORKER:
        tasks = missing_from_care.interview_tasks(current_user)
        return render_template("missing_from_care/interviews.html", tasks=tasks)
    view = missing_from_care.coordinator_view(current_user)
    notices = police_notifications.to_my_force(current_user)
    data = missing_from_care.map_data(view) | _map_settings()
    return render_template(
        "missing_from_care/map.html",
        view=view,
        notices=notices,
        names=police_notifications.names_of(notices),
        map_data=data,
    )


@blueprint.route("/interviews/<int:episode_id>", methods=["POST"])
def record_interview(episode_id: int) -> Response:
    try:
        outcome = missing_from_care.record_interview(current_user, episode_id, request.form)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except InvalidInput as error:
        flash(" ".join(error.problems), "error")
        return redirect(url_for("missing_from_care.index") + f"#episode-{episode_id}")
    words = {"offered": "offered", "done": "held", "declined": "declined"}[outcome]
    flash(f"Interview recorded as {words}: the placing authority sees it now.", "success")
    return redirect(url_for("missing_from_care.index") + f"#episode-{episode_id}")


@blueprint.route("/episodes/<int:episode_id>/suggest-area", methods=["POST"])
def suggest_area(episode_id: int) -> Response:
    try:
        suggestion_id = suggested_areas.suggest_found_location(current_user, episode_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict as error:
        flash(str(error), "info")
        return redirect(url_for("missing_from_care.index") + f"#episode-{episode_id}")
    flash(f"Suggested to the placing authority as suggestion {suggestion_id}: it confirms or dismisses it.", "success")
    return redirect(url_for("missing_from_care.index") + f"#episode-{episode_id}")


@blueprint.route("/police-notices/<int:notification_id>")
def police_notice(notification_id: int) -> str:
    try:
        view = police_notifications.view(current_user, notification_id)
    except NotFound:
        abort(404)
    return render_template("police_notifications/show.html", view=view)


@blueprint.route("/police-notices/<int:notification_id>/acknowledge", methods=["POST"])
def acknowledge_police_notice(notification_id: int) -> Response:
    try:
        police_notifications.acknowledge(current_user, notification_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict as error:
        flash(str(error), "error")
        return redirect(url_for("missing_from_care.police_notice", notification_id=notification_id))
    flash(f"Notification {notification_id} acknowledged.", "success")
    return redirect(url_for("missing_from_care.police_notice", notification_id=notification_id))
