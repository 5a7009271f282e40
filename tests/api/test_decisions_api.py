"""Decisions and care-plan versions through the API: read only, casework roles, own authority."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.decisions import record_decision
from tests.api.helpers import assert_error, audit_events, bearer, make_token
from tests.integration.decision_builders import build_decision_world


@pytest.fixture(scope="module")
def decision_id(app: Flask) -> int:
    # R-A3 is never decided: the empty list, whichever tests ran first (test_decide_amend_… decides R-A2).
    build_decision_world(app, ["R-A1", "R-A2", "R-A3"])
    return record_decision(app, "R-A1")


@pytest.fixture(scope="module")
def po(app: Flask, decision_id: int) -> str:
    return make_token(app, "po@manchester.test")


def test_list_a_referrals_decisions(client: FlaskClient, po: str, decision_id: int) -> None:
    """The referral's decisions, newest first, with the chosen placement and status."""
    response = client.get("/api/v1/referrals/R-A1/decisions", headers=bearer(po))
    assert response.status_code == 200
    (decision,) = response.get_json()
    assert decision["id"] == decision_id
    assert decision["referral"] == "R-A1"
    assert decision["option_rank"] == 1
    assert decision["care_plan_version"] == 1
    assert decision["status"] in {"approved", "awaiting_approval"}
    assert json.loads(response.headers["X-Pagination"])["total"] == 1
    empty = client.get("/api/v1/referrals/R-A3/decisions", headers=bearer(po))
    assert empty.status_code == 200 and empty.get_json() == []


def test_get_a_decision_is_audited(app: Flask, client: FlaskClient, po: str, decision_id: int) -> None:
    """A decision comes with its requirements, deadlines and current care plan; the view is audited."""
    before = len(audit_events(app, "view", "decision", "R-A1"))
    response = client.get(f"/api/v1/referrals/R-A1/decisions/{decision_id}", headers=bearer(po))
    assert response.status_code == 200
    decision = response.get_json()
    assert decision["id"] == decision_id
    assert decision["care_plan"]["number"] == 1
    assert decision["care_plan"]["written_by"] == "SW"
    assert "rationale" in decision["care_plan"]["content"]
    assert isinstance(decision["requirements"], list) and isinstance(decision["deadlines"], list)
    assert len(audit_events(app, "view", "decision", "R-A1")) == before + 1


def test_care_plan_versions(client: FlaskClient, po: str, decision_id: int) -> None:
    """Every version of the care plan, oldest first."""
    response = client.get(f"/api/v1/referrals/R-A1/decisions/{decision_id}/care-plan-versions", headers=bearer(po))
    assert response.status_code == 200
    assert [v["number"] for v in response.get_json()] == [1]


def test_decision_denials(app: Flask, client: FlaskClient, po: str, decision_id: int) -> None:
    """Another authority: 404. A commissioner: 403. Under the wrong referral, or unknown: 404."""
    salford = bearer(make_token(app, "po@salford.test"))
    commissioner = bearer(make_token(app, "commissioner@manchester.test"))
    paths = [
        "/api/v1/referrals/R-A1/decisions",
        f"/api/v1/referrals/R-A1/decisions/{decision_id}",
        f"/api/v1/referrals/R-A1/decisions/{decision_id}/care-plan-versions",
    ]
    for path in paths:
        assert_error(client.get(path), 401)
        assert_error(client.get(path, headers=salford), 404)
        assert_error(client.get(path, headers=commissioner), 403)
    assert_error(client.get(f"/api/v1/referrals/R-A2/decisions/{decision_id}", headers=bearer(po)), 404)
    assert_error(client.get("/api/v1/referrals/R-A1/decisions/999999", headers=bearer(po)), 404)
    assert_error(client.get("/api/v1/referrals/R-A1/decisions/999999/care-plan-versions", headers=bearer(po)), 404)


def _care_plan(support: list[str]) -> dict[str, object]:
    return {
        "rationale": "Away from the linked areas; experienced carers.",
        "why_not_top": "The top option is near the group's area.",
        "wishes_and_feelings": "Wants to stay near grandmother.",
        "risks_and_safety_plan": "Missing protocol agreed with the host police.",
        "education_school": "same_school",
        "rhi_provider": "Host area service",
        "contact": {sid: {"frequency": "weekly", "supervision": "unsupervised"} for sid in support},
        "host_consulted_on": None,
    }


def test_decide_amend_and_approve_through_the_api(app: Flask, client: FlaskClient, decision_id: int) -> None:
    """A social worker decides (201), a bad plan is 422 naming fields, amends (201), the director approves."""
    sw = make_token(app, "sw@manchester.test")
    run = client.post("/api/v1/referrals/R-A2/ranking-runs", headers=bearer(sw))
    assert run.status_code == 201
    run_id = run.get_json()["id"]
    ranking = client.get(f"/api/v1/referrals/R-A2/ranking-runs/{run_id}", headers=bearer(sw)).get_json()
    result = ranking.get("result", ranking)
    far = next(o for o in result["options"] if o["placement_id"] == "P-FAR")
    support = list(far["facts"]["support_km"].keys())
    start = (date.today() + timedelta(days=7)).isoformat()
    body = {"run_id": run_id, "placement_id": "P-FAR", "start_date": start, "care_plan": _care_plan(support)}

    bad = client.post(
        "/api/v1/referrals/R-A2/decisions",
        headers=bearer(sw),
        json={**body, "care_plan": {**_care_plan(support), "rationale": ""}},
    )
    errors = assert_error(bad, 422)["errors"]["json"]
    assert "rationale" in json.dumps(errors)

    po = make_token(app, "po@manchester.test")
    assert client.post("/api/v1/referrals/R-A2/decisions", headers=bearer(po), json=body).status_code == 403

    made = client.post("/api/v1/referrals/R-A2/decisions", headers=bearer(sw), json=body)
    assert made.status_code == 201, made.get_json()
    decision = made.get_json()
    assert decision["status"] == "awaiting_approval"
    again = client.post("/api/v1/referrals/R-A2/decisions", headers=bearer(sw), json=body)
    assert again.status_code == 409

    path = f"/api/v1/referrals/R-A2/decisions/{decision['id']}"
    today = date.today().isoformat()
    amended = client.post(
        f"{path}/care-plan-versions",
        headers=bearer(sw),
        json={
            "change_note": "Host consulted.",
            "care_plan": {**_care_plan(support), "host_consulted_on": today, "care_plan_sent_to_host_on": today},
        },
    )
    assert amended.status_code == 201 and amended.get_json()["number"] == 2

    director = make_token(app, "director@manchester.test")
    # The host steps come from the care plan, as the decision page shows them.
    steps = client.get(path, headers=bearer(director)).get_json()["host_steps"]
    assert [(h["what"], h["done_on"], h["needed_before_approval"]) for h in steps] == [
        ("Host authority consulted", today, True),
        ("Care plan sent to the host authority", today, True),
    ]
    # An old client's extra "host_informed" is ignored; an answer about an earlier version is refused.
    confirmations = ["wishes_heard", "most_appropriate", "relatives_and_iro_consulted", "host_informed"]
    answer = {"requirement": "reg11", "outcome": "approved", "comment": "Agreed.", "confirmations": confirmations}
    assert client.post(f"{path}/approvals", headers=bearer(sw), json=answer).status_code == 403
    stale = client.post(f"{path}/approvals", headers=bearer(director), json={**answer, "care_plan_number": 1})
    assert stale.status_code == 409
    approved = client.post(f"{path}/approvals", headers=bearer(director), json={**answer, "care_plan_number": 2})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
