"""The world's version, the prepared world kept per version, and runs that name a world snapshot.

A ranking reads one row to know whether the world it prepared is current; every change
to placements, residents, areas, groups, rivalries or their links moves that row. A run
stores its referral and result and names its world's snapshot, stored once; the exact
case is rebuilt from both, and old runs holding the whole case read the same.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, insert, select, update

from tests.integration.builders import DERBYSHIRE, FUTURE, MANCHESTER, NOW, SALFORD, build_world
from tests.integration.helpers import post, sign_in
from web import db
from web.matching.services import batch_case, ranking_runs, stored_cases
from web.matching.services.stored_cases import stored_case, stored_placements
from web.models import (
    Area,
    AuditEvent,
    CurrentResident,
    Group,
    Placement,
    RankingRun,
    Referral,
    SharingAgreement,
    WorldSnapshot,
)
from web.shared.repositories import world_versions
from web.shared.services import sharing

AS_OF = date(2026, 12, 2)


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)


def _version(app: Flask) -> str | None:
    with app.app_context():
        return world_versions.current()


def _changes_version(app: Flask, change: object) -> bool:
    before = _version(app)
    with app.app_context():
        change()  # type: ignore[operator]
        db.commit()
    return _version(app) != before


def _prepared(as_of: date, authority: str = MANCHESTER) -> batch_case.PreparedWorld:
    """An authority's world on the day, as a ranking of its referral reads it."""
    access = sharing.for_organisation(authority, sharing.READER_ROLE)
    return batch_case.prepared_world(as_of, False, batch_case._visibility(access))


def _placement(code: str) -> Placement:
    found = db.session().scalars(select(Placement).where(Placement.code == code)).one()
    return found


def test_each_kind_of_world_change_moves_the_version(app: Flask) -> None:
    def add_resident() -> None:
        home = _placement("P-NEAR")
        home.residents.append(CurrentResident(person_reference="YP-NEW", since=date(2026, 11, 1)))

    def edit_placement() -> None:
        _placement("P-FAR").vacancies = 2

    def link_area() -> None:
        area = db.session().scalars(select(Area).where(Area.code == "A-CITY")).one()
        area.groups = list(db.session().scalars(select(Group)))

    def bulk_areas() -> None:
        row = {
            "code": "A-BULK",
            "label": "Area bulk",
            "kind": "other",
            "lat": 52.0,
            "lon": -1.0,
            "radius_km": 0.5,
            "severity": "low",
            "source": "Test",
            "confidence": "low",
            "review_by": FUTURE,
            "updated_at": NOW,
        }
        db.session().execute(insert(Area), [row])

    def bulk_update() -> None:
        db.session().execute(update(Area).where(Area.code == "A-BULK").values(severity="medium"))

    def bulk_delete() -> None:
        db.session().execute(delete(CurrentResident).where(CurrentResident.person_reference == "YP-NEW"))

    for change in (add_resident, edit_placement, link_area, bulk_areas, bulk_update, bulk_delete):
        assert _changes_version(app, change), change.__name__


def test_changes_elsewhere_leave_the_version(app: Flask) -> None:
    def audit() -> None:
        db.session().add(AuditEvent(at=datetime.now(), action="view", object_type="test", object_ref="x"))

    def edit_referral() -> None:
        db.session().scalars(select(Referral).where(Referral.reference == "R-S1")).one().needed_by = "soon"

    def read_only() -> None:
        near = _placement("P-NEAR")
        near.vacancies = near.vacancies  # set to what it was: no change

    for change in (audit, edit_referral, read_only):
        assert not _changes_version(app, change), change.__name__


def test_the_prepared_world_is_kept_until_the_world_changes(app: Flask) -> None:
    with app.app_context():
        first = _prepared(AS_OF)
        assert _prepared(AS_OF) is first
        assert _prepared(date(2026, 12, 3)) is not first  # another day
        _placement("P-SUP").status = "suspended"
        db.commit()
        second = _prepared(AS_OF)
        assert second is not first
        assert "P-SUP" in first.live and "P-SUP" not in second.live
        _placement("P-SUP").status = "active"
        db.commit()


