"""An areas import (or a confirmed suggestion) re-checks only placements near what changed, says which
reviews it opened, never reopens a review a person closed on the same intelligence, and refuses areas
already past their review date.

The world (tests/integration/builders.py) has the high-severity area A-CITY in Manchester, linked to
the Redline group. Here:

* YP-Q1 lives at P-NEAR (Manchester) and is linked to Redline, written straight to the database, so
  their placement already breaks `near_linked_area` with no review: like the demo's children, whom an
  unrelated import must leave alone;
* YP-Q2 (Manchester's child) lives at P-FAR in Derbyshire;
* YP-Q3 (Salford's child) lives at P-SUP, 14.5 km south of P-FAR.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import BACKENDS, _postgres_database, make_app
from tests.integration.builders import MANCHESTER, SALFORD, _person, build_world
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.casework.repositories import young_people
from web.data_exchange.services.imports import Outcome, run_import
from web.models import Area, CurrentResident, Group, Placement, RelocationReview, YoungPerson, YoungPersonGroup
from web.relocation.services import relocation

HEADER = "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"


def _future() -> date:
    """A review date a year on, read from the pinned clock when used (builders' FUTURE is fixed at import)."""
    return date.today() + timedelta(days=365)


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """A fresh database for each test, in place of the module's shared one.

    Every test here moves areas around the same three placements and opens or closes the same
    children's reviews, so each builds the world (and any review it needs) for itself and passes
    alone and in any order.
    """
    if request.param == "sqlite":
        yield make_app(f"sqlite:///{tmp_path / 'planner.db'}")
        return
    gen = _postgres_database()
    application = make_app(next(gen))
    yield application
    db.engine(application).dispose()
    next(gen, None)


@pytest.fixture(autouse=True)
def world(app: Flask) -> None:
    build_world(app)
    with app.app_context():
        for reference, authority, code in (
            ("YP-Q1", MANCHESTER, "P-NEAR"),
            ("YP-Q2", MANCHESTER, "P-FAR"),
            ("YP-Q3", SALFORD, "P-SUP"),
        ):
            person = _person(reference, authority, 53.4794, -2.2453, 16)
            if reference == "YP-Q1":
                redline = db.session().query(Group).filter_by(code="G-RED").one()
                person.group_links = [
                    YoungPersonGroup(
                        group=redline,
                        relationship_kind="exploited_by",
                        source="Test",
                        confidence="high",
                        review_by=_future(),
                    )
                ]
            young_people.add_young_person(person)
            placement = db.session().query(Placement).filter_by(code=code).one()
            placement.residents.append(CurrentResident(person_reference=reference, since=date.today()))
        db.commit()


def _csv(code: str, lat: float, lon: float, radius_km: float = 0.5, review_by: date | None = None) -> str:
    review = (review_by or date.today() + timedelta(days=90)).isoformat()
    return (
        HEADER + f"{code},Area Q,exploitation_hotspot,{lat},{lon},{radius_km},high,,Police briefing,medium,{review}\n"
    )


def _import(app: Flask, csv: str, dry_run: bool = False) -> Outcome:
    with app.test_request_context():
        return run_import("areas", {"file": ("areas.csv", csv.encode())}, dry_run=dry_run, authority_code=MANCHESTER)


def _reviews(app: Flask, reference: str) -> list[tuple[int, str]]:
    with app.app_context():
        rows = (
            db.session()
            .query(RelocationReview)
            .join(YoungPerson, YoungPerson.id == RelocationReview.young_person_id)
            .filter(YoungPerson.reference == reference)
            .order_by(RelocationReview.id)
        )
        return [(r.id, r.status) for r in rows]


def _close(app: Flask, review_id: int, outcome: str = "kept") -> None:
    """The social worker records what they decided, through the review page."""
    client = app.test_client()
    sign_in(client, "sw@manchester.test")
    path = f"/relocation/{review_id}"
    data = {"outcome": outcome, "note": "Safety plan changed; stays.", "csrf_token": csrf_token(client, path)}
    assert client.post(path, data=data).status_code == 302


def test_an_area_far_from_every_placement_re_checks_nobody(app: Flask) -> None:
    """The sample's kind of file: areas in Essex leave Manchester's placements, safe or not, alone."""
    outcome = _import(app, _csv("Q-ESSEX", 51.52, 0.58))
    assert outcome.ok, outcome.problems
    assert outcome.reviews is not None
    assert (outcome.reviews.checked, outcome.reviews.count) == (0, 0)
    # YP-Q1's placement breaks a rule already, but nothing near it changed: no review.
    assert _reviews(app, "YP-Q1") == []
    assert "placement is near an area whose place" in outcome.reviews.sentence()


def test_an_area_near_a_placement_re_checks_those_near_it_and_lists_the_review_opened(app: Flask) -> None:
    """A high-severity area at P-FAR: P-FAR and P-SUP (within 20 km) are checked; only P-FAR breaks a rule."""
    outcome = _import(app, _csv("Q-DERBY", 53.23, -1.42))
    assert outcome.ok, outcome.problems
    assert outcome.reviews is not None
    assert outcome.reviews.checked == 2
    [opened] = outcome.reviews.yours
    assert (opened.young_person, opened.placement) == ("YP-Q2", "Carers P-FAR")
    assert any("high-severity area" in reason for reason in opened.reasons)
    assert outcome.reviews.elsewhere == {}
    assert _reviews(app, "YP-Q2") == [(opened.id, "open")]
    assert _reviews(app, "YP-Q1") == [] and _reviews(app, "YP-Q3") == []
    with app.app_context():
        review = db.session().get(RelocationReview, opened.id)
        assert review is not None and list(review.intelligence["areas"]) == ["Q-DERBY"]


def test_a_review_closed_for_the_same_intelligence_is_not_reopened(app: Flask) -> None:
    """Closed as kept; the same row again, a new review date only, a re-check of the child: nothing reopens.

    A bigger area (changed intelligence) does.
    """
    assert _import(app, _csv("Q-DERBY", 53.23, -1.42)).ok  # opens YP-Q2's review, as the test above does
    [(review_id, _)] = _reviews(app, "YP-Q2")
    _close(app, review_id)

    same = _import(app, _csv("Q-DERBY", 53.23, -1.42))
    assert same.ok and same.added == {"areas added": 0, "areas updated": 0, "areas unchanged": 1}
    assert same.reviews is not None and same.reviews.checked == 0
    assert _reviews(app, "YP-Q2") == [(review_id, "kept")]

    # Re-confirmed with a later review date: written, but nothing the rules read changed.
    reconfirmed = _import(app, _csv("Q-DERBY", 53.23, -1.42, review_by=date.today() + timedelta(days=200)))
    assert reconfirmed.added["areas updated"] == 1
    assert reconfirmed.reviews is not None and reconfirmed.reviews.checked == 0
    # A re-check of the child (as after any change to their record) finds the same reasons on the
    # same intelligence: the social worker's decision stands.
    with app.test_request_context():
        person = young_people.get_by_reference("YP-Q2")
        assert person is not None
        assert relocation.recheck("a change to the record", None, [person.id]) == []
    assert _reviews(app, "YP-Q2") == [(review_id, "kept")]

    bigger = _import(app, _csv("Q-DERBY", 53.23, -1.42, radius_km=0.8))
    assert bigger.reviews is not None and bigger.reviews.count == 1
    assert [status for _, status in _reviews(app, "YP-Q2")] == ["kept", "open"]


def test_a_review_closed_before_reviews_kept_their_intelligence_reopens_only_after_a_change(app: Flask) -> None:
    """Older reviews have no stored intelligence: compared with when the areas behind them last changed."""
    assert _import(app, _csv("Q-DERBY", 53.23, -1.42)).ok  # opens YP-Q2's review
    review_id = _reviews(app, "YP-Q2")[-1][0]
    _close(app, review_id)
    with app.app_context():
        review = db.session().get(RelocationReview, review_id)
        assert review is not None
        review.intelligence = {}
        db.commit()
    # Nothing behind it changed since it was closed: a re-check of the child leaves it closed.
    with app.test_request_context():
        person = young_people.get_by_reference("YP-Q2")
        assert person is not None
        assert relocation.recheck("a re-check", None, [person.id]) == []
    assert _reviews(app, "YP-Q2")[-1] == (review_id, "kept")
    # The area itself changed after it was closed: a new review.
    changed = _import(app, _csv("Q-DERBY", 53.23, -1.42, radius_km=0.9))
    assert changed.reviews is not None and changed.reviews.count == 1


def test_moving_an_area_re_checks_placements_near_where_it_was(app: Flask) -> None:
    """A-CITY moved to Essex: P-NEAR (near where it was) is checked, and YP-Q1 is no longer in its buffer."""
    moved = f"A-CITY,Area 01 (Manchester),gang_territory,51.6,0.6,2.0,high,G-RED,Test,high,{_future().isoformat()}"
    csv = HEADER + moved + "\n"
    outcome = _import(app, csv)
    assert outcome.ok, outcome.problems
    assert outcome.reviews is not None and outcome.reviews.checked == 1
    assert _reviews(app, "YP-Q1") == []


def test_an_area_past_its_review_date_is_refused_before_anything_is_written(app: Flask) -> None:
    """Named on its row and column, in a dry run too; the file is refused whole."""
    yesterday = date.today() - timedelta(days=1)
    csv = _csv("Q-NEW", 53.0, -1.6) + _csv("Q-OLD", 53.0, -1.6, review_by=yesterday).split("\n", 1)[1]
    for dry_run in (True, False):
        outcome = _import(app, csv, dry_run=dry_run)
        assert not outcome.ok
        assert [(p.row, p.field) for p in outcome.problems] == [(3, "review_by")]
        assert "past its review date" in outcome.problems[0].message
    with app.app_context():
        assert db.session().query(Area).filter(Area.code.in_(["Q-NEW", "Q-OLD"])).count() == 0
    # Due for review today is still in force: imported.
    assert _import(app, _csv("Q-TODAY", 51.0, 0.5, review_by=date.today())).ok


def test_the_result_page_lists_the_reviews_opened_and_counts_other_authorities(app: Flask) -> None:
    """A high-severity area at P-SUP opens a review for Salford's child: counted, never named, to Manchester."""
    client = app.test_client()
    sign_in(client, "po@manchester.test")
    data = {
        "csrf_token": csrf_token(client, "/imports/areas"),
        "file": (io.BytesIO(_csv("Q-SUP", 53.10, -1.40).encode()), "areas.csv"),
    }
    response = client.post("/imports/areas", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    section = page.split('id="relocation-reviews"')[1]
    assert "1 review opened for children placed by Salford" in section
    assert "YP-Q3" not in page
    assert [status for _, status in _reviews(app, "YP-Q3")] == ["open"]

    # Manchester's own child is named, with a link to the review.
    assert _import(app, _csv("Q-DERBY", 53.23, -1.42)).ok  # YP-Q2's earlier review, closed before the change
    _close(app, _reviews(app, "YP-Q2")[-1][0])
    data = {
        "csrf_token": csrf_token(client, "/imports/areas"),
        "file": (io.BytesIO(_csv("Q-DERBY", 53.23, -1.42, radius_km=1.2).encode()), "areas.csv"),
    }
    page = client.post("/imports/areas", data=data, content_type="multipart/form-data").get_data(as_text=True)
    review_id = _reviews(app, "YP-Q2")[-1][0]
    assert f'href="/relocation/{review_id}">YP-Q2</a>' in page


def test_a_placement_broken_by_another_unchanged_area_is_not_this_changes_business(app: Flask) -> None:
    """YP-Q1 breaks near_linked_area because of A-CITY; new areas beside P-NEAR open nothing.

    Their placement is checked (it is near), but the new areas did not make it unsafe.
    """
    away = f"A-CITY,Area 01 (Manchester),gang_territory,51.6,0.6,2.0,high,G-RED,Test,high,{_future().isoformat()}"
    assert _import(app, HEADER + away + "\n").ok  # A-CITY moved to Essex first, as in the test above
    csv = HEADER + "A-CITY,Area 01 (Manchester),gang_territory,53.4808,-2.2426,2.0,high,G-RED,Test,high,"
    csv += f"{_future().isoformat()}\n"
    _import(app, csv)  # A-CITY back where it was: YP-Q1 breaks the rule again, and a review opens
    opened = _reviews(app, "YP-Q1")
    assert [status for _, status in opened] == ["open"]
    _close(app, opened[0][0])
    beside = HEADER + f"Q-LOW,Area L,exploitation_hotspot,53.451,-2.25,0.2,low,,Briefing,low,{_future().isoformat()}\n"
    outcome = _import(app, beside)
    assert outcome.reviews is not None and (outcome.reviews.checked, outcome.reviews.count) == (1, 0)
    assert [status for _, status in _reviews(app, "YP-Q1")] == ["kept"]
    # A new Redline area beside P-NEAR: inside its buffer, but A-CITY already ruled P-NEAR out for
    # YP-Q1 and did not change, so the import opens nothing (the intelligence differs, so the
    # relocation page's re-check would).
    row = f"Q-RED,Area R,gang_territory,53.46,-2.26,0.5,medium,G-RED,Briefing,high,{_future().isoformat()}"
    linked = HEADER + row + "\n"
    outcome = _import(app, linked)
    assert outcome.reviews is not None and (outcome.reviews.checked, outcome.reviews.count) == (1, 0)
    assert [status for _, status in _reviews(app, "YP-Q1")] == ["kept"]
    with app.test_request_context():
        person = young_people.get_by_reference("YP-Q1")
        assert person is not None
        assert len(relocation.recheck("a re-check", None, [person.id])) == 1


def test_a_polygon_imported_again_unchanged_changes_nothing(app: Flask) -> None:
    """A GeoJSON outline re-imported as it was: counted unchanged, re-checks nobody."""
    import json

    square = [[[-1.9, 52.9], [-1.8, 52.9], [-1.8, 53.0], [-1.9, 53.0], [-1.9, 52.9]]]
    properties = {
        "code": "Q-POLY",
        "label": "Area P",
        "kind": "gang_territory",
        "severity": "medium",
        "source": "Briefing",
        "confidence": "medium",
        "review_by": _future().isoformat(),
    }
    feature = {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": square}}
    document = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    with app.test_request_context():
        first = run_import("areas", {"file": ("a.geojson", document)}, dry_run=False, authority_code=MANCHESTER)
        again = run_import("areas", {"file": ("a.geojson", document)}, dry_run=False, authority_code=MANCHESTER)
    assert first.ok and first.added["areas added"] == 1
    assert again.ok and again.added == {"areas added": 0, "areas updated": 0, "areas unchanged": 1}
    assert again.reviews is not None and again.reviews.checked == 0
