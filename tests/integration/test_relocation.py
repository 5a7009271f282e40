"""Relocation review: a change of intelligence re-checks where children live, and never moves them.

YP-H1 lives at P-NEAR (Manchester), 1.4 km beyond the edge of the high-severity city
area: safe while they have no group link. Linking them to the Redline group (whose
area that is) puts P-NEAR inside the 20 km linked-area buffer. YP-H2 lives far away
at P-FAR, so the same link leaves their placement safe.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import DERBYSHIRE, MANCHESTER, NOW, _person, _placement, build_world
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.casework.repositories import young_people
from web.matching.repositories import placements
from web.models import AuditEvent, CurrentResident, Placement, RelocationReview, YoungPerson

REVIEW_BY = date.today() + timedelta(days=90)
LINK = {
    "group": "G-RED",
    "relationship_kind": "exploited_by",
    "source": "Strategy meeting",
    "confidence": "high",
    "review_by-day": str(REVIEW_BY.day),
    "review_by-month": str(REVIEW_BY.month),
    "review_by-year": str(REVIEW_BY.year),
}


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)
    with app.app_context():
        for reference, code in (("YP-H1", "P-NEAR"), ("YP-H2", "P-FAR"), ("YP-H3", "P-RES")):
            young_people.add_young_person(_person(reference, MANCHESTER, 53.4794, -2.2453, 15))
            placement = db.session().query(Placement).filter_by(code=code).one()
            placement.residents.append(CurrentResident(person_reference=reference, since=NOW.date()))
        db.commit()


def _place(app: Flask, reference: str, code: str) -> None:
    """A Manchester child of the test's own, living at the placement `code`."""
    with app.app_context():
        young_people.add_young_person(_person(reference, MANCHESTER, 53.4794, -2.2453, 15))
        placement = db.session().query(Placement).filter_by(code=code).one()
        placement.residents.append(CurrentResident(person_reference=reference, since=NOW.date()))
        db.commit()


def _open_review(app: Flask, reference: str) -> int:
    """A child of the test's own at P-NEAR, linked to the Redline group as YP-H1 is: their open review's id."""
    _place(app, reference, "P-NEAR")
    response = _send(_signed_in(app, "sw@manchester.test"), f"/young-people/{reference}/groups/new", LINK)
    assert response.status_code == 302  # type: ignore[attr-defined]
    return _reviews(app, reference)[0][0]


def _open_reviews(app: Flask) -> int:
    with app.app_context():
        return db.session().query(RelocationReview).filter_by(status="open").count()


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


@pytest.fixture()
def sw(app: Flask) -> FlaskClient:
    return _signed_in(app, "sw@manchester.test")


def _send(client: FlaskClient, path: str, data: dict[str, str], token_from: str = "/young-people/") -> object:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def _reviews(app: Flask, reference: str) -> list[tuple[int, str, list[str]]]:
    with app.app_context():
        rows = (
            db.session()
            .query(RelocationReview)
            .join(YoungPerson, YoungPerson.id == RelocationReview.young_person_id)
            .filter(YoungPerson.reference == reference)
            .order_by(RelocationReview.id)
        )
        return [(r.id, r.status, [x["code"] for x in r.reasons]) for r in rows]


def _residents(app: Flask, code: str) -> list[str]:
    with app.app_context():
        placement = db.session().query(Placement).filter_by(code=code).one()
        return [r.person_reference for r in placement.residents]


