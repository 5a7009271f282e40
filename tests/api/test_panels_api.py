"""Placement panels and relocation reviews through the API: the pages' services and rules."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import assert_error, audit_events, bearer, make_token
from tests.integration.builders import MANCHESTER, NOW, _person
from tests.integration.decision_builders import build_decision_world
from web import db
from web.casework.repositories import young_people
from web.models import CurrentResident, Placement

LATER = ["R-Q1", "R-Q2", "R-Q3"]


@pytest.fixture(scope="module")
def tokens(app: Flask) -> dict[str, str]:
    build_decision_world(app, LATER)
    with app.app_context():
        young_people.add_young_person(_person("YP-LIVES", MANCHESTER, 53.4794, -2.2453, 15))
        placement = db.session().query(Placement).filter_by(code="P-NEAR").one()
        placement.residents.append(CurrentResident(person_reference="YP-LIVES", since=NOW.date()))
        db.commit()
    emails = ["po@manchester.test", "sw@manchester.test", "commissioner@manchester.test", "po@salford.test"]
    return {email.split("@")[0] + "@" + email.split("@")[1].split(".")[0]: make_token(app, email) for email in emails}


def test_a_panel_runs_over_every_open_referral_by_default(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/panels", json={}, headers=bearer(tokens["po@manchester"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    run = response.get_json()
    assert run["status"] == "optimal"
    assert run["referrals"] == 4
    assert len(run["matches"]) == 3 and len(run["unplaced"]) == 1
    urgent = next(m for m in run["matches"] if m["referral"] == "R-T1")
    assert urgent["needed_by"] == "today" and urgent["reasons"]
    assert run["unplaced"][0]["reasons"]
    again = client.get(f"/api/v1/panels/{run['id']}", headers=bearer(tokens["po@manchester"]))
    assert again.get_json()["matches"] == run["matches"]
    listed = client.get("/api/v1/panels", headers=bearer(tokens["po@manchester"])).get_json()
    assert listed[0]["id"] == run["id"]


def test_a_panel_names_a_referral_it_cannot_take(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/panels", json={"referrals": ["R-S1"]}, headers=bearer(tokens["po@manchester"]))
    body = assert_error(response, 422)
    assert "R-S1" in str(body)
    assert_error(client.post("/api/v1/panels", json={"referrals": []}, headers=bearer(tokens["po@manchester"])), 422)


def test_roles_and_authorities(client: FlaskClient, tokens: dict[str, str]) -> None:
    run = client.post("/api/v1/panels", json={"referrals": ["R-T1"]}, headers=bearer(tokens["po@manchester"]))
    run_id = run.get_json()["id"]
    assert_error(client.post("/api/v1/panels", json={}, headers=bearer(tokens["commissioner@manchester"])), 403)
    assert_error(client.get(f"/api/v1/panels/{run_id}", headers=bearer(tokens["po@salford"])), 404)
    assert_error(client.get("/api/v1/relocation-reviews", headers=bearer(tokens["commissioner@manchester"])), 403)


def test_taking_a_match_forward_gives_a_fresh_run_to_decide_from(client: FlaskClient, tokens: dict[str, str]) -> None:
    run = client.post("/api/v1/panels", json={"referrals": ["R-T1"]}, headers=bearer(tokens["po@manchester"]))
    run_id = run.get_json()["id"]
    code = run.get_json()["matches"][0]["placement"]
    response = client.post(f"/api/v1/panels/{run_id}/matches/R-T1/accept", headers=bearer(tokens["sw@manchester"]))
    assert response.status_code == 201
    accepted = response.get_json()
    assert accepted["placement"] == code
    ranking = client.get(
        f"/api/v1/referrals/R-T1/ranking-runs/{accepted['ranking_run_id']}", headers=bearer(tokens["sw@manchester"])
    )
    assert ranking.status_code == 200
    assert code in {o["placement_id"] for o in ranking.get_json()["options"]}


def test_a_relocation_review_is_read_and_decided_by_the_social_worker(
    app: Flask, client: FlaskClient, tokens: dict[str, str]
) -> None:
    from tests.integration.helpers import csrf_token, sign_in

    page = app.test_client()
    sign_in(page, "sw@manchester.test")
    review_by = date(date.today().year + 1, 1, 1)
    page.post(
        "/young-people/YP-LIVES/groups/new",
        data={
            "group": "G-RED",
            "relationship_kind": "exploited_by",
            "source": "Strategy meeting",
            "confidence": "high",
            "review_by-day": "1",
            "review_by-month": "1",
            "review_by-year": str(review_by.year),
            "csrf_token": csrf_token(page, "/young-people/"),
        },
    )
    listed = client.get("/api/v1/relocation-reviews", headers=bearer(tokens["sw@manchester"])).get_json()
    (review,) = [r for r in listed if r["young_person"] == "YP-LIVES"]
    assert review["status"] == "open"
    detail = client.get(f"/api/v1/relocation-reviews/{review['id']}", headers=bearer(tokens["sw@manchester"]))
    body = detail.get_json()
    assert body["placement_code"] == "P-NEAR" and body["alternatives"]
    assert any("Redline" in reason for reason in body["reasons"])
    path = f"/api/v1/relocation-reviews/{review['id']}/decision"
    assert_error(client.post(path, json={"outcome": "kept", "note": "x"}, headers=bearer(tokens["po@manchester"])), 403)
    bad = assert_error(
        client.post(path, json={"outcome": "stay", "note": " "}, headers=bearer(tokens["sw@manchester"])), 422
    )
    assert "outcome" in str(bad) and "note" in str(bad)
    done = client.post(
        path, json={"outcome": "kept", "note": "Safety plan changed."}, headers=bearer(tokens["sw@manchester"])
    )
    assert done.status_code == 200
    assert done.get_json()["status"] == "kept"
    assert audit_events(app, "relocation_review_closed", "young_person", "YP-LIVES")
