"""Referrals: the list, making and changing one, closing it, and its ranked options."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.accounts.services.accounts import CASEWORK_ROLES
from web.casework.services import referral_form, referrals
from web.casework.services.referral_form import FormInvalid, ReferralForm
from web.matching.services import decisions, ranking_runs
from web.shared.pages.access import require_roles
from web.shared.services.errors import Forbidden, NotFound

blueprint = Blueprint("referrals", __name__, url_prefix="/referrals")
require_roles(blueprint, *CASEWORK_ROLES)

Page = str | Response | tuple[str, int]
_CHANGED_MEANWHILE = (
    "Someone else changed this referral after you opened it. Check the details below, which are what you entered, "
    "and save again to keep them."
)
_CHANGED_MEANWHILE_CLOSE = (
    "Someone else changed this referral after you opened this page. Check the referral, then close it again if you "
    "still mean to."
)


@blueprint.app_context_processor
def _referral_helpers() -> dict[str, Any]:
    # App-wide, so a template extending referrals/show.html from another blueprint
    # (the decisions section) renders the same without passing these.
    def may_change_referral(referral: Any) -> bool:
        return current_user.is_authenticated and referrals.can_change(current_user, referral)

    def may_start_referral() -> bool:
        return current_user.is_authenticated and referrals.may_edit(current_user)

    return {
        "referral_words": referral_form.VOCABULARY,
        "may_change_referral": may_change_referral,
        "may_start_referral": may_start_referral,
    }


@blueprint.route("/")
def list_referrals() -> str:
    listing = referrals.list_referrals(current_user, referrals.ListFilters.from_query(request.args))
    return render_template(
        "referrals/list.html",
        listing=listing,
        referrals=listing.rows,
        may_create=referrals.may_edit(current_user),
        urgency_words=referral_form.URGENCY_WORDS,
    )


def _form_page(
    form: ReferralForm,
    *,
    referral: Any = None,
    errors: dict[str, str] | None = None,
    conflict: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    choices = referrals.choices(current_user, editing=referral)
    return render_template(
        "referrals/form.html",
        form=form,
        referral=referral,
        version=referrals.version_of(referral) if referral is not None else "",
        candidates=choices.candidates,
        errors=errors or {},
        conflict=conflict,
        **referral_form.VOCABULARY,
    ), status


def _not_open(error: referrals.NotOpen) -> tuple[str, int]:
    return render_template("referrals/not_open.html", reference=error.reference, reason=error.reason), 409


@blueprint.route("/new", methods=["GET", "POST"])
def new() -> Page:
    try:
        referrals.require_editor(current_user)
    except Forbidden:
        abort(403)
    if request.method == "GET":
        # "Start a referral" on a young person's page comes here with them chosen.
        wanted = request.args.get("young_person", "").strip()
        return _form_page(ReferralForm(young_people=[wanted] if wanted else []))
    form = ReferralForm.from_submission(request.form)
    if request.form.get("add_person"):
        return _form_page(form)  # a sibling group: show the form again with the one just added
    try:
        reference = referrals.create(current_user, form)
    except FormInvalid as error:
        return _form_page(form, errors=error.errors, status=400)
    flash(f"Referral {reference} created.", "success")
    return redirect(url_for("referrals.show", reference=reference))


@blueprint.route("/<reference>")
def show(reference: str) -> str:
    try:
        referral = referrals.view(current_user, reference)
        runs = ranking_runs.list_runs(current_user, reference)
        referral_decisions = decisions.list_for_referral(current_user, reference)
    except NotFound:
        abort(404)
    return render_template(
        "referrals/show.html",
        referral=referral,
        runs=runs,
        sex_words=referrals.sex_words,
        decisions=referral_decisions,
        status_words=decisions.STATUS_WORDS,
    )


@blueprint.route("/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str) -> Page:
    try:
        if request.method == "GET":
            referral, form = referrals.open_edit_form(current_user, reference)
            return _form_page(form, referral=referral)
        form = ReferralForm.from_submission(request.form)
        if request.form.get("add_person"):
            return _form_page(form, referral=referrals.editable(current_user, reference))
        try:
            changed = referrals.save_changes(current_user, reference, form, request.form.get("version", ""))
        except FormInvalid as error:
            return _form_page(
                form, referral=referrals.editable(current_user, reference), errors=error.errors, status=400
            )
        except referrals.ChangedMeanwhile:
            return _form_page(
                form, referral=referrals.editable(current_user, reference), conflict=_CHANGED_MEANWHILE, status=409
            )
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    except referrals.NotOpen as error:
        return _not_open(error)
    flash(f"Referral {reference} updated." if changed else "No changes were made.", "success")
    return redirect(url_for("referrals.show", reference=reference))


def _close_page(
    referral: Any, values: dict[str, str], errors: dict[str, str], status: int = 200, conflict: str | None = None
) -> tuple[str, int]:
    return render_template(
        "referrals/close.html",
        referral=referral,
        version=referrals.version_of(referral),
        values=values,
        errors=errors,
        conflict=conflict,
        close_reasons=referral_form.CLOSE_REASONS,
    ), status


@blueprint.route("/<reference>/close", methods=["GET", "POST"])
def close(reference: str) -> Page:
    try:
        if request.method == "GET":
            return _close_page(referrals.open_close_form(current_user, reference), {}, {})
        referral = referrals.editable(current_user, reference)
        values = {"reason": request.form.get("reason", ""), "details": request.form.get("details", "")}
        try:
            referrals.close(current_user, reference, values, request.form.get("version", ""))
        except FormInvalid as error:
            return _close_page(referral, values, error.errors, 400)
        except referrals.ChangedMeanwhile:
            return _close_page(referrals.editable(current_user, reference), values, {}, 409, _CHANGED_MEANWHILE_CLOSE)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    except referrals.NotOpen as error:
        return _not_open(error)
    flash(f"Referral {reference} closed.", "success")
    return redirect(url_for("referrals.show", reference=reference))
