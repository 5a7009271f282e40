"""Reg 13 notifications: the host authority reads and acknowledges; the placing authority sends them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.accounts.services.accounts import CASEWORK_ROLES
from web.matching.services import host_notifications
from web.shared.pages.access import require_roles
from web.shared.services.errors import Conflict, Forbidden, NotFound

blueprint = Blueprint("host_notifications", __name__, url_prefix="/host-notifications")
require_roles(blueprint, *CASEWORK_ROLES)


@blueprint.route("/<int:notification_id>")
def show(notification_id: int) -> str:
    try:
        view = host_notifications.view(current_user, notification_id)
    except NotFound:
        abort(404)
    return render_template("host_notifications/show.html", view=view)


@blueprint.route("/<int:notification_id>/acknowledge", methods=["POST"])
def acknowledge(notification_id: int) -> Response:
    try:
        host_notifications.acknowledge(current_user, notification_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict as error:
        flash(str(error), "error")
        return redirect(url_for("host_notifications.show", notification_id=notification_id))
    flash(f"Notification {notification_id} acknowledged.", "success")
    return redirect(url_for("host_notifications.show", notification_id=notification_id))
