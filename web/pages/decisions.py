"""Decisions and the care plan behind them: choose an option, approve, amend, see the history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.pages.access import require_roles
from web.request_guard import query_int
from web.services import care_plan, decisions
from web.services.accounts import CASEWORK_ROLES
from web.services.care_plan import SupportLinkRef
from web.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("decisions", __name__, url_prefix="/referrals")
require_roles(blueprint, *CASEWORK_ROLES)


@blueprint.context_processor
def _today() -> dict[str, date]:
    return {"today": date.today()}


def plan_from_form(form: Mapping[str, str], support: list[SupportLinkRef]) -> dict[str, Any]:
    """The content-shaped plan from the flat form (field ids as in _care_plan_form.html)."""
    plan: dict[str, Any] = {key: form.get(key, "") for key, _label, _required in care_plan.TEXT_FIELDS}
    plan.update({key: form.get(key, "") for key, _label in care_plan.DATE_FIELDS})
    plan["education_school"] = form.get("education_school")
    plan["education_key_stage_4"] = form.get("education_key_stage_4") == "yes"
    plan["contact"] = {
        s.id: {part: form.get(f"contact-{s.id}-{part}", "") for part in ("frequency", "supervision", "travel")}
        for s in support
    }
    return plan


def form_from_content(content: Mapping[str, Any]) -> dict[str, str]:
    """Form values from a stored version, to start an amendment from."""
    values = {key: str(content.get(key) or "") for key, _label, _required in care_plan.TEXT_FIELDS}
    values.update({key: str(content.get(key) or "") for key, _label in care_plan.DATE_FIELDS})
    values["education_school"] = str(content.get("education_school") or "")
    values["education_key_stage_4"] = "yes" if content.get("education_key_stage_4") else ""
    for entry in content.get("contact") or []:
        for part in ("frequency", "supervision", "travel"):
            values[f"contact-{entry['support_id']}-{part}"] = str(entry.get(part) or "")
    return values


def field_ids(fields: Mapping[str, str]) -> dict[str, str]:
    """Service field paths ("contact.S-1.frequency") as form ids ("contact-S-1-frequency")."""
    return {path.replace(".", "-"): message for path, message in fields.items()}


def _form_context() -> dict[str, Any]:
    return {
        "TEXT_FIELDS": care_plan.TEXT_FIELDS,
        "DATE_FIELDS": care_plan.DATE_FIELDS,
        "SCHOOL_CONTINUITY": care_plan.SCHOOL_CONTINUITY,
        "CONTACT_FREQUENCY": care_plan.CONTACT_FREQUENCY,
        "SUPERVISION": care_plan.SUPERVISION,
    }


@blueprint.route("/<reference>/rankings/<int:run_id>/decide", methods=["GET", "POST"])
def new(reference: str, run_id: int) -> str | Response:
    code = request.values.get("placement", "")
    try:
        chosen = decisions.choice(current_user, reference, run_id, code)
    except NotFound:
        abort(404)
    if current_user.role not in decisions.DECIDE_ROLES:
        abort(403)
    if request.method == "GET":
        decisions.record_form_opened(current_user, chosen)
    values: dict[str, str] = {"emergency": "yes" if chosen.emergency_default else "no"}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = dict(request.form)
        try:
            decision_id = decisions.decide(
                current_user,
                reference,
                run_id,
                code,
                request.form.get("start_date", ""),
                request.form.get("emergency") == "yes",
                plan_from_form(request.form, chosen.support),
            )
        except InvalidInput as error:
            errors, status = field_ids(error.fields), 400
        except Conflict as error:
            errors, status = {"placement": str(error)}, 409
        else:
            flash("Decision recorded. The care plan is version 1.", "success")
            return redirect(url_for("decisions.show", reference=reference, decision_id=decision_id))
    page = render_template(
        "decisions/new.html", chosen=chosen, values=values, errors=errors, reference=reference, **_form_context()
    )
    return page, status  # type: ignore[return-value]


@blueprint.route("/<reference>/decisions/<int:decision_id>")
def show(reference: str, decision_id: int) -> str:
    try:
        view = decisions.get(current_user, reference, decision_id)
    except NotFound:
        abort(404)
    return render_template(
        "decisions/show.html",
        view=view,
        rows=care_plan.readable(view.current.content),
        confirmations=decisions.CONFIRMATIONS,
        errors={},
        values={},
    )


@blueprint.route("/<reference>/decisions/<int:decision_id>/amend", methods=["GET", "POST"])
def amend(reference: str, decision_id: int) -> str | Response:
    try:
        view = decisions.get(current_user, reference, decision_id)
    except NotFound:
        abort(404)
    if current_user.role not in decisions.AMEND_ROLES:
        abort(403)
    support = [
        SupportLinkRef(e["support_id"], e["label"], e["young_person"]) for e in view.current.content.get("contact", [])
    ]
    values = form_from_content(view.current.content)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = dict(request.form)
        try:
            number = decisions.amend(
                current_user,
                reference,
                decision_id,
                plan_from_form(request.form, support),
                request.form.get("change_note", ""),
            )
        except InvalidInput as error:
            errors, status = field_ids(error.fields), 400
        except Conflict as error:
            errors, status = {"change_note": str(error)}, 409
        except Forbidden:
            abort(403)
        else:
            flash(f"Care plan amended: this is version {number}. Earlier versions are kept.", "success")
            return redirect(url_for("decisions.show", reference=reference, decision_id=decision_id))
    page = render_template(
        "decisions/amend.html", view=view, support=support, values=values, errors=errors, **_form_context()
    )
    return page, status  # type: ignore[return-value]


@blueprint.route("/<reference>/decisions/<int:decision_id>/approvals/<requirement>", methods=["POST"])
def approve(reference: str, decision_id: int, requirement: str) -> str | Response:
    confirmations = {key[len("confirm-") :] for key in request.form if key.startswith("confirm-")}
    try:
        decisions.approve(
            current_user,
            reference,
            decision_id,
            requirement,
            request.form.get("outcome", ""),
            request.form.get("comment", ""),
            confirmations,
        )
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except (InvalidInput, Conflict) as error:
        view = decisions.get(current_user, reference, decision_id)
        errors = field_ids(error.fields) if isinstance(error, InvalidInput) else {"outcome": str(error)}
        page = render_template(
            "decisions/show.html",
            view=view,
            rows=care_plan.readable(view.current.content),
            confirmations=decisions.CONFIRMATIONS,
            errors=errors,
            values=dict(request.form),
            answering=requirement,
        )
        return page, (400 if isinstance(error, InvalidInput) else 409)  # type: ignore[return-value]
    outcome = request.form.get("outcome")
    flash("Approved." if outcome == "approved" else "Refused: the place has been given back.", "success")
    return redirect(url_for("decisions.show", reference=reference, decision_id=decision_id))


@blueprint.route("/<reference>/decisions/<int:decision_id>/history")
def history(reference: str, decision_id: int) -> str:
    try:
        found = decisions.history(
            current_user,
            reference,
            decision_id,
            query_int("before"),
            query_int("after"),
        )
    except NotFound:
        abort(404)
    return render_template("decisions/history.html", history=found, view=found.view)


@blueprint.route("/<reference>/decisions/<int:decision_id>/versions/<int:number>")
def version(reference: str, decision_id: int, number: int) -> str:
    try:
        view = decisions.get(current_user, reference, decision_id)
    except NotFound:
        abort(404)
    found = next((v for v in view.decision.versions if v.number == number), None)
    if found is None:
        abort(404)
    return render_template("decisions/version.html", view=view, version=found, rows=care_plan.readable(found.content))
