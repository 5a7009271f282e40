"""Reg 13 in the product: the placing authority notifies the host, the host reads and acknowledges (issue 12 item 3)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import DERBYSHIRE, MANCHESTER, PASSWORD, SALFORD, _placement
from tests.integration.decision_builders import _decide, _rank, build_decision_world, hold_a_place
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.matching.repositories import placements
from web.models import AuditEvent, CarePlanVersion, Decision, HostNotification

HOST_SW = "sw@derbyshire.test"
HOST_COMMISSIONER = "commissioner@derbyshire.test"


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_decision_world(app, ["R-H1", "R-H2", "R-H3", "R-H4", "R-H5"])
    with app.app_context():
        accounts.create_user(HOST_SW, "DERBYSHIRE SW", "social_worker", DERBYSHIRE, PASSWORD)
        accounts.create_user(HOST_COMMISSIONER, "DERBYSHIRE COMMISSIONER", "commissioner", DERBYSHIRE, PASSWORD)
        # Room for every referral of this module in Derbyshire.
        placements.add_placement(_placement("P-DERBY", DERBYSHIRE, 53.22, -1.43, vacancies=5, capacity=5))
        db.commit()


def _as(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _notify(app: Flask, sw: FlaskClient, reference: str, decision_id: int) -> int:
    path = f"/referrals/{reference}/decisions/{decision_id}"
    sent = sw.post(f"{path}/notify-host", data={"csrf_token": csrf_token(sw, path)})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:300]
    with app.app_context():
        found = db.session().query(HostNotification).filter_by(decision_id=decision_id).one()
        return found.id


def test_notifying_the_host_puts_it_in_their_tasks_and_dates_the_care_plan(app: Flask) -> None:
    sw = _as(app, "sw@manchester.test")
    decision_id, _ = hold_a_place(app, sw, "R-H1", "P-DERBY")
    page = sw.get(f"/referrals/R-H1/decisions/{decision_id}").get_data(as_text=True)
    assert "Notify" in page and "reg 13" in page
    with app.app_context():
        before = db.session().query(CarePlanVersion).filter_by(decision_id=decision_id).count()
    notification_id = _notify(app, sw, "R-H1", decision_id)
    with app.app_context():
        versions = (
            db.session()
            .query(CarePlanVersion)
            .filter_by(decision_id=decision_id)
            .order_by(CarePlanVersion.number)
            .all()
        )
        assert len(versions) == before + 1  # a new version: nothing overwritten
        assert not versions[0].content.get("host_authority_notified_on")
        assert versions[-1].content["host_authority_notified_on"] == date.today().isoformat()
        assert "notified through the planner" in versions[-1].change_note
    host = _as(app, HOST_SW)
    tasks = host.get("/tasks/").get_data(as_text=True)
    assert f"Notification {notification_id}" in tasks and "To acknowledge" in tasks
    shown = host.get(f"/host-notifications/{notification_id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Why this placement" in text and "Care plan, version" in text and "Aged 15" in text
    # What the host needs, not the child's record: an age, never a date of birth.
    with app.app_context():
        born = db.session().get(Decision, decision_id).referral.young_people[0].date_of_birth  # type: ignore[union-attr]
    assert born.isoformat() not in text and f"{born.day} {born:%B} {born.year}" not in text
    with app.app_context():
        event = (
            db.session()
            .query(AuditEvent)
            .filter_by(object_type="host_notification")
            .order_by(AuditEvent.id.desc())
            .first()
        )
        assert event is not None and "basis: reg 13" in (event.detail or "") and MANCHESTER in (event.detail or "")
    path = f"/host-notifications/{notification_id}"
    acked = host.post(f"{path}/acknowledge", data={"csrf_token": csrf_token(host, path)})
    assert acked.status_code == 302
    again = host.post(f"{path}/acknowledge", data={"csrf_token": csrf_token(host, path)}, follow_redirects=True)
    assert "already acknowledged" in again.get_data(as_text=True)
    placing_view = sw.get(f"/referrals/R-H1/decisions/{decision_id}").get_data(as_text=True)
    assert "Acknowledged" in placing_view and "DERBYSHIRE SW" in placing_view


def test_only_the_two_authorities_see_it_and_only_the_host_acknowledges(app: Flask) -> None:
    sw = _as(app, "sw@manchester.test")
    decision_id, _ = hold_a_place(app, sw, "R-H2", "P-DERBY")
    notification_id = _notify(app, sw, "R-H2", decision_id)
    path = f"/host-notifications/{notification_id}"
    salford = _as(app, "po@salford.test")
    assert salford.get(path).status_code == 404
    assert _as(app, HOST_COMMISSIONER).get(path).status_code == 403
    # The placing authority reads it, but cannot acknowledge for the host.
    assert sw.get(path).status_code == 200
    refused = sw.post(f"{path}/acknowledge", data={"csrf_token": csrf_token(sw, path)})
    assert refused.status_code == 404
    with app.app_context():
        assert db.session().get(HostNotification, notification_id).acknowledged_at is None  # type: ignore[union-attr]
    # Sending twice is refused, and writes nothing.
    page = f"/referrals/R-H2/decisions/{decision_id}"
    twice = sw.post(f"{page}/notify-host", data={"csrf_token": csrf_token(sw, page)}, follow_redirects=True)
    assert "already been notified" in twice.get_data(as_text=True) or "Notify" not in twice.get_data(as_text=True)
    with app.app_context():
        assert db.session().query(HostNotification).filter_by(decision_id=decision_id).count() == 1
    # Only a social worker sends.
    assert _as(app, "po@manchester.test").post(
        f"{page}/notify-host", data={"csrf_token": csrf_token(sw, page)}
    ).status_code in (400, 403)


def test_an_in_area_placement_has_no_host_to_notify(app: Flask) -> None:
    sw = _as(app, "sw@manchester.test")
    _decide(sw, "R-H3", _rank(sw, "R-H3"), "P-NEAR")  # in area: agreed at once, no approval
    with app.app_context():
        decision_id = db.session().query(Decision).order_by(Decision.id.desc()).first().id  # type: ignore[union-attr]
    page = f"/referrals/R-H3/decisions/{decision_id}"
    assert "Notify" not in sw.get(page).get_data(as_text=True)
    answer = sw.post(f"{page}/notify-host", data={"csrf_token": csrf_token(sw, page)}, follow_redirects=True)
    assert "no host authority to notify" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session().query(HostNotification).filter_by(decision_id=decision_id).count() == 0


def test_two_acknowledgements_at_once_record_one(app: Flask) -> None:
    sw = _as(app, "sw@manchester.test")
    decision_id, _ = hold_a_place(app, sw, "R-H4", "P-DERBY")
    notification_id = _notify(app, sw, "R-H4", decision_id)
    clients = [_as(app, HOST_SW), _as(app, HOST_SW)]
    path = f"/host-notifications/{notification_id}"
    tokens = [csrf_token(c, path) for c in clients]
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda ct: ct[0].post(f"{path}/acknowledge", data={"csrf_token": ct[1]}),
                zip(clients, tokens, strict=True),
            )
        )
    assert all(a.status_code == 302 for a in answers)
    with app.app_context():
        stored = db.session().get(HostNotification, notification_id)
        assert stored is not None and stored.acknowledged_at is not None
        acks = [
            e
            for e in db.session().query(AuditEvent).filter_by(action="acknowledge", object_type="host_notification")
            if re.search(rf"notification {notification_id}\b", e.detail or "")
        ]
        assert len(acks) == 1


def test_a_refused_decision_withdraws_the_notification(app: Flask) -> None:
    sw = _as(app, "sw@manchester.test")
    decision_id, _ = hold_a_place(app, sw, "R-H5", "P-DERBY")
    notification_id = _notify(app, sw, "R-H5", decision_id)
    with app.app_context():
        decision = db.session().get(Decision, decision_id)
        assert decision is not None
        decision.status = "refused"  # as the approver's refusal sets it
        db.commit()
    host = _as(app, HOST_SW)
    text = host.get(f"/host-notifications/{notification_id}").get_data(as_text=True)
    assert "Withdrawn" in text and "Acknowledge for" not in text
    path = f"/host-notifications/{notification_id}"
    answer = host.post(f"{path}/acknowledge", data={"csrf_token": csrf_token(host, path)}, follow_redirects=True)
    assert "withdrawn" in answer.get_data(as_text=True)


def test_salford_is_not_the_host_of_a_derbyshire_placement(app: Flask) -> None:
    """A user of neither authority sees no notification in Tasks."""
    page = _as(app, "po@salford.test").get("/tasks/").get_data(as_text=True)
    assert "No other authority has told you of a child placed in your area." in page
    assert SALFORD not in page