def test_a_world_prepared_in_a_rolled_back_change_is_never_used(app: Flask) -> None:
    """Its version was a random token no later change writes again."""
    with app.app_context():
        _placement("P-SUP").status = "suspended"
        db.session().flush()
        inside = _prepared(AS_OF)
        assert "P-SUP" not in inside.live
        db.rollback()
        _placement("P-FAR").vacancies = 1  # another change, committed
        db.commit()
        after = _prepared(AS_OF)
        assert "P-SUP" in after.live
        assert after is not inside


def _rank(client: FlaskClient) -> int:
    response = post(client, "/referrals/R-T1/rankings", "/referrals/R-T1")
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_runs_name_one_stored_world_and_rebuild_the_exact_case(app: Flask) -> None:
    client = app.test_client()
    assert sign_in(client, "po@manchester.test").status_code == 302
    first, second = _rank(client), _rank(client)
    with app.app_context():
        runs = [db.session().get(RankingRun, i) for i in (first, second)]
        assert runs[0] is not None and runs[1] is not None
        assert runs[0].world_sha256 == runs[1].world_sha256 is not None
        assert (db.session().scalar(select(func.count()).select_from(WorldSnapshot)) or 0) >= 1
        part = json.loads(runs[0].case_json)
        assert set(part) == {"format", "as_of", "referral"}  # no world in the run's own record
        case = stored_case(runs[0])
        assert {"groups", "areas", "placements", "referral"} <= set(case)
        text = json.dumps(case, sort_keys=True, separators=(",", ":"))
        # The stored hash is the hash of the exact case, as before runs named their world.
        assert hashlib.sha256(text.encode()).hexdigest() == runs[0].case_sha256
        assert runs[0].summary == json.loads(runs[0].result_json)["summary"]
        # The result kept in the process as the run was stored reads as the stored one does.
        assert ranking_runs.stored_result(runs[1]) == json.loads(runs[1].result_json)
        assert set(stored_placements(runs[0])) == {p["id"] for p in case["placements"]}
        # Read back from the stored snapshot, not the process's copy: the same document.
        stored_cases._snapshots.clear()
        stored_cases._placements.clear()
        assert stored_case(runs[0]) == case


def test_an_old_run_holding_the_whole_case_reads_the_same(app: Flask) -> None:
    client = app.test_client()
    assert sign_in(client, "po@manchester.test").status_code == 302
    run_id = _rank(client)
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        whole = stored_case(run)
        # As a run stored before migration 0061: the whole case, no snapshot, no summary.
        run.case_json = json.dumps(whole)
        run.world_sha256 = None
        run.summary = None
        db.commit()
        assert stored_case(run) == whole
    page = client.get(f"/referrals/R-T1/rankings/{run_id}")
    assert page.status_code == 200
    listing = client.get("/referrals/R-T1")
    assert listing.status_code == 200
    assert f"/referrals/R-T1/rankings/{run_id}" in listing.get_data(as_text=True)


def test_authorities_that_see_the_same_share_a_world_and_an_agreement_moves_the_version(app: Flask) -> None:
    """Manchester and Salford read the same records (one co-operative): one world. When
    Derbyshire stops sharing its placements, Manchester's next world leaves them out."""
    with app.app_context():
        manchester = _prepared(AS_OF)
        assert _prepared(AS_OF, SALFORD) is manchester
        assert "P-FAR" in manchester.live  # Derbyshire's, shared for placement finding
        query = select(SharingAgreement).where(
            SharingAgreement.member_code == DERBYSHIRE, SharingAgreement.purpose == "placement_finding"
        )
        agreement = db.session().scalars(query).one()
        agreement.ended_on = date.today() - timedelta(days=1)
        db.commit()
        try:
            after = _prepared(AS_OF)
            assert "P-FAR" not in after.live
            assert "P-FAR" in _prepared(AS_OF, DERBYSHIRE).live  # its own
        finally:
            agreement.ended_on = None
            db.commit()
