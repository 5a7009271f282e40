"""The commands `make run` uses: setup-db, demo-data and demo-passwords."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.integration.helpers import sign_in
from web import db
from web.models import (
    Area,
    Decision,
    HostNotification,
    MissingEpisode,
    Placement,
    PoliceNotification,
    Referral,
    User,
    YoungPerson,
)


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
        # Decisions placing a child in another authority carry the date the host was told (version 2);
        # the missing-from-care demo's child placed in the force's area has its own test below.
        waiting = db.session().query(Decision).filter_by(status="awaiting_approval").all()
        assert {d.approval_level for d in waiting} == {"director", "nominated_officer"}
        told = {n.decision_id for n in db.session().query(HostNotification)}
        assert all(len(d.versions) == (2 if d.id in told else 1) for d in waiting)
        # The out-of-area decision told its host through the planner: version 2 has the date.
        (outside,) = [d for d in waiting if d.approval_level == "nominated_officer"]
        assert len(outside.versions) == 2 and outside.versions[-1].content["host_authority_notified_on"]
        (notice,) = db.session().query(HostNotification).filter_by(decision_id=outside.id).all()
        assert notice.host_authority_code == outside.placement.authority_code != "E08000003"
        assert notice.acknowledged_at is None


def test_the_demo_moves_a_manchester_child_into_salford_and_salfords_tasks_show_it(app: Flask, seeded: str) -> None:
    """Issue 12's demo: a Manchester child placed in Salford, top of their own ranking, and the
    notice to the host authority waiting in a Salford user's Tasks to be acknowledged."""
    from web.demo.services import family_in_salford

    with app.app_context():
        (referral,) = [r for r in db.session().query(Referral) if family_in_salford.is_story(r)]
        assert referral.authority_code == "E08000003"
        (decision,) = db.session().query(Decision).filter_by(referral_id=referral.id).all()
        assert decision.placement.authority_code == "E08000006"
        assert decision.status == "awaiting_approval"
        (notice,) = db.session().query(HostNotification).filter_by(decision_id=decision.id).all()
        assert notice.host_authority_code == "E08000006" and notice.acknowledged_at is None
        placement_label = decision.placement.label
    passwords = dict(
        re.findall(r"(\S+@\S+)\s+(\S+)\s+\(", app.test_cli_runner().invoke(args=["demo-passwords"]).output)
    )
    client = app.test_client()
    email = "social.worker@salford.demo"
    assert sign_in(client, email, passwords[email]).status_code == 302
    tasks = client.get("/tasks/").get_data(as_text=True)
    assert "Children placed in your area by other authorities (1 to acknowledge)" in tasks
    assert "Manchester" in tasks and placement_label in tasks


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


def test_the_demo_places_a_child_in_the_force_area_with_its_police_told(app: Flask, seeded: str) -> None:
    """Greater Manchester Police's co-ordinator and the provider's worker have work: a Manchester child
    placed elsewhere in Greater Manchester, GMP told, and a return from a missing episode since."""
    assert "1 children placed elsewhere in Greater Manchester" in seeded
    with app.app_context():
        # The child placed in Salford has its police told too; this one went missing since.
        (notice,) = [
            n
            for n in db.session().query(PoliceNotification)
            for person in n.decision.referral.young_people
            if any(e.start.date() >= n.decision.start_date for e in person.missing_episodes)
        ]
        assert notice.force_code == "E23000005" and notice.placing_authority_code == "E08000003"
        decision = notice.decision
        assert decision.versions[-1].content["host_police_notified_on"]
        person = decision.referral.young_people[0]
        since = [e for e in person.missing_episodes if e.start.date() >= decision.start_date]
        assert len(since) == 1 and since[0].end is not None and since[0].found_lat is not None
        assert db.session().query(MissingEpisode).filter_by(rhi_recorded_by_code="RHI-GM").count() == 0
    output = app.test_cli_runner().invoke(args=["demo-passwords"]).output
    assert "missing.persons.coordinator@gmp.demo" in output and "(Greater Manchester Police)" in output
    assert "rhi.worker@rhi-gm.demo" in output


def test_the_demo_is_greater_manchesters_co_operative_with_an_agreement_in_each_state(app: Flask, seeded: str) -> None:
    """Ten authorities and the force; Bolton shares intelligence only; Bury's placement finding expired."""
    from datetime import date

    from web.demo.services import agreements as demo_agreements
    from web.models import CooperativeMember, SharingAgreement

    with app.app_context():
        members = {m.member_code for m in db.session().query(CooperativeMember).filter_by(cooperative_code="COOP-GM")}
        authorities = {m for m in members if m.startswith("E08")}
        assert len(authorities) == 10 and demo_agreements.POLICE in members
        signed = db.session().query(SharingAgreement).filter_by(cooperative_code="COOP-GM").all()
        bolton = {a.purpose for a in signed if a.member_code == demo_agreements.INTELLIGENCE_ONLY}
        assert bolton == {"intelligence"}
        (bury,) = [a for a in signed if a.member_code == demo_agreements.EXPIRED and a.purpose == "placement_finding"]
        assert bury.ends_on is not None and bury.ends_on < date.today()
