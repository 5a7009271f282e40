"""Suggested areas from police.uk imports: the list, confirming one as an area, dismissing one.

Placement officers and administrators of the importing authority only; another
authority's suggestion is not found (404). The rules live in
`web.data_exchange.services.suggested_areas`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from web.data_exchange.services import suggested_areas as service
from web.data_exchange.services.suggested_areas import FormInvalid
from web.shared.pages.access import require_roles
from web.shared.services.errors import Conflict, Forbidden, NotFound

blueprint = Blueprint("suggestions", __name__, url_prefix="/suggested-areas")
require_roles(blueprint, *service.REVIEW_ROLES)

Page = str | Response | tuple[str, int]
_LISTS = {"groups"}


@blueprint.errorhandler(NotFound)
def _not_found(_error: NotFound) -> tuple[str, int]:
    return render_template("errors/404.html"), 404


@blueprint.errorhandler(Forbidden)
def _forbidden(_error: Forbidden) -> tuple[str, int]:
    return render_template("errors/403.html"), 403


@blueprint.errorhandler(Conflict)
def _already_reviewed(error: Conflict) -> Response:
    flash(str(error), "info")
    return redirect(url_for(".list_suggestions"))


def _submitted() -> dict[str, Any]:
    return {key: values if key in _LISTS else values[0] for key, values in request.form.lists() if key != "csrf_token"}


def _import_page_url() -> str | None:
    """The police.uk import page, where the import framework provides one."""
    try:
        return url_for("imports.form", kind="police_uk")
    except BuildError:
        return None


@blueprint.route("/")
def list_suggestions() -> str:
    return render_template(
        "suggested_areas/list.html",
        imports=service.list_for(current_user),
        found=service.found_for(current_user),
        import_url=_import_page_url(),
    )


def _confirm_page(form: service.ConfirmForm, values: dict[str, Any], errors: dict[str, str]) -> tuple[str, int]:
    return render_template(
        "suggested_areas/confirm.html",
        suggestion=form.suggestion,
        group_options=form.group_options,
        values=values,
        errors=errors,
        vocabulary=service.vocabulary(),
    ), (400 if errors else 200)


@blueprint.route("/<int:suggestion_id>/confirm", methods=["GET", "POST"])
def confirm(suggestion_id: int) -> Page:
    if request.method == "GET":
        form = service.confirm_form(current_user, suggestion_id)
        return _confirm_page(form, form.values, {})
    data = _submitted()
    try:
        area = service.confirm(current_user, suggestion_id, data)
    except FormInvalid as error:
        return _confirm_page(service.confirm_context(current_user, suggestion_id), data, error.errors)
    flash(
        f"Confirmed as area {area.code}, {area.label}. Rankings use it from now on. {area.reviews.sentence()}",
        "success",
    )
    return redirect(url_for(".list_suggestions"))


def _dismiss_page(suggestion_id: int, values: dict[str, Any], errors: dict[str, str]) -> tuple[str, int]:
    suggestion = service.get_for(current_user, suggestion_id)
    if suggestion.status != "suggested":
        raise Conflict(f"This suggestion was already {suggestion.status}.")
    return render_template("suggested_areas/dismiss.html", suggestion=suggestion, values=values, errors=errors), (
        400 if errors else 200
    )


@blueprint.route("/<int:suggestion_id>/dismiss", methods=["GET", "POST"])
def dismiss(suggestion_id: int) -> Page:
    if request.method == "GET":
        return _dismiss_page(suggestion_id, {}, {})
    data = _submitted()
    try:
        service.dismiss(current_user, suggestion_id, data)
    except FormInvalid as error:
        return _dismiss_page(suggestion_id, data, error.errors)
    flash("Suggestion dismissed.", "success")
    return redirect(url_for(".list_suggestions"))
