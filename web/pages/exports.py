"""Exports: SSDA903-style episodes and placement standards' records, for admins.

Every download is audited as an export by `web.services.exports`.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from web.pages.access import require_roles
from web.services import exports as service
from web.services.errors import Forbidden, InvalidInput, NotFound

blueprint = Blueprint("exports", __name__, url_prefix="/exports")
require_roles(blueprint, *service.EXPORT_ROLES)


@blueprint.route("/")
def index() -> str:
    return render_template("exports/index.html", kinds=service.kinds())


@blueprint.route("/<kind>")
def download(kind: str) -> Response | tuple[str, int]:
    try:
        found = service.export_for(current_user, kind)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except InvalidInput as error:
        # The file would not meet its standard: say which records and fields, write nothing.
        page = render_template("exports/index.html", kinds=service.kinds(), refused=kind, problems=error.problems)
        return page, 422
    return Response(
        found.content,
        mimetype=found.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )
