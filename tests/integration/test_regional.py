"""The regional panel and capacity by member on the demo's Greater Manchester co-operative (decision 0082)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.api.helpers import audit_events, bearer, make_token
from tests.integration.helpers import post, sign_in
from web import db
from web.accounts.services import accounts
from web.demo.services import world as demo_world
from web.demo.services.agreements import CONSENTING, COOPERATIVE, MEMBERS
from web.models import Decision, RankingRun, RegionalPanelRun, RegionalProposal, SharingAgreement

PASSWORD = "correct horse battery staple 1"
OFFICER, COMMISSIONER, LOCAL = "officer@coop.test", "commissioner@coop.test", "po@manchester.test"
MANCHESTER = "E08000003"
LEFT_OUT = MEMBERS[-1]  # shares placements but not sufficiency figures in the demo


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[Flask]:
    """The demo world (seed 1) on each backend (PostgreSQL too when TEST_DATABASE_URL is set)."""
    with app.app_context():
        demo_world.generate(1)
        accounts.create_user(
            OFFICER, "Officer", "cooperative_officer", MANCHESTER, PASSWORD, organisation_code=COOPERATIVE
        )
        accounts.create_user(
            COMMISSIONER,
            "Commissioner",
            "cooperative_commissioner",
            MANCHESTER,
            PASSWORD,
            organisation_code=COOPERATIVE,
        )
        accounts.create_user(LOCAL, "Local", "placement_officer", MANCHESTER, PASSWORD)
        db.commit()
    yield app


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session().scalar(select(func.count()).select_from(model)) or 0)


def test_each_role_begins_at_its_own_page_and_no_other_reaches_it(demo: Flask) -> None:
    """Home sends each co-operative role to its page; a local placement officer is refused both."""
    officer, commissioner, local = _client(demo, OFFICER), _client(demo, COMMISSIONER), _client(demo, LOCAL)
    assert officer.get("/").headers["Location"].endswith("/regional-panel/")
    assert commissioner.get("/").headers["Location"].endswith("/capacity/members/")
    assert local.get("/regional-panel/").status_code == 403
    assert local.get("/capacity/members/").status_code == 403
    assert officer.get("/capacity/members/").status_code == 403
    assert commissioner.get("/regional-panel/").status_code == 403
    # Neither sees a child's record: no casework role.
    assert officer.get("/referrals/").status_code == 403
    assert officer.get("/panel/").status_code == 403


def test_the_officer_sees_needs_of_every_consenting_member_qualified_and_audited(demo: Flask) -> None:
    """Referrals of several members meet, each id qualified by authority; each member's read audited."""
    page = _client(demo, OFFICER).get("/regional-panel/").get_data(as_text=True)
    assert "placement-finding agreement in force with the co-operative" in page
    ids = set(re.findall(r'name="referrals" type="checkbox" value="([^"]+)"', page))
    authorities = {i.split("/")[0] for i in ids}
    assert len(authorities) > 1 and all(re.fullmatch(r"E\d{8}/R-\d+", i) for i in ids)
    details = [e.detail or "" for e in audit_events(demo, "shared_read", "regional_panel", COOPERATIVE)]
    assert {d.split()[2] for d in details} == authorities
    assert all("referral_needss of" in d or "under agreement" in d for d in details)
    # Needs only: never a young person's reference or date of birth.
    assert "YP-" not in page


def test_a_regional_panel_proposes_and_taking_forward_gives_the_placing_authority_a_ranking(demo: Flask) -> None:
    """A run across members; taking a proposal forward stores the authority's ranking, decides nothing."""
    officer = _client(demo, OFFICER)
    decisions_before, runs_before = _count(demo, Decision), _count(demo, RankingRun)
    panels_before = _count(demo, RegionalPanelRun)
    made = post(officer, "/regional-panel/", "/regional-panel/", {})
    # Posting nothing chosen is refused, nothing stored.
    assert made.status_code == 400 and _count(demo, RegionalPanelRun) == panels_before
    page = officer.get("/regional-panel/").get_data(as_text=True)
    ids = re.findall(r'name="referrals" type="checkbox" value="([^"]+)"', page)[:12]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    made = officer.post("/regional-panel/", data={"referrals": ids, "csrf_token": token.group(1)})
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    run_page = officer.get(made.headers["Location"])
    text = run_page.get_data(as_text=True)
    assert run_page.status_code == 200 and "Proposed matches" in text
    sendable = re.findall(r'name="referral" value="([^"]+)"', text)
    assert sendable, "the demo's regional panel proposes something to take forward"
    run_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    chosen = next((i for i in sendable if i.startswith(MANCHESTER + "/")), sendable[0])
    sent = post(officer, f"/regional-panel/{run_id}/take-forward", f"/regional-panel/{run_id}", {"referral": chosen})
    assert sent.status_code == 302
    assert _count(demo, RankingRun) == runs_before + 1 and _count(demo, Decision) == decisions_before
    code, reference = chosen.split("/")
    events = audit_events(demo, "take_forward_regional_match", "referral", chosen)
    assert len(events) == 1 and "agreement" in (events[0].detail or "")
    with demo.app_context():
        run = db.session().get(RegionalPanelRun, run_id)
        assert run is not None and set(run.agreements) == set(run.members)
        proposal = db.session().scalar(select(RegionalProposal))
        assert proposal is not None and proposal.authority_code == code and proposal.run_id == run_id
    # The placing authority's own staff see it in their Tasks and on the referral.
    assert code == MANCHESTER, "the demo's regional panel proposes a Manchester referral"
    local = _client(demo, LOCAL)
    tasks = local.get("/tasks/").get_data(as_text=True)
    assert f'id="regional-proposal-{reference}"' in tasks and "Greater Manchester regional care co-operative" in tasks
    assert "Officer" in local.get(f"/referrals/{reference}").get_data(as_text=True)
    # Sent once from a run: the page says so, and a second send is refused with nothing stored.
    runs_now = _count(demo, RankingRun)
    assert "Sent to Manchester" in officer.get(f"/regional-panel/{run_id}").get_data(as_text=True)
    post(officer, f"/regional-panel/{run_id}/take-forward", f"/regional-panel/{run_id}", {"referral": chosen})
    assert _count(demo, RankingRun) == runs_now and _count(demo, RegionalProposal) == 1


def test_a_member_without_an_agreement_is_left_out_and_its_referral_refused(demo: Flask) -> None:
    """End a member's placement-finding agreement: its referrals leave the panel and are refused by id."""
    officer = _client(demo, OFFICER)
    page = officer.get("/regional-panel/").get_data(as_text=True)
    theirs = [i for i in re.findall(r'type="checkbox" value="([^"]+)"', page) if i.startswith(LEFT_OUT + "/")]
    assert theirs
    with demo.app_context():
        row = db.session().scalar(
            select(SharingAgreement).where(
                SharingAgreement.member_code == LEFT_OUT, SharingAgreement.purpose == "placement_finding"
            )
        )
        assert row is not None
        saved = row.ends_on
        from datetime import date, timedelta

        row.ends_on = date.today() - timedelta(days=1)
        db.commit()
    try:
        page = officer.get("/regional-panel/").get_data(as_text=True)
        assert not any(i.startswith(LEFT_OUT + "/") for i in re.findall(r'type="checkbox" value="([^"]+)"', page))
        runs = _count(demo, RegionalPanelRun)
        refused = post(officer, "/regional-panel/", "/regional-panel/", {"referrals": theirs[0]})
        assert refused.status_code == 400 and "not an open referral of a member that consents" in refused.get_data(
            as_text=True
        )
        assert _count(demo, RegionalPanelRun) == runs
    finally:
        with demo.app_context():
            row = db.session().scalar(
                select(SharingAgreement).where(
                    SharingAgreement.member_code == LEFT_OUT, SharingAgreement.purpose == "placement_finding"
                )
            )
            assert row is not None
            row.ends_on = saved
            db.commit()


