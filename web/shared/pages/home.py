"""The start page: where each role begins."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.shared.pages.access import require_roles

blueprint = Blueprint("pages", __name__)
require_roles(blueprint)


@blueprint.route("/")
def home() -> Response:
    # The people of a co-operative begin where its work is: none of them reads casework.
    if current_user.role == "cooperative_officer":
        return redirect(url_for("regional_panel.index"))
    if current_user.role == "cooperative_commissioner":
        return redirect(url_for("capacity_members.index"))
    if current_user.role in ("missing_persons_coordinator", "rhi_worker"):
        return redirect(url_for("missing_from_care.index"))
    if current_user.role == "commissioner":
        return redirect(url_for("supply.supply"))
    return redirect(url_for("referrals.list_referrals"))
