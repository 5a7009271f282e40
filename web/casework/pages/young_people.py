"""Young people's records: the list, the profile, its parts and missing episodes.

Every casework role sees its own authority's children (another authority's child
is a 404, a commissioner gets a 403); only social workers and placement officers
change a record. The rules live in `web.casework.services.young_people`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.accounts.services.accounts import CASEWORK_ROLES
from web.casework.services import young_people as service
from web.casework.services.young_people import FormInvalid
from web.request_guard import query_int
from web.shared.pages.access import require_roles
from web.shared.services.errors import Forbidden, NotFound

blueprint = Blueprint("young_people", __name__, url_prefix="/young-people")
require_roles(blueprint, *CASEWORK_ROLES)

Page = str | Response | tuple[str, int]
# Form fields that carry a list (checkboxes).
_LISTS = {"risks"}
_PART_TEMPLATES = {
    "groups": "young_people/group_form.html",
    "people-to-avoid": "young_people/avoid_form.html",
    "risk-locations": "young_people/risk_location_form.html",
    "support-network": "young_people/support_form.html",
}
_EPISODE_TEMPLATES = {
    "details": "young_people/episode_form.html",
    "return": "young_people/return_form.html",
    "interview": "young_people/interview_form.html",
}


@blueprint.errorhandler(NotFound)
def _not_found(_error: NotFound) -> tuple[str, int]:
    return render_template("errors/404.html"), 404


@blueprint.errorhandler(Forbidden)
def _forbidden(_error: Forbidden) -> tuple[str, int]:
    return render_template("errors/403.html"), 403


def _submitted() -> dict[str, Any]:
    """The posted form as typed, lists for checkboxes, without the CSRF token."""
    return {key: values if key in _LISTS else values[0] for key, values in request.form.lists() if key != "csrf_token"}


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, vocabulary=service.vocabulary(), **context), status


@blueprint.route("/")
def list_young_people() -> str:
    listing = service.list_for(current_user, request.args.get("q", ""), query_int("page", 1) or 1)
    return render_template("young_people/list.html", listing=listing, may_edit=service.may_edit(current_user))


@blueprint.route("/new", methods=["GET", "POST"])
def new_young_person() -> Page:
    service.new_profile_form(current_user)
    if request.method == "GET":
        return _render("young_people/profile_form.html", person=None, values={}, errors={})
    data = _submitted()
    try:
        reference = service.create(current_user, data)
    except FormInvalid as error:
        return _render("young_people/profile_form.html", 400, person=None, values=data, errors=error.errors)
    flash(f"Young person {reference} added", "success")
    return redirect(url_for(".show", reference=reference))


@blueprint.route("/<reference>")
def show(reference: str) -> tuple[str, int]:
    return _render("young_people/show.html", profile=service.view(current_user, reference))


@blueprint.route("/<reference>/edit", methods=["GET", "POST"])
def edit_profile(reference: str) -> Page:
    if request.method == "GET":
        person, values = service.profile_form(current_user, reference)
        return _render("young_people/profile_form.html", person=person, values=values, errors={})
    data = _submitted()
    try:
        service.edit_profile(current_user, reference, data)
    except FormInvalid as error:
        person, _values = service.profile_form(current_user, reference, audited=False)
        return _render("young_people/profile_form.html", 400, person=person, values=data, errors=error.errors)
    flash("Profile saved", "success")
    return redirect(url_for(".show", reference=reference))


# --- groups, people to avoid, risk locations, support network --------------------------


def _part_template(kind: str) -> str:
    if kind not in _PART_TEMPLATES:
        raise NotFound(kind)
    return _PART_TEMPLATES[kind]


def _part_page(kind: str, form: service.PartForm, values: dict[str, Any], errors: dict[str, str]) -> tuple[str, int]:
    options = service.group_options(current_user) if kind == "groups" else []
    return _render(
        _part_template(kind),
        400 if errors else 200,
        kind=kind,
        person=form.person,
        item=form.item,
        values=values,
        errors=errors,
        group_options=options,
    )


@blueprint.route("/<reference>/<kind>/new", methods=["GET", "POST"])
def add_part(reference: str, kind: str) -> Page:
    _part_template(kind)
    if request.method == "GET":
        form = service.part_form(current_user, reference, kind)
        return _part_page(kind, form, form.values, {})
    data = _submitted()
    try:
        service.add_part(current_user, reference, kind, data)
    except FormInvalid as error:
        return _part_page(kind, service.part_context(current_user, reference, kind), data, error.errors)
    flash(f"{service.PARTS[kind].what.capitalize()} added", "success")
    return redirect(url_for(".show", reference=reference, _anchor=kind))


@blueprint.route("/<reference>/<kind>/<int:item_id>", methods=["GET", "POST"])
def change_part(reference: str, kind: str, item_id: int) -> Page:
    _part_template(kind)
    if request.method == "GET":
        form = service.part_form(current_user, reference, kind, item_id)
        return _part_page(kind, form, form.values, {})
    data = _submitted()
    try:
        service.change_part(current_user, reference, kind, item_id, data)
    except FormInvalid as error:
        return _part_page(kind, service.part_context(current_user, reference, kind, item_id), data, error.errors)
    flash(f"{service.PARTS[kind].what.capitalize()} saved", "success")
    return redirect(url_for(".show", reference=reference, _anchor=kind))


@blueprint.route("/<reference>/<kind>/<int:item_id>/remove", methods=["POST"])
def remove_part(reference: str, kind: str, item_id: int) -> Response:
    _part_template(kind)
    what = service.remove_part(current_user, reference, kind, item_id)
    flash(f"{what.capitalize()} removed", "success")
    return redirect(url_for(".show", reference=reference, _anchor=kind))


# --- missing episodes ---------------------------------------------------------------


def _episode_page(reference: str, episode_id: int, values: dict[str, Any], errors: dict[str, str]) -> tuple[str, int]:
    page = service.episode_page(current_user, reference, episode_id, audited=not errors)
    return _render("young_people/episode.html", 400 if errors else 200, page=page, values=values, errors=errors)


def _episode_form(
    reference: str, episode_id: int | None, step: str, data: dict[str, Any] | None, errors: dict[str, str]
) -> tuple[str, int]:
    form = service.episode_form(current_user, reference, episode_id, step, audited=data is None)
    return _render(
        _EPISODE_TEMPLATES[step],
        400 if errors else 200,
        person=form.person,
        episode=form.episode,
        values=form.values if data is None else data,
        errors=errors,
    )


@blueprint.route("/<reference>/missing/new", methods=["GET", "POST"])
def add_episode(reference: str) -> Page:
    if request.method == "GET":
        return _episode_form(reference, None, "details", None, {})
    data = _submitted()
    try:
        episode_id = service.add_episode(current_user, reference, data)
    except FormInvalid as error:
        return _episode_form(reference, None, "details", data, error.errors)
    flash("Missing episode recorded", "success")
    return redirect(url_for(".episode", reference=reference, episode_id=episode_id))


@blueprint.route("/<reference>/missing/<int:episode_id>")
def episode(reference: str, episode_id: int) -> tuple[str, int]:
    return _episode_page(reference, episode_id, {}, {})


def _episode_step(reference: str, episode_id: int, step: str, save: Any, message: str) -> Page:
    if request.method == "GET":
        return _episode_form(reference, episode_id, step, None, {})
    data = _submitted()
    try:
        save(current_user, reference, episode_id, data)
    except FormInvalid as error:
        return _episode_form(reference, episode_id, step, data, error.errors)
    flash(message, "success")
    return redirect(url_for(".episode", reference=reference, episode_id=episode_id))


@blueprint.route("/<reference>/missing/<int:episode_id>/edit", methods=["GET", "POST"])
def change_episode(reference: str, episode_id: int) -> Page:
    return _episode_step(reference, episode_id, "details", service.change_episode, "Missing episode saved")


@blueprint.route("/<reference>/missing/<int:episode_id>/return", methods=["GET", "POST"])
def record_return(reference: str, episode_id: int) -> Page:
    return _episode_step(reference, episode_id, "return", service.record_return, "Return recorded")


@blueprint.route("/<reference>/missing/<int:episode_id>/return-home-interview", methods=["GET", "POST"])
def record_interview(reference: str, episode_id: int) -> Page:
    return _episode_step(reference, episode_id, "interview", service.record_interview, "Return home interview recorded")


@blueprint.route("/<reference>/missing/<int:episode_id>/mark-missing", methods=["POST"])
def mark_missing(reference: str, episode_id: int) -> Page:
    data = _submitted()
    try:
        service.mark_missing(current_user, reference, episode_id, data)
    except FormInvalid as error:
        return _episode_page(reference, episode_id, data, error.errors)
    flash("Marked as missing: the return home interview clock now applies", "success")
    return redirect(url_for(".episode", reference=reference, episode_id=episode_id))


@blueprint.route("/<reference>/missing/<int:episode_id>/risk-location", methods=["POST"])
def make_risk_location(reference: str, episode_id: int) -> Page:
    data = _submitted()
    try:
        service.make_risk_location(current_user, reference, episode_id, data)
    except FormInvalid as error:
        return _episode_page(reference, episode_id, data, error.errors)
    flash("The found location is now a risk location", "success")
    return redirect(url_for(".show", reference=reference, _anchor="risk-locations"))
