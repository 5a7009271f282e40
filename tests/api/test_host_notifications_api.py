"""Reg 13 notifications through the API: send, list, read and acknowledge, with the pages' rules."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import bearer, make_token
from tests.integration.builders import DERBYSHIRE, PASSWORD, _placement
from tests.integration.decision_builders import build_decision_world, hold_a_place
from tests.integration.helpers import sign_in
from web import db
from web.accounts.services import accounts
from web.matching.repositories import placements
from web.models import CarePlanVersion


@pytest.fixture(scope="module")
def decision_id(app: Flask) -> int:
    build_decision_world(app, ["R-HA1"])
    with app.app_context():
        accounts.create_user("sw@derbyshire.test", "DERBYSHIRE SW", "social_worker", DERBYSHIRE, PASSWORD)
        placements.add_placement(_placement("P-DERBY-API", DERBYSHIRE, 53.22, -1.43, vacancies=3, capacity=3))
        db.commit()
    sw = app.test_client()
    sign_in(sw, "sw@manchester.test")
    found, _ = hold_a_place(app, sw, "R-HA1", "P-DERBY-API")
    return found


def test_send_list_read_acknowledge(app: Flask, client: FlaskClient, decision_id: int) -> None:
    placing = bearer(make_token(app, "sw@manchester.test"))
    host = bearer(make_token(app, "sw@derbyshire.test"))
    salford = bearer(make_token(app, "po@salford.test"))
    officer = bearer(make_token(app, "po@manchester.test"))
    path = f"/api/v1/referrals/R-HA1/decisions/{decision_id}/host-notification"
    assert client.post(path, headers=officer).status_code == 403  # only a social worker sends
    sent = client.post(path, headers=placing)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    body = sent.get_json()
    assert body["state"] == "waiting" and body["host_authority_code"] == DERBYSHIRE
    assert body["reasons"] and body["care_plan"] and body["children"][0]["age"] == 15
    assert client.post(path, headers=placing).status_code == 409  # once
    with app.app_context():
        latest = (
            db.session()
            .query(CarePlanVersion)
            .filter_by(decision_id=decision_id)
            .order_by(CarePlanVersion.number.desc())
            .first()
        )
        assert latest is not None and latest.content["host_authority_notified_on"]
    listed = client.get("/api/v1/host-notifications", headers=host).get_json()
    assert [n["id"] for n in listed] == [body["id"]]
    assert client.get("/api/v1/host-notifications", headers=salford).get_json() == []
    one = f"/api/v1/host-notifications/{body['id']}"
    assert client.get(one, headers=salford).status_code == 404
    assert client.post(f"{one}/acknowledge", headers=placing).status_code == 404  # the host acknowledges
    acked = client.post(f"{one}/acknowledge", headers=host)
    assert acked.status_code == 200 and acked.get_json()["state"] == "acknowledged"
    assert client.post(f"{one}/acknowledge", headers=host).status_code == 409
    assert client.get(one, headers=placing).get_json()["acknowledged_at"]
