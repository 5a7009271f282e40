"""Missing from care across authorities: the host police force is told of a child placed in its
area, its co-ordinator maps the missing episodes under an agreement, and the commissioned
return-home-interview provider records the interview (issue 12 items 3 and 5, decision 0085)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import MANCHESTER, NOW, PASSWORD, SALFORD, TEST_COOPERATIVE, _placement
from tests.integration.decision_builders import build_decision_world, hold_a_place
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.matching.repositories import placements
from web.models import (
    AuditEvent,
    CarePlanVersion,
    CooperativeMember,
    Decision,
    Group,
    MissingEpisode,
    Organisation,
    PoliceNotification,
    RhiCommission,
    SharingAgreement,
    YoungPerson,
    YoungPersonGroup,
)
from web.shared.repositories import agreements, authorities

GMP, DERBYSHIRE_POLICE = "E23000005", "E23000018"
PROVIDER, OTHER_PROVIDER = "RHI-TEST", "RHI-ELSEWHERE"
COORDINATOR = "coordinator@gmp.test"
OTHER_COORDINATOR = "coordinator@derbyshire-police.test"
RHI_WORKER = "worker@rhi.test"
OTHER_RHI_WORKER = "worker@rhi-elsewhere.test"


def _agreement(member: str, purpose: str = "missing_from_care") -> SharingAgreement:
    return SharingAgreement(
        cooperative_code=TEST_COOPERATIVE, member_code=member, purpose=purpose, starts_on=date(2026, 1, 1),
        ends_on=None, review_by=date(2027, 12, 31), signed_by="Test", created_at=NOW,
    )  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_decision_world(app, ["R-MFC1", "R-MFC2"])
    add_missing_from_care_world(app)


def add_missing_from_care_world(app: Flask) -> None:
    """Two forces, two providers, their users and agreements, a commission for Salford and a
    placement there (the browser journey uses it too)."""
    with app.app_context():
        for code, name, kind in [
            (GMP, "Greater Manchester Police", "police_force"),
            (DERBYSHIRE_POLICE, "Derbyshire Constabulary", "police_force"),
            (PROVIDER, "Safe Returns (test)", "rhi_provider"),
            (OTHER_PROVIDER, "Elsewhere Returns (test)", "rhi_provider"),
        ]:
            authorities.add_organisation(Organisation(code=code, name=name, kind=kind))
            agreements.add_member(
                CooperativeMember(cooperative_code=TEST_COOPERATIVE, member_code=code, joined_on=date(2026, 1, 1))
            )
        # Manchester shares for missing from care, and so do both forces and both providers:
        # what limits each to its own area is the area, not the agreement.
        for member in (MANCHESTER, GMP, DERBYSHIRE_POLICE, PROVIDER, OTHER_PROVIDER):
            agreements.add_agreement(_agreement(member))
        db.session().add(RhiCommission(provider_code=PROVIDER, authority_code=SALFORD, starts_on=date(2026, 1, 1)))
        accounts.create_user(COORDINATOR, "GMP COORDINATOR", "missing_persons_coordinator", SALFORD, PASSWORD,
                             organisation_code=GMP)  # fmt: skip
        accounts.create_user(OTHER_COORDINATOR, "DERBYS COORDINATOR", "missing_persons_coordinator", SALFORD,
                             PASSWORD, organisation_code=DERBYSHIRE_POLICE)  # fmt: skip
        accounts.create_user(RHI_WORKER, "RHI WORKER", "rhi_worker", SALFORD, PASSWORD, organisation_code=PROVIDER)
        accounts.create_user(OTHER_RHI_WORKER, "OTHER RHI WORKER", "rhi_worker", SALFORD, PASSWORD,
                             organisation_code=OTHER_PROVIDER)  # fmt: skip
        placements.add_placement(_placement("P-SALFORD-MFC", SALFORD, 53.487, -2.29, vacancies=4, capacity=4))
        db.commit()


def _as(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _notify(sw: FlaskClient, reference: str, decision_id: int) -> None:
    path = f"/referrals/{reference}/decisions/{decision_id}"
    sent = sw.post(f"{path}/notify-host", data={"csrf_token": csrf_token(sw, path)})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:300]


def _placed(app: Flask, reference: str) -> int:
    sw = _as(app, "sw@manchester.test")
    decision_id, _ = hold_a_place(app, sw, reference, "P-SALFORD-MFC")
    _notify(sw, reference, decision_id)
    return decision_id


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id))


def _the_host_force_is_told_and_the_care_plan_records_the_date(app: Flask) -> None:
    decision_id = _placed(app, "R-MFC1")
    with app.app_context():
        notice = db.session().query(PoliceNotification).filter_by(decision_id=decision_id).one()
        assert notice.force_code == GMP and notice.host_authority_code == SALFORD
        assert "expected practice" in notice.basis
        versions = (
            db.session()
            .query(CarePlanVersion)
            .filter_by(decision_id=decision_id)
            .order_by(CarePlanVersion.number)
            .all()
        )
        assert not versions[0].content.get("host_police_notified_on")  # a new version: nothing overwritten
        assert versions[-1].content["host_police_notified_on"] == date.today().isoformat()
        assert versions[-1].content["host_authority_notified_on"] == date.today().isoformat()
        assert "Greater Manchester Police notified" in versions[-1].change_note
        notice_id = notice.id
    placing = _as(app, "sw@manchester.test").get(f"/referrals/R-MFC1/decisions/{decision_id}").get_data(as_text=True)
    assert f"Police notification {notice_id}" in placing and "Greater Manchester Police" in placing

    coordinator = _as(app, COORDINATOR)
    assert coordinator.get("/").headers["Location"].endswith("/missing-from-care/")
    page = coordinator.get("/missing-from-care/").get_data(as_text=True)
    assert f"Notification {notice_id}" in page and "To acknowledge" in page
    path = f"/missing-from-care/police-notices/{notice_id}"
    shown = coordinator.get(path).get_data(as_text=True)
    assert "YP-R-MFC1" in shown and "aged 15" in shown
    with app.app_context():
        born = db.session().get(Decision, decision_id).referral.young_people[0].date_of_birth  # type: ignore[union-attr]
    assert born.isoformat() not in shown  # an age, never a date of birth
    viewed = [e for e in _events(app, "view") if e.object_type == "police_notification"]
    assert viewed and "basis: expected practice" in (viewed[-1].detail or "")

    # The placing authority reads what the force sees (audited); another authority does not.
    assert _as(app, "sw@manchester.test").get(path).status_code == 200
    assert _as(app, "po@salford.test").get(path).status_code == 404
    # Another force neither reads nor acknowledges it; nothing is written.
    other = _as(app, OTHER_COORDINATOR)
    assert other.get(path).status_code == 404
    token = csrf_token(coordinator, path)
    assert (
        other.post(f"{path}/acknowledge", data={"csrf_token": csrf_token(other, "/missing-from-care/")}).status_code
        == 404
    )
    with app.app_context():
        assert db.session().get(PoliceNotification, notice_id).acknowledged_at is None  # type: ignore[union-attr]
    assert coordinator.post(f"{path}/acknowledge", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session().get(PoliceNotification, notice_id).acknowledged_at is not None  # type: ignore[union-attr]
    # Casework roles have no page here; the force's people have no casework.
    assert _as(app, "sw@manchester.test").get("/missing-from-care/").status_code == 403
    assert coordinator.get("/referrals/").status_code in (403, 404)


def _episode(app: Flask, reference: str, days_after: int, found: tuple[float, float] | None) -> int:
    with app.app_context():
        person = db.session().query(YoungPerson).filter_by(reference=reference).one()
        start = datetime.combine(date.today() + timedelta(days=days_after), datetime.min.time()) + timedelta(hours=20)
        episode = MissingEpisode(
            young_person_id=person.id, kind="M", start=start, end=start + timedelta(hours=30),
            where_found="Bus station, Salford" if found else None,
            found_lat=found[0] if found else None, found_lon=found[1] if found else None, reported_by="carer",
        )  # fmt: skip
        db.session().add(episode)
        db.commit()
        return episode.id


def _the_coordinator_maps_episodes_where_found_and_reports_never_as_facts(app: Flask) -> None:
    with app.app_context():
        decision = db.session().query(Decision).order_by(Decision.id.desc()).first()
        assert decision is not None
        # The child went missing during the placement (the clock is pinned: placed today).
        decision.start_date = date.today() - timedelta(days=20)
        person = decision.referral.young_people[0]
        group = Group(code="G-MFC", label="Fictional Crew", source="test", confidence="low",
                      review_by=date(2027, 1, 1), owner_code=GMP)  # fmt: skip
        db.session().add(group)
        db.session().flush()
        db.session().add(
            YoungPersonGroup(
                young_person_id=person.id,
                group_id=group.id,
                relationship_kind="exploited_by",
                source="School report",
                confidence="medium",
                review_by=date(2027, 2, 1),
            )
        )
        db.commit()
    _episode(app, "YP-R-MFC1", -10, (53.4875, -2.2901))
    coordinator = _as(app, COORDINATOR)
    page = coordinator.get("/missing-from-care/").get_data(as_text=True)
    assert "YP-R-MFC1" in page and "Bus station, Salford" in page and "missing-map-data" in page
    assert "Reported exploited by Fictional Crew (source: School report; confidence medium" in page
    assert "<script>" not in page  # the map's data is a JSON block; the CSP forbids inline scripts
    shared = [e for e in _events(app, "shared_read") if e.object_type == "missing_from_care_map"]
    assert shared and MANCHESTER in (shared[-1].detail or "") and "agreement" in (shared[-1].detail or "")
    # Another force's co-ordinator sees nothing of Salford's placements.
    assert "YP-R-MFC1" not in _as(app, OTHER_COORDINATOR).get("/missing-from-care/").get_data(as_text=True)

    # Manchester ends its agreement: the children it placed leave the map at once.
    with app.app_context():
        row = db.session().query(SharingAgreement).filter_by(member_code=MANCHESTER, purpose="missing_from_care").one()
        row.ended_on = date.today()
        db.commit()
    try:
        page = coordinator.get("/missing-from-care/").get_data(as_text=True)
        assert "YP-R-MFC1" not in page and "Not shown: children placed by Manchester" in page
    finally:
        with app.app_context():
            row = (
                db.session()
                .query(SharingAgreement)
                .filter_by(member_code=MANCHESTER, purpose="missing_from_care")
                .one()
            )
            row.ended_on = None
            db.commit()


def _the_commissioned_provider_records_the_interview_and_the_placing_authority_sees_it(app: Flask) -> None:
    episode_id = _episode(app, "YP-R-MFC1", -5, None)
    worker = _as(app, RHI_WORKER)
    assert worker.get("/").headers["Location"].endswith("/missing-from-care/")
    page = worker.get("/missing-from-care/").get_data(as_text=True)
    assert f'id="episode-{episode_id}"' in page and "YP-R-MFC1" in page
    assert "Bus station" not in page and "Fictional Crew" not in page  # only what the interview needs
    path = f"/missing-from-care/interviews/{episode_id}"

    # A provider not commissioned for Salford sees no task and cannot record one: nothing written.
    other = _as(app, OTHER_RHI_WORKER)
    assert f"episode-{episode_id}" not in other.get("/missing-from-care/").get_data(as_text=True)
    token = csrf_token(other, "/missing-from-care/")
    refused = other.post(path, data={"csrf_token": token, "outcome": "done", "held_on": date.today().isoformat()})
    assert refused.status_code == 404
    # The co-ordinator does not record interviews.
    coordinator = _as(app, COORDINATOR)
    assert coordinator.post(path, data={"csrf_token": csrf_token(coordinator, "/missing-from-care/"),
                                        "outcome": "offered"}).status_code == 403  # fmt: skip
    with app.app_context():
        assert db.session().get(MissingEpisode, episode_id).rhi_offered is False  # type: ignore[union-attr]

    token = csrf_token(worker, "/missing-from-care/")
    bad = worker.post(
        path, data={"csrf_token": token, "outcome": "done", "held_on": "2020-01-01"}, follow_redirects=True
    )
    assert "between the return and today" in bad.get_data(as_text=True)
    done = worker.post(path, data={"csrf_token": token, "outcome": "done", "held_on": date.today().isoformat()})
    assert done.status_code == 302
    with app.app_context():
        episode = db.session().get(MissingEpisode, episode_id)
        assert episode is not None and episode.rhi_date == date.today() and episode.rhi_offered
        assert episode.rhi_recorded_by_code == PROVIDER and episode.rhi_provider == "Safe Returns (test)"
    recorded = _events(app, "record_interview")[-1]
    assert MANCHESTER in (recorded.detail or "") and "agreement" in (recorded.detail or "")
    # The co-ordinator's list shows the interview held.
    assert "Interview held" in coordinator.get("/missing-from-care/").get_data(as_text=True)
    # The placing authority sees it on its own record of the episode.
    own = _as(app, "sw@manchester.test").get(f"/young-people/YP-R-MFC1/missing/{episode_id}").get_data(as_text=True)
    assert "Safe Returns (test)" in own


def _the_api_has_the_same_rules(app: Flask) -> None:
    from tests.api.helpers import bearer, make_token

    client = app.test_client()
    coordinator = bearer(make_token(app, COORDINATOR))
    other_force = bearer(make_token(app, OTHER_COORDINATOR))
    worker = bearer(make_token(app, RHI_WORKER))
    other_worker = bearer(make_token(app, OTHER_RHI_WORKER))
    sw = bearer(make_token(app, "sw@manchester.test"))

    notices = client.get("/api/v1/police-notifications", headers=coordinator).get_json()
    assert notices and all(n["force_code"] == GMP for n in notices)
    notice_id = notices[0]["id"]
    assert client.get(f"/api/v1/police-notifications/{notice_id}", headers=coordinator).status_code == 200
    assert client.get(f"/api/v1/police-notifications/{notice_id}", headers=other_force).status_code == 404
    assert client.get("/api/v1/police-notifications", headers=other_force).get_json() == []

    found = client.get("/api/v1/missing-from-care/map", headers=coordinator).get_json()
    child = next(c for c in found["children"] if c["reference"] == "YP-R-MFC1")
    assert any(e["where_found"] == "Bus station, Salford" for e in child["episodes"])
    assert child["reports"][0]["source"] == "School report"
    assert "date_of_birth" not in child
    assert client.get("/api/v1/missing-from-care/map", headers=sw).status_code == 403
    assert client.get("/api/v1/missing-from-care/map", headers=worker).status_code == 403

    tasks = client.get("/api/v1/return-home-interviews", headers=worker).get_json()
    assert tasks and all(t["reference"].startswith("YP-R-MFC") for t in tasks)
    episode_id = _episode(app, "YP-R-MFC1", -2, None)
    assert client.get("/api/v1/return-home-interviews", headers=other_worker).get_json() == []
    refused = client.post(
        f"/api/v1/return-home-interviews/{episode_id}", json={"outcome": "offered"}, headers=other_worker
    )
    assert refused.status_code == 404
    assert (
        client.post(
            f"/api/v1/return-home-interviews/{episode_id}", json={"outcome": "maybe"}, headers=worker
        ).status_code
        == 422
    )
    with app.app_context():
        assert db.session().get(MissingEpisode, episode_id).rhi_offered is False  # type: ignore[union-attr]
    # A found location through the API: the co-ordinator's alone, for an episode on the force's map.
    found_id = _episode(app, "YP-R-MFC1", -1, (53.49, -2.30))
    suggest = f"/api/v1/missing-from-care/episodes/{found_id}/suggested-area"
    assert client.post(suggest, headers=other_force).status_code == 404
    assert client.post(suggest, headers=worker).status_code == 403
    made = client.post(suggest, headers=coordinator)
    assert made.status_code == 201 and made.get_json()["suggestion_id"]
    assert client.post(suggest, headers=coordinator).status_code == 409
    done = client.post(f"/api/v1/return-home-interviews/{episode_id}", json={"outcome": "offered"}, headers=worker)
    assert done.status_code == 200 and done.get_json()["outcome"] == "offered"
    with app.app_context():
        assert db.session().get(MissingEpisode, episode_id).rhi_offered is True  # type: ignore[union-attr]


def _a_found_location_becomes_a_suggestion_the_placing_authority_confirms(app: Flask) -> None:
    from web.models import Area, SuggestedArea

    with app.app_context():
        episode = db.session().query(MissingEpisode).filter(MissingEpisode.found_lat.is_not(None)).first()
        assert episode is not None
        episode_id = episode.id
    coordinator = _as(app, COORDINATOR)
    path = f"/missing-from-care/episodes/{episode_id}/suggest-area"
    # Another force cannot suggest it; nothing written.
    other = _as(app, OTHER_COORDINATOR)
    assert other.post(path, data={"csrf_token": csrf_token(other, "/missing-from-care/")}).status_code == 404
    # Nor can the provider's worker (the co-ordinator's alone).
    worker = _as(app, RHI_WORKER)
    assert worker.post(path, data={"csrf_token": csrf_token(worker, "/missing-from-care/")}).status_code == 403
    with app.app_context():
        assert db.session().query(SuggestedArea).filter_by(missing_episode_id=episode_id).count() == 0
    token = csrf_token(coordinator, "/missing-from-care/")
    assert coordinator.post(path, data={"csrf_token": token}).status_code == 302
    again = coordinator.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert "already suggested" in again.get_data(as_text=True)
    with app.app_context():
        suggestion = db.session().query(SuggestedArea).filter_by(missing_episode_id=episode_id).one()
        assert suggestion.authority_code == MANCHESTER and suggestion.suggested_by_code == GMP
        assert suggestion.status == "suggested" and suggestion.import_id is None
        suggestion_id = suggestion.id
    assert [e for e in _events(app, "suggest_area") if str(episode_id) in (e.detail or "")]

    # Salford (where it lies) does not see it: the placing authority that owns the episode reviews it.
    assert f"suggestion-{suggestion_id}" not in _as(app, "po@salford.test").get("/suggested-areas/").get_data(
        as_text=True
    )
    po = _as(app, "po@manchester.test")
    listing = po.get("/suggested-areas/").get_data(as_text=True)
    assert f"suggestion-{suggestion_id}" in listing and "Greater Manchester Police" in listing
    confirm = f"/suggested-areas/{suggestion_id}/confirm"
    review = date.today() + timedelta(days=180)
    form = {
        "label": "Area F1", "kind": "exploitation_hotspot", "radius_km": "0.3", "severity": "medium",
        "source": "GMP co-ordinator's report; checked with partners", "confidence": "low",
        "review_by-day": str(review.day), "review_by-month": str(review.month), "review_by-year": str(review.year),
        "csrf_token": csrf_token(po, confirm),
    }  # fmt: skip
    assert po.post(confirm, data=form).status_code == 302
    with app.app_context():
        area = db.session().query(Area).filter_by(code=f"A-FOUND-{suggestion_id}").one()
        assert area.owner_code == MANCHESTER and area.confidence == "low"


def test_the_operator_commissions_a_provider_from_the_command_line(app: Flask) -> None:
    runner = app.test_cli_runner()
    done = runner.invoke(args=["agreements", "commission", OTHER_PROVIDER, "E08000001", "--starts", "2026-04-01"])
    assert done.exit_code == 0 and "commissioned" in done.output
    again = runner.invoke(args=["agreements", "commission", OTHER_PROVIDER, "E08000001", "--starts", "2026-04-01"])
    assert again.exit_code != 0 and "already commissioned" in again.output
    refused = runner.invoke(args=["agreements", "commission", GMP, "E08000001", "--starts", "2026-04-01"])
    assert refused.exit_code != 0 and "not a return-home-interview provider" in refused.output
    with app.app_context():
        assert db.session().query(RhiCommission).filter_by(provider_code=GMP).count() == 0


def test_missing_from_care_from_the_notice_to_a_suggested_area(app: Flask) -> None:
    """One story, in its order (each step builds on the one before, so they are one test and
    pass in any order the suite runs in): the host force told of a placement, the co-ordinator's
    map, the provider's interview, the API's rules, a found location suggested and confirmed."""
    _the_host_force_is_told_and_the_care_plan_records_the_date(app)
    _the_coordinator_maps_episodes_where_found_and_reports_never_as_facts(app)
    _the_commissioned_provider_records_the_interview_and_the_placing_authority_sees_it(app)
    _the_api_has_the_same_rules(app)
    _a_found_location_becomes_a_suggestion_the_placing_authority_confirms(app)