def test_the_api_has_the_same_rules(demo: Flask) -> None:
    """The officer lists and runs over the API; a local placement officer gets 403 and nothing is stored."""
    client = demo.test_client()
    officer, local = bearer(make_token(demo, OFFICER)), bearer(make_token(demo, LOCAL))
    members = client.get("/api/v1/regional-panels/members", headers=officer).get_json()
    assert {m["code"] for m in members if m["consents"]} == set(CONSENTING)
    referrals = client.get("/api/v1/regional-panels/referrals", headers=officer).get_json()
    assert referrals and all("/" in r["id"] for r in referrals)
    runs = _count(demo, RegionalPanelRun)
    assert (
        client.post("/api/v1/regional-panels", json={"referrals": [referrals[0]["id"]]}, headers=local).status_code
        == 403
    )
    assert client.get("/api/v1/regional-panels/referrals", headers=local).status_code == 403
    assert _count(demo, RegionalPanelRun) == runs
    made = client.post("/api/v1/regional-panels", json={"referrals": [r["id"] for r in referrals[:5]]}, headers=officer)
    assert made.status_code == 201 and made.get_json()["referrals"] == 5


def test_the_commissioner_sees_only_members_sharing_sufficiency_with_the_overviews_own_figures(demo: Flask) -> None:
    """Members without a sufficiency agreement are not shown; each row is the overview's own cell."""
    page = _client(demo, COMMISSIONER).get("/capacity/members/").get_data(as_text=True)
    assert "no sufficiency agreement in force" in page
    with demo.app_context():
        from web.capacity.services import capacity
        from web.shared.repositories import authorities

        names = {a.gss_code: a.name for a in authorities.list_authorities()}
        members_table = capacity.gap_for(
            capacity.Filters(), [m for m in MEMBERS if m != LEFT_OUT], capacity.date.today()
        )
        all_table = capacity.gap_for(capacity.Filters(), list(MEMBERS), capacity.date.today())
    rows = {r[1]: r for r in members_table.table.rows}
    assert names[LEFT_OUT] not in rows and len(rows) == len(MEMBERS) - 1
    for row in all_table.table.rows:
        if row[1] in rows:
            assert rows[row[1]] == row  # the same figure wherever it appears
    # The overview's filters apply; a bad one is a 400 naming it, showing nothing else wrong.
    filtered = _client(demo, COMMISSIONER).get("/capacity/members/?setting=foster&band=14_15&band=16_17")
    assert filtered.status_code == 200 and 'id="table-gap"' in filtered.get_data(as_text=True)
    assert _client(demo, COMMISSIONER).get("/capacity/members/?setting=castle").status_code == 400
    table = page.split('id="table-gap"')[1]
    assert names[LEFT_OUT] not in table
    shared = audit_events(demo, "shared_read", "capacity_members", COOPERATIVE)
    assert {(e.detail or "").split()[2] for e in shared} == set(MEMBERS) - {LEFT_OUT}


def test_the_commissioners_api_has_the_same_rules(demo: Flask) -> None:
    """By member over the API for the co-operative's commissioner; 403 for anyone else."""
    client = demo.test_client()
    commissioner, officer = bearer(make_token(demo, COMMISSIONER)), bearer(make_token(demo, OFFICER))
    found = client.get("/api/v1/capacity/members", headers=commissioner)
    assert found.status_code == 200
    body = found.get_json()
    assert {m["code"] for m in body["members"] if m["shown"]} == set(MEMBERS) - {LEFT_OUT}
    assert len(body["figures"]["rows"]) == len(MEMBERS) - 1
    assert client.get("/api/v1/capacity/members", headers=officer).status_code == 403
    assert client.get("/api/v1/capacity/members?months=0", headers=commissioner).status_code == 422
    assert client.get("/api/v1/capacity/members?setting=castle", headers=commissioner).status_code == 422
    # One member by the filter; one not sharing shows nothing at all.
    one = client.get(f"/api/v1/capacity/members?authority={MEMBERS[0]}", headers=commissioner).get_json()
    assert len(one["figures"]["rows"]) == 1
    none = client.get(f"/api/v1/capacity/members?authority={LEFT_OUT}", headers=commissioner).get_json()
    assert none["figures"] is None


