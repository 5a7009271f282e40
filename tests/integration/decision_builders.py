"""Referrals ready for a decision: a world from builders.py plus approvers and more referrals."""

from __future__ import annotations

import json
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import MANCHESTER, NOW, PASSWORD, _person, build_world
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals, young_people
from web.models import Decision, RankingRun, Referral, SupportLink

APPROVERS = [
    ("no@manchester.test", "nominated_officer"),
    ("director@manchester.test", "director"),
    ("sw2@manchester.test", "social_worker"),
]


def build_decision_world(app: Flask, referral_refs: list[str]) -> None:
    """build_world, Manchester approvers, and one open referral (one child with a support link) per ref."""
    build_world(app)
    with app.app_context():
        for email, role in APPROVERS:
            accounts.create_user(email, email.split("@")[0].upper(), role, MANCHESTER, PASSWORD)
        for i, ref in enumerate(referral_refs):
            child = _person(f"YP-{ref}", MANCHESTER, 53.4794 + i * 0.001, -2.2453, 15)
            child.support_links = [
                SupportLink(label="Grandmother", kind="relative", lat=53.47, lon=-2.24, importance="important")
            ]
            young_people.add_young_person(child)
            referrals.add_referral(
                Referral(
                    reference=ref, authority_code=MANCHESTER, needed_by="later", created_at=NOW, young_people=[child]
                )
            )
        db.commit()


def date_boxes(prefix: str, day: date) -> dict[str, str]:
    """The three boxes of a GOV.UK date input named `prefix`, filled with `day`."""
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def plan_form(support_ids: list[str], **overrides: str) -> dict[str, str]:
    """A complete, valid decision form for a child with the given support link ids."""
    form = {
        **date_boxes("start_date", date.today()),
        "emergency": "no",
        "rationale": "Far from the areas linked to the group; carers experienced with exploitation.",
        "why_not_top": "The top option is too close to the young person's friends in the group.",
        "wishes_and_feelings": "Wants to stay near grandmother and keep playing football.",
        "risks_and_safety_plan": "Carers know the warning signs; missing protocol agreed with police.",
        "education_school": "same_school",
        "rhi_provider": "Host area independent return home interview service",
    }
    for sid in support_ids:
        form[f"contact-{sid}-frequency"] = "weekly"
        form[f"contact-{sid}-supervision"] = "unsupervised"
        form[f"contact-{sid}-travel"] = "Carer drives"
    form.update(overrides)
    return form


def _rank(sw: FlaskClient, reference: str) -> int:
    """Find placement options for `reference`, as the referral page's button does; the run's id."""
    ranked = sw.post(f"/referrals/{reference}/rankings", data={"csrf_token": csrf_token(sw, f"/referrals/{reference}")})
    assert ranked.status_code == 302
    return int(ranked.headers["Location"].rsplit("/", 1)[1])


def _decide(sw: FlaskClient, reference: str, run_id: int, placement: str) -> None:
    """Record a decision on `placement` from run `run_id` with a complete care plan, as on the form."""
    path = f"/referrals/{reference}/rankings/{run_id}/decide?placement={placement}"
    support = re.findall(r'name="contact-(S-\d+)-frequency"', sw.get(path).get_data(as_text=True))
    done = sw.post(path, data={**plan_form(support), "csrf_token": csrf_token(sw, path)})
    assert done.status_code == 302, done.get_data(as_text=True)[:300]


def hold_a_place(app: Flask, sw: FlaskClient, reference: str, placement: str | None = None) -> tuple[int, str]:
    """The social worker ranks `reference` and records a decision (awaiting approval) on an
    out-of-area option (or `placement`); returns (decision id, placement code)."""
    run_id = _rank(sw, reference)
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        options = json.loads(run.result_json)["options"]
    if placement is None:
        placement = next(o["placement_id"] for o in options if o["facts"]["approval"] not in (None, "none"))
    _decide(sw, reference, run_id, placement)
    with app.app_context():
        decision = db.session().query(Decision).order_by(Decision.id.desc()).first()
        assert decision is not None and decision.status == "awaiting_approval"
        return decision.id, placement


def decide_through_pages(app: Flask, choices: list[tuple[str, str]]) -> None:
    """A social worker ranks each referral and records a decision on the placement named, as on the pages."""
    client = app.test_client()
    sign_in(client, "sw@manchester.test")
    for reference, placement in choices:
        _decide(client, reference, _rank(client, reference), placement)
