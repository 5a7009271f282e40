"""Co-operatives and data-sharing agreements: the command line, the administration page and the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from tests.api.helpers import assert_error, audit_events, bearer, make_token
from tests.integration.builders import MANCHESTER, PASSWORD, SALFORD
from tests.integration.helpers import post, sign_in
from web import db
from web.accounts.services import accounts
from web.models import CooperativeMember, Group, Rivalry, SharingAgreement

PAGE = "/admin/agreements"


@pytest.fixture(scope="module")
def world(app: Flask) -> None:
    with app.app_context():
        for email, role, la in [
            ("admin@manchester.test", "admin", MANCHESTER),
            ("director@manchester.test", "director", MANCHESTER),
            ("po@manchester.test", "placement_officer", MANCHESTER),
            ("admin@salford.test", "admin", SALFORD),
        ]:
            accounts.create_user(email, email.split("@")[0].upper(), role, la, PASSWORD)
        db.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["agreements", "add-organisation", "coop-gm", "Greater Manchester regional care co-operative",
              "--kind", "cooperative"]
    )  # fmt: skip
    assert result.exit_code == 0 and "Added cooperative COOP-GM" in result.output, result.output


def _agreement(app: Flask, agreement_id: int) -> SharingAgreement:
    with app.app_context():
        found = db.session().get(SharingAgreement, agreement_id)
        assert found is not None
        db.session().expunge(found)
        return found


def test_the_command_line_adds_lists_and_ends_an_agreement(app: Flask, world: None) -> None:
    runner = app.test_cli_runner()
    today = date.today()  # the pinned clock: in force whatever day the suite runs on
    starts, ends, review = today - timedelta(days=365), today + timedelta(days=365), today + timedelta(days=180)
    added = runner.invoke(
        args=["agreements", "add", "COOP-GM", SALFORD, "intelligence", "--starts", starts.isoformat(),
              "--ends", ends.isoformat(), "--review", review.isoformat(), "--signed-by", "A. Officer, Head of Service"]
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Salford shares for intelligence in Greater Manchester regional care co-operative [in force]" in added.output
    agreement_id = int(added.output.split()[1].rstrip(":"))
    listed = runner.invoke(args=["agreements", "list"])
    assert (
        f"{agreement_id}  COOP-GM  {SALFORD} Salford  intelligence" in listed.output and "[in force]" in listed.output
    )
    with app.app_context():
        assert db.session().get(CooperativeMember, ("COOP-GM", SALFORD)) is not None  # joined by signing
    ended = runner.invoke(args=["agreements", "end", str(agreement_id), "--reason", "Replaced by a new agreement"])
    assert ended.exit_code == 0 and "no longer shares for intelligence" in ended.output, ended.output
    assert _agreement(app, agreement_id).ended_on == date.today()
    again = runner.invoke(args=["agreements", "end", str(agreement_id), "--reason", "Twice"])
    assert again.exit_code == 2 and "no longer in force" in again.output
    assert [e.authority_code for e in audit_events(app, "agreement_ended", "agreement", str(agreement_id))] == [SALFORD]


def test_the_command_line_refuses_bad_dates_and_unknown_co_operatives(app: Flask, world: None) -> None:
    runner = app.test_cli_runner()
    base = ["agreements", "add", "COOP-NONE", SALFORD, "intelligence", "--starts", "2026-01-01"]
    result = runner.invoke(args=[*base, "--review", "2027-01-01", "--signed-by", "X"])
    assert result.exit_code == 2 and "COOP-NONE is not a co-operative" in result.output
    result = runner.invoke(args=[*base, "--review", "next year", "--signed-by", "X"])
    assert result.exit_code == 2 and "--review must be a date" in result.output


def test_an_administrator_records_and_ends_their_own_authoritys_agreement_on_the_page(app: Flask, world: None) -> None:
    client = app.test_client()
    sign_in(client, "admin@manchester.test")
    form = {
        "cooperative": "COOP-GM", "purpose": "placement_finding",
        "starts_on-day": "1", "starts_on-month": "4", "starts_on-year": "2026",
        "review_by-day": "31", "review_by-month": "3", "review_by-year": "2027",
        "signed_by": "B. Officer, Director of Children's Services",
    }  # fmt: skip
    # Not a member yet: an administrator cannot join a co-operative alone (nothing written).
    refused = post(client, PAGE, PAGE, form)
    assert refused.status_code == 400 and "is not a member of COOP-GM" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(CooperativeMember, ("COOP-GM", MANCHESTER)) is None
    # The operator records the membership the co-operative agreed (with a first agreement).
    joined = app.test_cli_runner().invoke(
        args=["agreements", "add", "COOP-GM", MANCHESTER, "intelligence", "--starts", "2026-04-01",
              "--review", "2027-03-31", "--signed-by", "The co-operative's board"]
    )  # fmt: skip
    assert joined.exit_code == 0, joined.output
    response = post(client, PAGE, PAGE, form)
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Greater Manchester regional care co-operative" in page and "Placement finding" in page
    assert "In force" in page and "when ended" in page
    with app.app_context():
        row = db.session().query(SharingAgreement).filter_by(member_code=MANCHESTER, purpose="placement_finding").one()
        agreement_id = row.id
    events = audit_events(app, "agreement_added", "agreement", str(agreement_id))
    assert len(events) == 1 and events[0].user_id is not None

    # Salford's administrator does not see it, and cannot end it.
    other = app.test_client()
    sign_in(other, "admin@salford.test")
    assert "B. Officer" not in other.get(PAGE).get_data(as_text=True)
    assert post(other, f"{PAGE}/{agreement_id}/end", PAGE, {"reason": "Not ours"}).status_code == 404
    assert _agreement(app, agreement_id).ended_on is None

    # Ending needs a reason; with one, the agreement ends today.
    assert post(client, f"{PAGE}/{agreement_id}/end", PAGE, {"reason": ""}).status_code == 400
    assert post(client, f"{PAGE}/{agreement_id}/end", PAGE, {"reason": "Left the co-operative"}).status_code == 302
    assert _agreement(app, agreement_id).ended_on == date.today()
    assert "Left the co-operative" in client.get(PAGE).get_data(as_text=True)


def test_the_page_names_each_mistake_and_records_nothing(app: Flask, world: None) -> None:
    client = app.test_client()
    sign_in(client, "admin@manchester.test")
    with app.app_context():
        before = db.session().query(SharingAgreement).count()
    response = post(client, PAGE, PAGE, {"cooperative": "COOP-GM", "starts_on-day": "31", "starts_on-month": "2",
                                         "starts_on-year": "2026", "signed_by": ""})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Start date must be a real date" in page and "Enter the review date" in page
    assert "Choose what the agreement shares" in page
    with app.app_context():
        assert db.session().query(SharingAgreement).count() == before


def test_directors_see_the_agreements_but_only_administrators_change_them(app: Flask, world: None) -> None:
    director = app.test_client()
    sign_in(director, "director@manchester.test")
    page = director.get(PAGE)
    assert page.status_code == 200 and "Record a signed agreement" not in page.get_data(as_text=True)
    assert post(director, PAGE, PAGE, {"cooperative": "COOP-GM"}).status_code == 403
    officer = app.test_client()
    sign_in(officer, "po@manchester.test")
    assert officer.get(PAGE).status_code == 403


def test_the_api_lists_records_and_ends_agreements_with_the_same_rules(app: Flask, world: None) -> None:
    client = app.test_client()
    admin = bearer(make_token(app, "admin@salford.test"))
    body = {
        "cooperative_code": "coop-gm", "purpose": "placement_finding", "starts_on": "2026-01-01",
        "ends_on": "2026-11-30", "review_by": "2026-06-30", "signed_by": "C. Officer",
    }  # fmt: skip
    created = client.post("/api/v1/agreements", json=body, headers=admin)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["status"] == "expired"  # ended 30 November; today is later
    assert created.get_json()["member_code"] == SALFORD
    listed = client.get("/api/v1/agreements", headers=admin).get_json()
    assert {a["member_code"] for a in listed} == {SALFORD}
    assert_error(client.post(f"/api/v1/agreements/{created.get_json()['id']}/end", json={"reason": "x"},
                             headers=admin), 409)  # fmt: skip
    assert_error(client.post("/api/v1/agreements", json={**body, "purpose": "gossip"}, headers=admin), 422)
    director = bearer(make_token(app, "director@manchester.test"))
    assert_error(client.post("/api/v1/agreements", json=body, headers=director), 403)
    officer = bearer(make_token(app, "po@manchester.test"))
    assert_error(client.get("/api/v1/agreements", headers=officer), 403)


def test_the_operator_gives_an_unowned_record_its_owner_once(app: Flask, world: None) -> None:
    """Rows stored before owners were known: the command line gives one its owner; an owned one keeps its own."""
    with app.app_context():
        red = Group(code="G-UNOWNED", label="Old", source="Test", confidence="high", review_by=date(2027, 1, 1))
        blue = Group(code="G-UNOWNED-2", label="Old 2", source="Test", confidence="high", review_by=date(2027, 1, 1))
        db.session().add_all([red, blue, Rivalry(group=red, rival=blue, source="Test", confidence="high",
                                                  review_by=date(2027, 1, 1))])  # fmt: skip
        db.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["agreements", "give-owner", "group", "G-UNOWNED", MANCHESTER.lower()])
    assert result.exit_code == 0 and "group G-UNOWNED now belongs to Manchester." in result.output, result.output
    with app.app_context():
        assert db.session().scalars(select(Group.owner_code).where(Group.code == "G-UNOWNED")).one() == MANCHESTER
        assert db.session().scalars(select(Rivalry.owner_code)).all() == [MANCHESTER]  # its rivalry went with it
    again = runner.invoke(args=["agreements", "give-owner", "group", "G-UNOWNED", SALFORD])
    assert again.exit_code == 2 and "already belongs to E08000003" in again.output
    assert runner.invoke(args=["agreements", "give-owner", "area", "A-NONE", SALFORD]).exit_code == 2