def test_a_new_group_link_opens_a_review_for_a_placement_it_makes_unsafe(app: Flask, sw: FlaskClient) -> None:
    assert _reviews(app, "YP-H1") == []
    open_before = _open_reviews(app)  # other tests' children may have reviews open too
    response = _send(sw, "/young-people/YP-H1/groups/new", LINK)
    assert response.status_code == 302  # type: ignore[attr-defined]
    reviews = _reviews(app, "YP-H1")
    assert [(status, codes) for _, status, codes in reviews] == [("open", ["near_linked_area"])]
    # Nothing moved: the young person still lives where they did.
    assert "YP-H1" in _residents(app, "P-NEAR")
    listing = sw.get("/relocation/").get_data(as_text=True)
    assert "YP-H1" in listing and "Carers P-NEAR" in listing
    tasks = sw.get("/tasks/").get_data(as_text=True)
    assert f"Relocation reviews open ({open_before + 1})" in tasks
    page = sw.get(f"/relocation/{reviews[0][0]}").get_data(as_text=True)
    assert "an area linked to the Redline group" in page
    # Ranked alternatives from the engine: the far placement is safe; the near one is not offered.
    alternatives = page[page.index('id="alternatives"') :]
    assert "P-FAR" in alternatives
    assert "1. Carers" in alternatives


def test_an_alternative_taken_since_the_review_opened_is_no_longer_free_and_listed_last(
    app: Flask, sw: FlaskClient
) -> None:
    """Alternatives are shown against the places free now, not as they were when the review opened."""
    review_id = _open_review(app, "YP-H9")  # a review of the test's own, as YP-H1's in the test above
    with app.app_context():
        review = db.session().get(RelocationReview, review_id)
        assert review is not None
        first = review.alternatives[0]["placement_id"]
        placement = db.session().query(Placement).filter_by(code=first).one()
        before, placement.vacancies = placement.vacancies, 0
        db.commit()
    try:
        page = sw.get(f"/relocation/{review_id}").get_data(as_text=True)
        cell = page[page.index(f'id="alternative-{first}"') :]
        assert "No longer free" in cell[: cell.index("</td>")]
        rows = re.findall(r'id="alternative-([^"]+)"', page)
        assert rows[-1] == first
        if len(rows) > 1:
            assert "1. " in page[page.index(f'id="alternative-{rows[0]}"') :][:40]
    finally:
        with app.app_context():
            db.session().query(Placement).filter_by(code=first).one().vacancies = before
            db.commit()


def test_the_same_link_leaves_a_placement_far_from_the_area_alone(app: Flask, sw: FlaskClient) -> None:
    response = _send(sw, "/young-people/YP-H2/groups/new", LINK)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert _reviews(app, "YP-H2") == []


def test_a_risk_location_near_the_placement_opens_a_review_and_a_far_one_does_not(app: Flask, sw: FlaskClient) -> None:
    far = {"label": "Found while missing", "location-lat": "51.5", "location-lon": "-0.1", "radius_km": "0"}
    assert _send(sw, "/young-people/YP-H3/risk-locations/new", {**far, "source": "Police"}).status_code == 302  # type: ignore[attr-defined]
    assert _reviews(app, "YP-H3") == []
    near = {"label": "Found while missing", "location-lat": "53.01", "location-lon": "-1.6", "radius_km": "0.5"}
    assert _send(sw, "/young-people/YP-H3/risk-locations/new", {**near, "source": "Police"}).status_code == 302  # type: ignore[attr-defined]
    assert [codes for _, _, codes in _reviews(app, "YP-H3")] == [["near_risk_location"]]


def test_the_same_reasons_do_not_open_a_second_review(app: Flask, sw: FlaskClient) -> None:
    _open_review(app, "YP-H8")
    before = _reviews(app, "YP-H8")
    token = csrf_token(sw, "/relocation/")
    # A first re-check opens again what other tests' children need (a closed review does not stop a new one).
    first = sw.post("/relocation/recheck", data={"csrf_token": token})
    assert first.status_code == 302 and "/jobs/" in first.headers["Location"]  # a job (run at once in tests)
    sw.get(first.headers["Location"], follow_redirects=True)
    response = sw.post("/relocation/recheck", data={"csrf_token": token})
    assert response.status_code == 302
    # The job's page leads to the reviews, saying what the re-check found.
    shown = sw.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "no new review was needed" in shown
    assert _reviews(app, "YP-H8") == before