def test_the_cost_to_others_spans_the_region(demo: Flask) -> None:
    """A proposal's options are costed against every consenting member's referrals, named with their authority."""
    client = demo.test_client()
    officer = bearer(make_token(demo, OFFICER))
    referrals = client.get("/api/v1/regional-panels/referrals", headers=officer).get_json()
    made = client.post("/api/v1/regional-panels", json={"referrals": [r["id"] for r in referrals]}, headers=officer)
    run = made.get_json()
    proposal = next(m for m in run["matches"] if m["may_take_forward"])
    page = _client(demo, OFFICER).get(f"/regional-panel/{run['id']}/cost?referral={proposal['needs']['id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "What each option would cost the region" in text
    members = {r["authority_code"] for r in referrals}
    assert f"other open referrals of {len(members)} consenting members" in text
    events = audit_events(demo, "shared_read", "regional_cost_to_others")
    assert {(e.detail or "").split()[2] for e in events if "referral_needs" in (e.detail or "")} == members
    # A local placement officer cannot ask.
    assert _client(demo, LOCAL).get(f"/regional-panel/{run['id']}/cost?referral=x").status_code == 403


def test_a_large_regional_panel_runs_as_a_job_acting_for_the_co_operative(demo: Flask) -> None:
    """Over the job size the panel is a job; it runs as the co-operative (not the authority its owner is based in)."""
    demo.config["PANEL_JOB_SIZE"] = 3
    try:
        client = demo.test_client()
        officer = bearer(make_token(demo, OFFICER))
        referrals = client.get("/api/v1/regional-panels/referrals", headers=officer).get_json()
        runs = _count(demo, RegionalPanelRun)
        queued = client.post(
            "/api/v1/regional-panels", json={"referrals": [r["id"] for r in referrals]}, headers=officer
        )
        assert queued.status_code == 202, queued.get_json()
        assert _count(demo, RegionalPanelRun) == runs + 1  # JOBS_IMMEDIATE in tests: it has run
        with demo.app_context():
            run = db.session().scalar(select(RegionalPanelRun).order_by(RegionalPanelRun.id.desc()))
            assert run is not None and run.cooperative_code == COOPERATIVE and len(run.members) > 1
    finally:
        demo.config.pop("PANEL_JOB_SIZE")


def test_each_members_figure_is_the_same_in_every_view_filter_and_download(demo: Flask) -> None:
    """A member's rows are the same cells whether every member is shown or that member alone, page or download.

    So asking for members one at a time and subtracting from the co-operative's tables gives
    nothing new: the same children give the same figure (decision 0083).
    """
    import csv
    import io

    from web.shared.repositories import authorities

    client = _client(demo, COMMISSIONER)
    with demo.app_context():
        names = {a.gss_code: a.name for a in authorities.list_authorities()}
    downloads = {
        "location": ["location_members", "location_members_settings"],
        "trends": ["trends_members_decisions", "trends_members_episodes"],
        "equality": ["waiting_age_members", "placed_ethnicity_members"],
    }
    for view, keys in downloads.items():
        for key in keys:
            path = f"/capacity/members/download/{view}/{key}.csv"
            every = list(csv.reader(io.StringIO(client.get(path).get_data(as_text=True))))
            assert not any(names[LEFT_OUT] in cell for row in every for cell in row)
            for code in MEMBERS[:2]:
                alone = list(csv.reader(io.StringIO(client.get(f"{path}?authority={code}").get_data(as_text=True))))
                theirs = [r for r in every if r and r[0] == names[code]]
                assert theirs and theirs == [r for r in alone if r and r[0] == names[code]]
    assert audit_events(demo, "export", "capacity_members_table")
