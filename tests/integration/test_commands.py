"""The commands `make run` uses: setup-db, demo-data and demo-passwords."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.integration.helpers import sign_in
from web import db
from web.models import Area, Decision, HostNotification, Placement, Referral, User, YoungPerson


@pytest.fixture(scope="module")
def seeded(app: Flask) -> str:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["setup-db"]).exit_code == 0
    result = runner.invoke(args=["demo-data", "--seed", "1"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_world_is_as_large_and_varied_as_promised(app: Flask, seeded: str) -> None:
    """At least 400 placements, 40 areas, 150 young people and 30 open referrals, with siblings and emergencies."""
    with app.app_context():
        s = db.session()
        assert s.query(Placement).count() >= 400
        assert s.query(Area).count() >= 40
        assert s.query(YoungPerson).count() >= 150
        open_referrals = s.query(Referral).filter_by(status="open").all()
        assert len(open_referrals) >= 30
        assert any(len(r.young_people) > 1 for r in open_referrals)
        assert any(r.needed_by == "today" for r in open_referrals)
        full = s.query(Placement).filter_by(vacancies=0).count()
        assert full > s.query(Placement).count() / 2  # most placements are full
        assert {u.role for u in s.query(User).filter_by(is_demo=True)} >= {
            "placement_officer",
            "social_worker",
            "nominated_officer",
            "director",
            "commissioner",
            "admin",
        }


def test_demo_decisions_wait_for_the_director_and_the_nominated_officer(app: Flask, seeded: str) -> None:
    """The demo comes with decisions made through the workflow, so approvers have work on their tasks page."""
    assert "2 decisions" in seeded
    with app.app_context():
        waiting = db.session().query(Decision).filter_by(status="awaiting_approval").all()
        assert {d.approval_level for d in waiting} == {"director", "nominated_officer"}
        assert all(len(d.versions) == 1 for d in waiting if d.approval_level == "director")
        # The out-of-area decision told its host through the planner: version 2 has the date.
        (outside,) = [d for d in waiting if d.approval_level == "nominated_officer"]
        assert len(outside.versions) == 2 and outside.versions[-1].content["host_authority_notified_on"]
        (notice,) = db.session().query(HostNotification).filter_by(decision_id=outside.id).all()
        assert notice.host_authority_code == outside.placement.authority_code != "E08000003"
        assert notice.acknowledged_at is None


def test_demo_data_if_empty_leaves_a_seeded_database_alone(app: Flask, seeded: str) -> None:
    """A second `make run` does not seed again."""
    with app.app_context():
        before = db.session().query(Placement).count()
    result = app.test_cli_runner().invoke(args=["demo-data", "--seed", "1", "--if-empty"])
    assert "already present" in result.output
    with app.app_context():
        assert db.session().query(Placement).count() == before


def test_demo_passwords_are_new_each_time_and_work(app: Flask, seeded: str) -> None:
    """demo-passwords prints a working password per demo account, different each run."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-passwords"]).output
    second = runner.invoke(args=["demo-passwords"]).output
    pattern = r"(\S+@\S+)\s+(\S+)\s+\("
    first_pw = dict(re.findall(pattern, first))
    second_pw = dict(re.findall(pattern, second))
    assert len(second_pw) >= 6 and first_pw.keys() == second_pw.keys()
    assert all(first_pw[k] != second_pw[k] for k in first_pw)
    email = next(e for e in second_pw if e.startswith("placement"))
    client = app.test_client()
    assert sign_in(client, email, second_pw[email]).status_code == 302
    assert client.get("/referrals/").status_code == 200


def test_a_demo_referral_ranks_in_the_browser_flow(app: Flask, seeded: str) -> None:
    """Every open demo referral of the signed-in authority ranks without error."""
    runner = app.test_cli_runner()
    passwords = dict(re.findall(r"(\S+@\S+)\s+(\S+)\s+\(", runner.invoke(args=["demo-passwords"]).output))
    email = next(e for e in passwords if e.startswith("placement") and "manchester" in e)
    client = app.test_client()
    sign_in(client, email, passwords[email])
    page = client.get("/referrals/").get_data(as_text=True)
    references = sorted(set(re.findall(r">(R-\d{4})<", page)))
    assert references
    from tests.integration.helpers import post

    for reference in references:
        response = post(client, f"/referrals/{reference}/rankings", f"/referrals/{reference}")
        assert response.status_code == 302, reference
        assert client.get(response.headers["Location"]).status_code == 200