def test_the_social_worker_records_the_decision_with_a_reason(app: Flask, sw: FlaskClient) -> None:
    review_id = _open_review(app, "YP-H4")
    path = f"/relocation/{review_id}"
    missing = sw.post(path, data={"csrf_token": csrf_token(sw, path)})
    assert missing.status_code == 400
    page = missing.get_data(as_text=True)
    assert "Select what you decided" in page and "Enter why" in page
    assert _reviews(app, "YP-H4")[0][1] == "open"
    done = sw.post(
        path,
        data={
            "outcome": "moving",
            "note": "Strategy meeting agreed a planned move.",
            "csrf_token": csrf_token(sw, path),
        },
    )
    assert done.status_code == 302
    assert _reviews(app, "YP-H4")[0][1] == "moving"
    assert "YP-H4" in _residents(app, "P-NEAR")  # still nothing moves by itself
    shown = sw.get(path).get_data(as_text=True)
    assert "A move is being planned" in shown and "Strategy meeting agreed a planned move." in shown
    assert "Record the decision" not in shown  # closed: no form
    with app.app_context():
        actions = [e.action for e in db.session().query(AuditEvent).filter_by(object_ref="YP-H4")]
        assert "relocation_review_opened" in actions and "relocation_review_closed" in actions


def test_roles_and_authorities(app: Flask) -> None:
    review_id = _open_review(app, "YP-H5")
    assert _signed_in(app, "commissioner@manchester.test").get("/relocation/").status_code == 403
    assert _signed_in(app, "po@salford.test").get(f"/relocation/{review_id}").status_code == 404
    po = _signed_in(app, "po@manchester.test")
    path = f"/relocation/{review_id}"
    page = po.get(path).get_data(as_text=True)
    assert "Record the decision" not in page  # only a social worker closes a review
    response = po.post(path, data={"outcome": "kept", "note": "x", "csrf_token": csrf_token(po, "/relocation/")})
    assert response.status_code == 403


def test_viewing_a_review_is_audited_as_a_view_of_the_childs_record(app: Flask, sw: FlaskClient) -> None:
    review_id = _open_review(app, "YP-H6")
    sw.get(f"/relocation/{review_id}")
    with app.app_context():
        details = [
            e.detail
            for e in db.session()
            .query(AuditEvent)
            .filter_by(action="view", object_type="young_person", object_ref="YP-H6")
        ]
        assert f"relocation review {review_id}" in details
    assert re.search(r"Relocation review", sw.get("/relocation/").get_data(as_text=True))


def test_an_imported_area_re_checks_everyone_placed_and_opens_a_review_where_it_bites(app: Flask) -> None:
    """A new high-severity area around P-AREA (where YP-H7 lives) through the areas import."""
    from web.data_exchange.services.imports import run_import

    # A placement and child of the test's own: an area around P-FAR would change what other tests find there.
    with app.app_context():
        placements.add_placement(_placement("P-AREA", DERBYSHIRE, 52.92, -1.47))
        db.commit()
    _place(app, "YP-H7", "P-AREA")
    assert _reviews(app, "YP-H7") == []
    review_by = (date.today() + timedelta(days=60)).isoformat()
    csv = (
        "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"
        f"A-NEW,Area 02 (Derbyshire),exploitation_hotspot,52.92,-1.47,0.5,high,,Police briefing,medium,{review_by}\n"
    )
    with app.test_request_context():
        outcome = run_import("areas", {"file": ("areas.csv", csv.encode())}, dry_run=True, authority_code=MANCHESTER)
        assert outcome.ok and _reviews(app, "YP-H7") == []  # a dry run changes nothing, so re-checks nothing
        outcome = run_import("areas", {"file": ("areas.csv", csv.encode())}, dry_run=False, authority_code=MANCHESTER)
        assert outcome.ok, outcome.problems
    reviews = _reviews(app, "YP-H7")
    assert [(status, codes) for _, status, codes in reviews] == [("open", ["in_high_severity_area"])]
    with app.app_context():
        review = db.session().get(RelocationReview, reviews[0][0])
        assert review is not None and review.trigger.startswith("areas imported")
    assert "YP-H7" in _residents(app, "P-AREA")
