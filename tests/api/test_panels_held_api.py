"""Panels through the API respect places already held, as the pages do (tests/integration/test_panel_held.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import assert_error, bearer, make_token
from tests.integration.decision_builders import build_decision_world, hold_a_place
from tests.integration.helpers import sign_in
from web import db
from web.models import Decision, Placement


@pytest.fixture(scope="module")
def tokens(app: Flask) -> dict[str, str]:
    build_decision_world(app, ["R-H1", "R-A"])
    return {email: make_token(app, email) for email in ("po@manchester.test", "sw@manchester.test")}


def _browser(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "sw@manchester.test")
    return client


def test_a_panel_leaves_out_a_referral_holding_a_place_and_says_which(
    app: Flask, client: FlaskClient, tokens: dict[str, str]
) -> None:
    decision_id, code = hold_a_place(app, _browser(app), "R-H1")
    po = bearer(tokens["po@manchester.test"])
    response = client.post("/api/v1/panels", json={}, headers=po)
    assert response.status_code == 201, response.get_data(as_text=True)
    run = response.get_json()
    assert run["held"] == [
        {
            "referral": "R-H1",
            "needed_by": "later",
            "young_people": 1,
            "placement": code,
            "decision_id": decision_id,
            "detail": f"holds {code}, awaiting the director",
        }
    ]
    assert "R-H1" not in {m["referral"] for m in run["matches"]} | {u["referral"] for u in run["unplaced"]}
    assert code not in {m["placement"] for m in run["matches"]}
    assert all(m["may_take_forward"] and not m["no_longer_free"] and m["held"] is None for m in run["matches"])
    named = client.post("/api/v1/panels", json={"referrals": ["R-H1"]}, headers=po)
    assert "Every referral chosen already holds a place" in str(assert_error(named, 422))


def test_taking_forward_a_referral_decided_since_the_run_is_a_409_naming_the_place_held(
    app: Flask, client: FlaskClient, tokens: dict[str, str]
) -> None:
    run = client.post("/api/v1/panels", json={"referrals": ["R-A"]}, headers=bearer(tokens["po@manchester.test"]))
    run_id = run.get_json()["id"]
    proposed = run.get_json()["matches"][0]["placement"]
    decision_id, code = hold_a_place(app, _browser(app), "R-A")
    try:
        shown = client.get(f"/api/v1/panels/{run_id}", headers=bearer(tokens["sw@manchester.test"])).get_json()
        (match,) = shown["matches"]
        assert match["held"].startswith(f"holds {code}, awaiting") and match["decision_id"] == decision_id
        assert match["may_take_forward"] is False
        if proposed == code:  # the decision took the proposed place itself
            assert match["no_longer_free"] is True
        response = client.post(
            f"/api/v1/panels/{run_id}/matches/R-A/accept", headers=bearer(tokens["sw@manchester.test"])
        )
        body = assert_error(response, 409)
        assert f"R-A already has a placement decision: it holds {code}" in body["message"]
    finally:
        with app.app_context():
            decision = db.session().get(Decision, decision_id)
            assert decision is not None
            decision.status = "refused"
            db.session().query(Placement).filter_by(id=decision.placement_id).one().vacancies += decision.places
            db.commit()
