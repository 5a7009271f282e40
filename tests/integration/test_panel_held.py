"""A panel respects places already held: a referral whose decision awaits approval is left
out (and the run says which place it holds), a proposal overtaken by a decision is not
taken forward with a success banner, and a place taken since the run is "no longer free".

The world is test_panel's: R-T1 (needed today) and later referrals R-H1, R-A, R-B against
P-NEAR (Manchester), P-FAR and P-RES (Derbyshire, at a distance), one place each.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.decision_builders import build_decision_world, hold_a_place
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.models import Decision, PanelRun, Placement, RankingRun

LATER = ["R-H1", "R-A", "R-B"]


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


@pytest.fixture(scope="module")
def held(app: Flask) -> tuple[int, str]:
    """R-H1's decision, awaiting approval, holding one place."""
    build_decision_world(app, LATER)
    return hold_a_place(app, _signed_in(app, "sw@manchester.test"), "R-H1")


@pytest.fixture()
def po(app: Flask, held: tuple[int, str]) -> FlaskClient:
    return _signed_in(app, "po@manchester.test")


@pytest.fixture()
def sw(app: Flask, held: tuple[int, str]) -> FlaskClient:
    return _signed_in(app, "sw@manchester.test")


def _run(client: FlaskClient, refs: list[str]) -> int:
    response = client.post("/panel/", data={"referrals": refs, "csrf_token": csrf_token(client, "/panel/")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _card(page: str, reference: str) -> str:
    start = page.index(f'id="match-{reference}"')
    end = page.find('class="govuk-summary-card"', start + 1)
    return page[start : end if end > 0 else None]


def test_a_referral_holding_a_place_is_not_offered_to_the_panel(po: FlaskClient, held: tuple[int, str]) -> None:
    """It is listed apart, saying which place it holds and whose approval it awaits, with no checkbox."""
    decision_id, code = held
    page = po.get("/panel/").get_data(as_text=True)
    assert 'value="R-H1"' not in page
    assert re.search(r'value="R-A" checked', page)
    item = page[page.index('id="holding-R-H1"') :]
    assert f"holds {code}, awaiting the director" in item[: item.index("</li>")]
    assert f"/referrals/R-H1/decisions/{decision_id}" in item[: item.index("</li>")]


def test_a_panel_leaves_it_out_and_never_proposes_the_place_it_holds(
    app: Flask, po: FlaskClient, held: tuple[int, str]
) -> None:
    """Named explicitly, R-H1 is still left out: no second placement, and its place goes to nobody."""
    _, code = held
    run_id = _run(po, ["R-T1", *LATER])
    page = po.get(f"/panel/{run_id}").get_data(as_text=True)
    assert 'id="match-R-H1"' not in page and 'id="unplaced-R-H1"' not in page
    section = page[page.index('id="held"') :]
    assert f"R-H1</a> holds {code}, awaiting the director" in section
    with app.app_context():
        run = db.session().get(PanelRun, run_id)
        assert run is not None
        assert run.referral_refs == ["R-A", "R-B", "R-T1"]
        result = json.loads(run.result_json)
        assert [h["referral_id"] for h in result["held"]] == ["R-H1"]
        assert code not in {m["placement_id"] for m in result["assignments"]}
        assert all(r["id"] != "R-H1" for r in json.loads(run.case_json)["referrals"])


def test_a_panel_of_only_referrals_holding_places_is_an_error_naming_the_field(
    po: FlaskClient, held: tuple[int, str]
) -> None:
    response = po.post("/panel/", data={"referrals": ["R-H1"], "csrf_token": csrf_token(po, "/panel/")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"Every referral chosen already holds a place: R-H1 holds {held[1]}, awaiting the director" in page
    assert 'href="#referrals"' in page


def test_taking_forward_a_referral_decided_since_the_run_says_so_first_and_offers_the_decision(
    app: Flask, po: FlaskClient, sw: FlaskClient
) -> None:
    """No success banner and no fresh ranking: the decision holding its place, and a link to it."""
    run_id = _run(po, ["R-A"])
    # Decided since the run, on an option needing approval (not necessarily the proposed one).
    decision_id, code = hold_a_place(app, sw, "R-A")
    try:
        page = sw.get(f"/panel/{run_id}").get_data(as_text=True)
        card = _card(page, "R-A")
        assert f"R-A holds {code}, awaiting" in card
        assert "Take forward" not in card
        with app.app_context():
            runs_before = db.session().query(RankingRun).count()
        path = f"/panel/{run_id}/accept/R-A"
        response = sw.post(path, data={"csrf_token": csrf_token(sw, f"/panel/{run_id}")})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/referrals/R-A/decisions/{decision_id}")
        shown = sw.get(response.headers["Location"]).get_data(as_text=True)
        assert "govuk-notification-banner--success" not in shown
        assert f"R-A already has a placement decision: it holds {code}, awaiting" in shown
        with app.app_context():
            assert db.session().query(RankingRun).count() == runs_before
    finally:
        _refuse(app, decision_id)


def _refuse(app: Flask, decision_id: int) -> None:
    """Give the places back as a refusal would, so later tests see the world as built."""
    with app.app_context():
        decision = db.session().get(Decision, decision_id)
        assert decision is not None
        decision.status = "refused"
        decision.placement.vacancies += decision.places
        db.commit()


def test_a_place_taken_since_the_run_is_no_longer_free_and_listed_last(app: Flask, po: FlaskClient) -> None:
    """R-T1 (needed today) is listed first until its place is taken; then after R-B, marked, with no Take forward."""
    run_id = _run(po, ["R-T1", "R-B"])
    with app.app_context():
        proposed = json.loads(db.session().get(PanelRun, run_id).result_json)  # type: ignore[union-attr]
        assert {m["referral_id"] for m in proposed["assignments"]} == {"R-T1", "R-B"}
        code = next(m["placement_id"] for m in proposed["assignments"] if m["referral_id"] == "R-T1")
    sw = _signed_in(app, "sw@manchester.test")
    page = sw.get(f"/panel/{run_id}").get_data(as_text=True)
    assert page.index('id="match-R-T1"') < page.index('id="match-R-B"')
    assert 'id="held-R-H1"' in page  # left out though not chosen: the run page still says so
    with app.app_context():
        placement = db.session().query(Placement).filter_by(code=code).one()
        placement.vacancies = 0
        db.commit()
    try:
        page = sw.get(f"/panel/{run_id}").get_data(as_text=True)
        assert page.index('id="match-R-B"') < page.index('id="match-R-T1"')
        card = _card(page, "R-T1")
        assert "No longer free" in card
        assert "Places free now" in card and "taken since the panel ran" in card
        assert "Take forward" not in card
        assert "Take forward" in _card(page, "R-B")
    finally:
        with app.app_context():
            placement = db.session().query(Placement).filter_by(code=code).one()
            placement.vacancies = 1
            db.commit()
