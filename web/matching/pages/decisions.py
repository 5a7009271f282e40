"""Decisions and the care plan behind them: choose an option, approve, amend, see the history."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.accounts.services.accounts import CASEWORK_ROLES
from web.matching.services import care_plan, decisions, host_notifications
from web.matching.services.care_plan import SupportLinkRef
from web.request_guard import query_int
from web.shared.pages.access import require_roles
from web.shared.services.date_input import date_values, read_date
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

blueprint = Blueprint("decisions", __name__, url_prefix="/referrals")
require_roles(blueprint, *CASEWORK_ROLES)


@blueprint.context_processor
def _today() -> dict[str, date]:
    return {"today": date.today()}


START_DATE_LABEL = "Placement start date"
# The service's date fields; on the pages each is a GOV.UK date input, its first box `<key>-day`.
DATE_KEYS = ("start_date", *(key for key, _label in care_plan.DATE_FIELDS))
NOT_A_DATE = "not a date"  # what the service is given for boxes that do not make a date, so it saves nothing


def read_dates(form: Mapping[str, str], start_date: bool) -> tuple[dict[str, str], dict[str, str]]:
    """The form's date inputs as the service's ISO dates ("" when left blank), and their problems by box id."""
    labels = dict(care_plan.DATE_FIELDS)
    if start_date:
        labels = {"start_date": START_DATE_LABEL, **labels}
    dates: dict[str, str] = {}
    problems: dict[str, str] = {}
    for key, label in labels.items():
        reading = read_date(form, key, label, required=key == "start_date")
        if reading.field and reading.message:
            dates[key] = NOT_A_DATE
            problems[reading.field] = reading.message
        else:
            dates[key] = reading.value.isoformat() if reading.value else ""
    return dates, problems


def plan_from_form(form: Mapping[str, str], support: list[SupportLinkRef], dates: Mapping[str, str]) -> dict[str, Any]:
    """The content-shaped plan from the flat form (field ids as in decisions/_form.html); dates from read_dates."""
    plan: dict[str, Any] = {key: form.get(key, "") for key, _label, _required in care_plan.TEXT_FIELDS}
    plan.update({key: dates.get(key, "") for key, _label in care_plan.DATE_FIELDS})
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
    for key, _label in care_plan.DATE_FIELDS:
        with contextlib.suppress(ValueError):  # blank: not recorded yet
            values.update(date_values(key, date.fromisoformat(str(content.get(key) or ""))))
    values["education_school"] = str(content.get("education_school") or "")
    values["education_key_stage_4"] = "yes" if content.get("education_key_stage_4") else ""
    for entry in content.get("contact") or []:
        for part in ("frequency", "supervision", "travel"):
            values[f"contact-{entry['support_id']}-{part}"] = str(entry.get(part) or "")
    return values


def field_ids(fields: Mapping[str, str], date_problems: Mapping[str, str] | None = None) -> dict[str, str]:
    """Service field paths ("contact.S-1.frequency") as form ids ("contact-S-1-frequency").

    A date's problem goes to the first box of its date input, unless reading the
    boxes already found one (`date_problems`, by box id), which says it better.
    """
    date_problems = date_problems or {}
    read_badly = {box.rsplit("-", 1)[0] for box in date_problems}
    ids: dict[str, str] = {}
    for path, message in fields.items():
        if path in DATE_KEYS:
            if path not in read_badly:
                ids[f"{path}-day"] = message
        else:
            ids[path.replace(".", "-")] = message
    return {**date_problems, **ids}


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
        dates, date_problems = read_dates(request.form, start_date=True)
        try:
            decision_id = decisions.decide(
                current_user,
                reference,
                run_id,
                code,
                dates["start_date"],
                request.form.get("emergency") == "yes",
                plan_from_form(request.form, chosen.support, dates),
            )
        except InvalidInput as error:
            errors, status = field_ids(error.fields, date_problems), 400
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
        **_host_context(view.decision),
    )


def _host_context(decision: Any) -> dict[str, Any]:
    """The reg 13 notifications sent for the decision, and whether one can be sent now."""
    return {
        "host_notices": host_notifications.for_decision(decision),
        "may_notify_host": host_notifications.may_send(decision),
    }


@blueprint.route("/<reference>/decisions/<int:decision_id>/notify-host", methods=["POST"])
def notify_host(reference: str, decision_id: int) -> Response:
    try:
        notification_id = host_notifications.send(current_user, reference, decision_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except Conflict as error:
        flash(str(error), "error")
        return redirect(url_for("decisions.show", reference=reference, decision_id=decision_id))
    flash(
        f"Notification {notification_id} sent: the host authority sees it in its Tasks. "
        "The care plan records today's date.",
        "success",
    )
    return redirect(url_for("decisions.show", reference=reference, decision_id=decision_id) + "#host-authority")


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
        dates, date_problems = read_dates(request.form, start_date=False)
        try:
            number = decisions.amend(
                current_user,
                reference,
                decision_id,
                plan_from_form(request.form, support, dates),
                request.form.get("change_note", ""),
            )
        except InvalidInput as error:
            errors, status = field_ids(error.fields, date_problems), 400
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


# After an answer, by the decision's status: in the words the decision page uses (STATUS_WORDS).
APPROVAL_MESSAGES = {
    "approved": "Your approval is recorded. Every approval is in: the decision is agreed and the referral is placed.",
    "awaiting_approval": "Your approval is recorded. The decision is still awaiting the other approval.",
    "refused": "Your refusal is recorded. The decision is refused and the place has been given back.",
}


@blueprint.route("/<reference>/decisions/<int:decision_id>/approvals/<requirement>", methods=["POST"])
def approve(reference: str, decision_id: int, requirement: str) -> str | Response:
    confirmations = {key[len("confirm-") :] for key in request.form if key.startswith("confirm-")}
    try:
        status = decisions.approve(
            current_user,
            reference,
            decision_id,
            requirement,
            request.form.get("outcome", ""),
            request.form.get("comment", ""),
            confirmations,
            request.form.get("care_plan_number", type=int),
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
            **_host_context(view.decision),
        )
        return page, (400 if isinstance(error, InvalidInput) else 409)  # type: ignore[return-value]
    flash(APPROVAL_MESSAGES[status], "success")
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
