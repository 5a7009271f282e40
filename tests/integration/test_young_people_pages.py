"""The young person pages: list, profile, its parts, missing episodes and the RHI clock."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.integration.builders import MANCHESTER, NOW, PASSWORD, SALFORD, build_world
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.casework.repositories import young_people
from web.casework.services.young_people import RHI_DUE_HOURS, rhi_clock
from web.models import (
    AuditEvent,
    Group,
    MissingEpisode,
    Postcode,
    SupportLink,
    YoungPerson,
    YoungPersonGroup,
)
from web.shared.repositories import postcodes

TODAY = date.today()
YEAR = TODAY.year
# A postcode in the lookup table, and one that is well formed but not in it.
KNOWN, KNOWN_AT = "M1 1AE", (53.4808, -2.2426)
UNKNOWN = "ZZ9 9ZZ"
_CHILDREN = itertools.count(1)


# --- the world ------------------------------------------------------------------------


def _person(reference: str, la: str = MANCHESTER, **kw: Any) -> YoungPerson:
    values: dict[str, Any] = dict(
        reference=reference,
        date_of_birth=date(YEAR - 14, 6, 1),
        sex="2",
        ethnicity="MWBC",
        home_lat=53.47,
        home_lon=-2.24,
        responsible_authority_code=la,
        risks=[],
        created_at=NOW,
    )
    values.update(kw)
    return YoungPerson(**values)


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)
    with app.app_context():
        for email, role in [
            ("no@manchester.test", "nominated_officer"),
            ("director@manchester.test", "director"),
            ("admin@manchester.test", "admin"),
        ]:
            accounts.create_user(email, email.split("@")[0].upper(), role, MANCHESTER, PASSWORD)
        postcodes.add_postcode(Postcode(postcode="M11AE", lat=KNOWN_AT[0], lon=KNOWN_AT[1]))
        # A child of Salford's with parts, to try reaching them from Manchester.
        other = _person("YP-S2", SALFORD)
        other.support_links = [SupportLink(label="Aunt", kind="relative", lat=53.49, lon=-2.29, importance="helpful")]
        other.missing_episodes = [MissingEpisode(kind="M", start=NOW, reported_by="police")]
        young_people.add_young_person(other)
        db.commit()


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


@pytest.fixture(scope="module")
def sw(app: Flask) -> FlaskClient:
    return _client(app, "sw@manchester.test")


@pytest.fixture(scope="module")
def po(app: Flask) -> FlaskClient:
    return _client(app, "po@manchester.test")


@pytest.fixture(scope="module")
def managers(app: Flask) -> list[FlaskClient]:
    return [_client(app, e) for e in ("no@manchester.test", "director@manchester.test", "admin@manchester.test")]


@pytest.fixture(scope="module")
def salford(app: Flask) -> FlaskClient:
    return _client(app, "po@salford.test")


@pytest.fixture(scope="module")
def commissioner(app: Flask) -> FlaskClient:
    return _client(app, "commissioner@manchester.test")


@pytest.fixture()
def child(app: Flask) -> Iterator[str]:
    """A fresh Manchester child for one test."""
    reference = f"YP-7{next(_CHILDREN):03d}"
    with app.app_context():
        young_people.add_young_person(_person(reference))
        db.commit()
    yield reference


def _send(client: FlaskClient, path: str, data: dict[str, Any], token_from: str = "/young-people/") -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def _get(app: Flask, reference: str) -> YoungPerson:
    with app.app_context():
        person = young_people.get_by_reference(reference)
        assert person is not None
        # Load everything now: the session closes with the app context.
        for part in ("group_links", "people_to_avoid", "risk_locations", "support_links", "missing_episodes"):
            for item in getattr(person, part):
                if isinstance(item, YoungPersonGroup):
                    _ = item.group.code
        return person


def _events(app: Flask, reference: str) -> list[tuple[str, str | None]]:
    with app.app_context():
        rows = db.session().scalars(
            select(AuditEvent).where(AuditEvent.object_ref == reference).order_by(AuditEvent.id)
        )
        return [(e.action, e.detail) for e in rows]


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session().scalar(select(func.count()).select_from(model)) or 0)


def _errors(page: str) -> list[str]:
    """The fields the error summary links to, each checked to exist on the page."""
    summary = page.split('govuk-error-summary__list"', 1)
    targets = re.findall(r'<a href="#([\w-]+)">', summary[1].split("</ul>", 1)[0]) if len(summary) > 1 else []
    for target in targets:
        assert f'id="{target}"' in page, f"the error summary links to #{target}, which is not on the page"
    return targets


def _profile(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "reference": "YP-9001",
        "dob-day": "1",
        "dob-month": "2",
        "dob-year": str(YEAR - 14),
        "sex": "2",
        "ethnicity": "BAFR",
        "home-postcode": KNOWN,
        "risks": ["going_missing", "criminal_exploitation"],
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


# --- who sees what --------------------------------------------------------------------


def test_pages_need_sign_in(client: FlaskClient) -> None:
    """A signed-out visitor is sent to sign in, for pages and for posts."""
    for path in ["/young-people/", "/young-people/new", "/young-people/YP-T1", "/young-people/YP-T1/missing/new"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/sign-in" in response.headers["Location"]
    token = csrf_token(client, "/sign-in")
    assert "/sign-in" in client.post("/young-people/YP-T1/edit", data={"csrf_token": token}).headers["Location"]


def test_commissioner_sees_no_childs_record(commissioner: FlaskClient) -> None:
    """Commissioners see aggregates only: every young person page is a 403."""
    for path in ["/young-people/", "/young-people/new", "/young-people/YP-T1", "/young-people/YP-T1/groups/new"]:
        assert commissioner.get(path).status_code == 403, path
    token = csrf_token(commissioner, "/supply")
    assert commissioner.post("/young-people/new", data={"csrf_token": token}).status_code == 403


def test_list_shows_own_authority_with_age_and_open_referrals(po: FlaskClient) -> None:
    """The list holds the user's authority's children only, with age and open referral count."""
    page = po.get("/young-people/").get_data(as_text=True)
    assert "YP-T1" in page and "YP-S1" not in page and "YP-S2" not in page
    row = page.split(">YP-T1</a>", 1)[1].split("</tr>", 1)[0]
    assert [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", row)][:3] == ["15", "Male", "1"]
    assert "Add a young person" in page


def test_list_searches_by_reference(po: FlaskClient) -> None:
    """Search matches part of a reference, in any case; a miss says so."""
    page = po.get("/young-people/?q=t1").get_data(as_text=True)
    assert "YP-T1" in page and "found for" in page
    missed = po.get("/young-people/?q=S1").get_data(as_text=True)
    assert "YP-S1" not in missed and "has a reference containing" in missed
    # Wildcards are matched literally.
    assert "YP-T1" not in po.get("/young-people/?q=%25").get_data(as_text=True)


def test_the_list_is_paged(app: Flask, salford: FlaskClient) -> None:
    """Fifty to a page, with the search kept; a page past the end shows the last one."""
    with app.app_context():
        for n in range(55):
            young_people.add_young_person(_person(f"YP-P{n:03d}", SALFORD))
        db.commit()
    first = salford.get("/young-people/?q=YP-P").get_data(as_text=True)
    assert "55 found" in first and "page 1 of 2" in first and "YP-P049" in first and "YP-P050" not in first
    assert "q=YP-P&amp;page=2" in first
    last = salford.get("/young-people/?q=YP-P&page=99").get_data(as_text=True)
    assert "page 2 of 2" in last and "YP-P054" in last


def test_another_authoritys_child_is_not_found(salford: FlaskClient) -> None:
    """Salford's officer gets 404 for Manchester's child on every page and post, not 403."""
    for path in [
        "/young-people/YP-T1",
        "/young-people/YP-T1/edit",
        "/young-people/YP-T1/groups/new",
        "/young-people/YP-T1/missing/new",
    ]:
        assert salford.get(path).status_code == 404, path
    token = csrf_token(salford, "/young-people/")
    assert salford.post("/young-people/YP-T1/edit", data={"csrf_token": token}).status_code == 404
    assert salford.get("/young-people/YP-S2").status_code == 200


def test_viewing_a_record_is_audited(app: Flask, po: FlaskClient) -> None:
    """Each view of a young person's record writes an audit event naming the reference."""
    before = _events(app, "YP-T1").count(("view", "record"))
    page = po.get("/young-people/YP-T1").get_data(as_text=True)
    assert "Redline" in page and "Mother" in page and "Criminal exploitation".lower() in page.lower()
    assert _events(app, "YP-T1").count(("view", "record")) == before + 1


def test_managers_see_records_without_edit_links_and_may_not_change_them(
    app: Flask, managers: list[FlaskClient], child: str
) -> None:
    """Nominated officers, directors and admins read a record; changing it is a 403."""
    for client in managers:
        page = client.get(f"/young-people/{child}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Change" not in text and "Record a missing episode" not in text and "Add a link" not in text
        assert "Add a young person" not in client.get("/young-people/").get_data(as_text=True)
        for path in [
            "/young-people/new",
            f"/young-people/{child}/edit",
            f"/young-people/{child}/support-network/new",
            f"/young-people/{child}/missing/new",
        ]:
            assert client.get(path).status_code == 403, path
        token = csrf_token(client, "/young-people/")
        for path in ["/young-people/new", f"/young-people/{child}/edit", f"/young-people/{child}/missing/new"]:
            assert client.post(path, data={**_profile(), "csrf_token": token}).status_code == 403, path
    assert _get(app, child).risks == []


def test_a_post_without_csrf_token_is_refused(app: Flask, sw: FlaskClient) -> None:
    """A form posted without its CSRF token is a 400 and writes nothing."""
    before = _count(app, YoungPerson)
    response = sw.post("/young-people/new", data=_profile(reference="YP-8001"))
    assert response.status_code == 400
    assert _count(app, YoungPerson) == before


# --- creating and changing the profile -------------------------------------------------


def test_social_worker_adds_a_young_person_by_postcode(app: Flask, sw: FlaskClient) -> None:
    """The new record belongs to the user's authority, with the home resolved from the postcode."""
    assert "Add a young person" in sw.get("/young-people/new").get_data(as_text=True)
    response = _send(sw, "/young-people/new", _profile(reference="yp-9001"), "/young-people/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/young-people/YP-9001")
    person = _get(app, "YP-9001")
    assert person.responsible_authority_code == MANCHESTER
    assert (person.home_postcode, person.home_lat, person.home_lon) == (KNOWN, *KNOWN_AT)
    assert person.risks == ["criminal_exploitation", "going_missing"]
    assert (person.sex, person.ethnicity, person.date_of_birth) == ("2", "BAFR", date(YEAR - 14, 2, 1))
    assert ("create", "profile") in _events(app, "YP-9001")
    page = sw.get("/young-people/YP-9001").get_data(as_text=True)
    assert "Young person YP-9001 added" in page and "Black African (BAFR)" in page


def test_placement_officer_adds_a_young_person_by_coordinates(app: Flask, po: FlaskClient) -> None:
    """Latitude and longitude work without any postcode."""
    form = _profile(reference="YP-9002", **{"home-postcode": None, "home-lat": "53.41", "home-lon": "-2.15"})
    assert _send(po, "/young-people/new", form).status_code == 302
    person = _get(app, "YP-9002")
    assert (person.home_postcode, person.home_lat, person.home_lon) == (None, 53.41, -2.15)


def test_an_empty_profile_names_every_field_and_writes_nothing(app: Flask, sw: FlaskClient) -> None:
    """Every missing answer is named in the error summary, linked to its field."""
    before = _count(app, YoungPerson)
    response = _send(sw, "/young-people/new", {})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _errors(page) == ["reference", "dob-day", "sex", "ethnicity", "home-postcode"]
    assert "Enter the reference" in page and "Enter the date of birth" in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error:" in page
    assert _count(app, YoungPerson) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reference": "Jane Smith"}, "reference", "never a name"),
        ({"reference": "JANESMITH"}, "reference", "at least one number"),
        ({"reference": "YP-T1"}, "reference", "Reference YP-T1 is already in use"),
        ({"dob-year": str(YEAR + 1)}, "dob-day", "Date of birth must be today or in the past"),
        ({"dob-year": str(YEAR - 19)}, "dob-day", "must be under 18"),  # 18 or 19, whatever the day
        ({"dob-month": "13"}, "dob-day", "Date of birth must be a real date"),
        ({"dob-month": ""}, "dob-month", "Date of birth must include a month"),
        ({"sex": "9"}, "sex", "Select the young person"),
        ({"ethnicity": "ZZZZ"}, "ethnicity", "Select the young person"),
        ({"home-postcode": UNKNOWN}, "home-postcode", f"Postcode {UNKNOWN} is not in the postcode lookup"),
        ({"home-postcode": "NOT A CODE"}, "home-postcode", "Enter a real postcode"),
        ({"home-lat": "53.4"}, "home-postcode", "not both"),
        ({"home-postcode": None, "home-lat": "153.4", "home-lon": "-2"}, "home-lat", "between -90 and 90"),
        ({"home-postcode": None, "home-lat": "53.4", "home-lon": "west"}, "home-lon", "must be a number"),
        ({"home-postcode": None, "home-lat": "53.4"}, "home-lon", "Enter the longitude"),
        ({"risks": ["flying"]}, "risks", "Choose only from the listed options"),
    ],
)
def test_a_profile_problem_names_the_field_and_keeps_what_was_typed(
    app: Flask, sw: FlaskClient, changes: dict[str, Any], field: str, message: str
) -> None:
    """One bad answer: 400, the field named and linked, everything typed still there, nothing written."""
    before = _count(app, YoungPerson)
    form = _profile(**{"reference": "YP-8002", **changes})
    response = _send(sw, "/young-people/new", form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _errors(page) == [field]
    assert message in page
    for name in ("dob-day", "dob-year"):
        assert f'name="{name}" type="text" value="{form[name]}"' in page
    if "home-postcode" in form:
        assert f'value="{form["home-postcode"]}"' in page
    assert _count(app, YoungPerson) == before


def test_unknown_postcode_suggests_coordinates(sw: FlaskClient) -> None:
    """A postcode not in the lookup table is named, and coordinates are suggested instead."""
    page = _send(sw, "/young-people/new", _profile(**{"home-postcode": "zz99zz"})).get_data(as_text=True)
    assert "Postcode ZZ9 9ZZ is not in the postcode lookup: enter the latitude and longitude for home instead" in page


def test_editing_the_profile_audits_the_fields_changed_without_values(app: Flask, sw: FlaskClient, child: str) -> None:
    """The edit form shows what is stored; saving records the names of changed fields only."""
    form_page = sw.get(f"/young-people/{child}/edit").get_data(as_text=True)
    assert 'value="53.47"' in form_page and 'value="MWBC" selected' in form_page
    assert f"{child}" in form_page and 'name="reference"' not in form_page
    form = _profile(
        reference=None,
        **{"dob-day": "1", "dob-month": "6", "dob-year": str(YEAR - 14), "ethnicity": "MWBC"},
        sex="2",
        risks=["self_harm"],
    )
    response = _send(sw, f"/young-people/{child}/edit", form)
    assert response.status_code == 302
    person = _get(app, child)
    assert person.risks == ["self_harm"] and person.home_postcode == KNOWN and person.updated_at is not None
    detail = _events(app, child)[-1]
    assert detail == ("update", "changed profile: home_postcode, home_lat, home_lon, risks")
    assert "M1" not in (detail[1] or "") and "self_harm" not in (detail[1] or "")


def test_a_bad_edit_changes_nothing(app: Flask, sw: FlaskClient, child: str) -> None:
    """One bad field on the edit form: the others are not saved either."""
    form = _profile(reference=None, **{"home-postcode": None, "home-lat": "91", "home-lon": "-2"}, risks=["self_harm"])
    response = _send(sw, f"/young-people/{child}/edit", form)
    assert response.status_code == 400 and _errors(response.get_data(as_text=True)) == ["home-lat"]
    person = _get(app, child)
    assert person.risks == [] and person.home_lat == 53.47 and person.updated_at is None


# --- groups, people to avoid, risk locations, support network -------------------------


def _review_by(day: date) -> dict[str, str]:
    return {"review_by-day": str(day.day), "review_by-month": str(day.month), "review_by-year": str(day.year)}


def test_group_links_are_added_changed_and_removed(app: Flask, sw: FlaskClient, child: str) -> None:
    """A link keeps its source, confidence and review date; a duplicate is refused."""
    base = f"/young-people/{child}/groups"
    review = TODAY + timedelta(days=90)
    link = {"group": "G-ARROW", "relationship_kind": "affiliated", "source": "Strategy meeting", "confidence": "low"}
    page = sw.get(f"{base}/new").get_data(as_text=True)
    assert "Blue Arrow (G-ARROW)" in page
    assert _send(sw, f"{base}/new", {**link, **_review_by(review)}).status_code == 302
    again = _send(sw, f"{base}/new", {**link, **_review_by(review)})
    assert again.status_code == 400 and "already linked to the Blue Arrow group" in again.get_data(as_text=True)
    (stored,) = _get(app, child).group_links
    assert (stored.group.code, stored.source, stored.confidence, stored.review_by) == (
        "G-ARROW",
        "Strategy meeting",
        "low",
        review,
    )
    edit = sw.get(f"{base}/{stored.id}").get_data(as_text=True)
    assert 'value="Strategy meeting"' in edit and "Remove this link to a group" in edit
    changed = _send(sw, f"{base}/{stored.id}", {**link, "confidence": "high", **_review_by(review)})
    assert changed.status_code == 302
    assert _events(app, child)[-1] == ("update", f"changed group link {stored.id}: confidence")
    assert _send(sw, f"{base}/{stored.id}/remove", {}).status_code == 302
    assert _get(app, child).group_links == []
    assert _events(app, child)[-1] == ("remove", f"removed group link {stored.id}")


def test_group_link_problems_are_named(app: Flask, sw: FlaskClient, child: str) -> None:
    """Unknown group, missing source, past review date: each named, nothing written."""
    form = {"group": "G-NOPE", "relationship_kind": "friend", "source": "", "confidence": "certain"}
    response = _send(sw, f"/young-people/{child}/groups/new", {**form, **_review_by(TODAY - timedelta(days=1))})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _errors(page) == ["group", "relationship_kind", "source", "confidence", "review_by-day"]
    assert "Review date must be today or in the future" in page
    assert _get(app, child).group_links == []


def test_a_link_past_its_review_date_is_shown_as_overdue(app: Flask, po: FlaskClient, child: str) -> None:
    """A review date in the past shows a "Review overdue" tag on the record."""
    with app.app_context():
        person = young_people.get_by_reference(child)
        assert person is not None
        red = db.session().scalars(select(Group).where(Group.code == "G-RED")).one()
        person.group_links.append(
            YoungPersonGroup(
                group=red,
                relationship_kind="exploited_by",
                source="Panel",
                confidence="medium",
                review_by=date(2020, 1, 1),
            )
        )
        db.commit()
    page = po.get(f"/young-people/{child}").get_data(as_text=True)
    assert "Review overdue" in page and "Exploited by" in page


def test_people_to_avoid_are_added_changed_and_removed(app: Flask, sw: FlaskClient, child: str) -> None:
    """References only: a name, the child's own reference and a duplicate are refused."""
    base = f"/young-people/{child}/people-to-avoid"
    assert _send(sw, f"{base}/new", {"person_reference": "res-0007", "reason": "Older peer"}).status_code == 302
    for reference, message in [
        ("John Smith", "never a name"),
        (child, "must be someone else"),
        ("RES-0007", "already on the list"),
    ]:
        response = _send(sw, f"{base}/new", {"person_reference": reference, "reason": "x"})
        assert response.status_code == 400 and message in response.get_data(as_text=True), reference
    (stored,) = _get(app, child).people_to_avoid
    assert (stored.person_reference, stored.reason) == ("RES-0007", "Older peer")
    assert _send(sw, f"{base}/{stored.id}", {"person_reference": "RES-0007", "reason": ""}).status_code == 400
    assert _send(sw, f"{base}/{stored.id}", {"person_reference": "RES-0007", "reason": "Recruiter"}).status_code == 302
    assert _get(app, child).people_to_avoid[0].reason == "Recruiter"
    assert _send(sw, f"{base}/{stored.id}/remove", {}).status_code == 302
    assert _get(app, child).people_to_avoid == []


def test_risk_locations_are_added_changed_and_removed(app: Flask, sw: FlaskClient, child: str) -> None:
    """By postcode or coordinates, with a radius and a source."""
    base = f"/young-people/{child}/risk-locations"
    form = {"label": "Address linked to exploitation", "location-postcode": KNOWN, "radius_km": "1.5", "source": "RHI"}
    assert _send(sw, f"{base}/new", form).status_code == 302
    (stored,) = _get(app, child).risk_locations
    assert (stored.lat, stored.lon, stored.radius_km, stored.source) == (*KNOWN_AT, 1.5, "RHI")
    edit = sw.get(f"{base}/{stored.id}").get_data(as_text=True)
    assert 'value="53.4808"' in edit and 'value="1.5"' in edit
    bad = _send(sw, f"{base}/{stored.id}", {**form, "radius_km": "-1", "location-postcode": UNKNOWN})
    assert bad.status_code == 400 and _errors(bad.get_data(as_text=True)) == ["location-postcode", "radius_km"]
    assert _get(app, child).risk_locations[0].radius_km == 1.5
    moved = {**form, "location-postcode": "", "location-lat": "53.5", "location-lon": "-2.3", "radius_km": "2"}
    assert _send(sw, f"{base}/{stored.id}", moved).status_code == 302
    assert _events(app, child)[-1] == ("update", f"changed risk location {stored.id}: lat, lon, radius_km")
    assert _send(sw, f"{base}/{stored.id}/remove", {}).status_code == 302
    assert _get(app, child).risk_locations == []


def test_support_links_are_added_changed_and_removed(app: Flask, po: FlaskClient, child: str) -> None:
    """Label, kind, importance, visits and an optional furthest distance, located by coordinates."""
    base = f"/young-people/{child}/support-network"
    form = {
        "label": "Youth worker",
        "kind": "youth_worker",
        "importance": "essential",
        "visits_per_month": "4",
        "max_km": "",
        "location-lat": "53.48",
        "location-lon": "-2.24",
    }
    bad = _send(po, f"{base}/new", {**form, "kind": "uncle", "visits_per_month": "-2", "max_km": "0"})
    assert bad.status_code == 400
    assert _errors(bad.get_data(as_text=True)) == ["kind", "visits_per_month", "max_km"]
    assert 'value="Youth worker"' in bad.get_data(as_text=True)
    assert _send(po, f"{base}/new", form).status_code == 302
    (stored,) = _get(app, child).support_links
    assert (stored.kind, stored.importance, stored.visits_per_month, stored.max_km) == (
        "youth_worker",
        "essential",
        4.0,
        None,
    )
    assert _send(po, f"{base}/{stored.id}", {**form, "max_km": "30"}).status_code == 302
    assert _get(app, child).support_links[0].max_km == 30.0
    assert _send(po, f"{base}/{stored.id}/remove", {}).status_code == 302
    assert _get(app, child).support_links == []


def test_parts_of_another_childs_record_are_not_found(app: Flask, sw: FlaskClient, child: str) -> None:
    """An item id belonging to another child, or an unknown kind of part, is a 404."""
    salford_link = _get(app, "YP-S2").support_links[0].id
    assert sw.get(f"/young-people/{child}/support-network/{salford_link}").status_code == 404
    token = csrf_token(sw, "/young-people/")
    assert (
        sw.post(f"/young-people/{child}/support-network/{salford_link}/remove", data={"csrf_token": token}).status_code
        == 404
    )
    assert sw.get(f"/young-people/{child}/pets/new").status_code == 404
    assert len(_get(app, "YP-S2").support_links) == 1


# --- missing episodes and the return home interview -----------------------------------


def _moment(prefix: str, at: datetime) -> dict[str, str]:
    return {
        f"{prefix}-day": str(at.day),
        f"{prefix}-month": str(at.month),
        f"{prefix}-year": str(at.year),
        f"{prefix}-time": f"{at:%H:%M}",
    }


def _add_episode(client: FlaskClient, child: str, start: datetime) -> int:
    form = {"kind": "M", "reported_by": "school", **_moment("start", start)}
    response = _send(client, f"/young-people/{child}/missing/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_missing_episode_is_recorded_returned_and_interviewed(app: Flask, sw: FlaskClient, child: str) -> None:
    """Start, return (with where found), then the interview offered in time."""
    start = (datetime.now() - timedelta(days=5)).replace(second=0, microsecond=0)
    episode_id = _add_episode(sw, child, start)
    base = f"/young-people/{child}/missing/{episode_id}"
    page = sw.get(base).get_data(as_text=True)
    assert "Still missing" in page and "Record the return" in page

    end = start + timedelta(days=1)
    returned = {**_moment("end", end), "where_found": "A flat in another town", "found-postcode": KNOWN}
    assert _send(sw, f"{base}/return", returned).status_code == 302
    page = sw.get(base).get_data(as_text=True)
    assert "RHI overdue" in page  # returned four days ago, nothing offered

    interview = {
        "offered": "yes",
        **_moment("offered_at", end + timedelta(hours=20)),
        "accepted": "yes",
        "held-day": str((end + timedelta(days=1)).day),
        "held-month": str((end + timedelta(days=1)).month),
        "held-year": str((end + timedelta(days=1)).year),
        "provider": "Independent RHI service",
    }
    assert _send(sw, f"{base}/return-home-interview", interview).status_code == 302
    episode = _get(app, child).missing_episodes[0]
    assert (episode.end, episode.where_found, episode.found_lat, episode.found_lon) == (
        end,
        "A flat in another town",
        *KNOWN_AT,
    )
    assert (episode.rhi_offered, episode.rhi_offered_at, episode.rhi_accepted) == (
        True,
        end + timedelta(hours=20),
        True,
    )
    assert episode.rhi_provider == "Independent RHI service" and episode.risk_location_id is None
    assert f"Offered within {RHI_DUE_HOURS} hours" in sw.get(f"/young-people/{child}").get_data(as_text=True)
    # The found location is not a risk location until a worker says so.
    assert _get(app, child).risk_locations == []
    events = _events(app, child)
    assert ("add", f"added missing episode {episode_id}") in events
    assert (
        "update",
        f"changed missing episode {episode_id} return: end, where_found, found_lat, found_lon",
    ) in events
    edit = sw.get(f"{base}/return-home-interview").get_data(as_text=True)
    assert 'value="Independent RHI service"' in edit


def test_missing_episode_problems_are_named(app: Flask, sw: FlaskClient, child: str) -> None:
    """A start in the future or a bad time is named; nothing is written."""
    later = datetime.now() + timedelta(days=2)
    response = _send(
        sw, f"/young-people/{child}/missing/new", {"kind": "X", **_moment("start", later), "start-time": "25:00"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _errors(page) == ["kind", "start-time", "reported_by"]
    assert "24-hour clock" in page
    response = _send(
        sw, f"/young-people/{child}/missing/new", {"kind": "A", "reported_by": "carer", **_moment("start", later)}
    )
    assert _errors(response.get_data(as_text=True)) == ["start-day"]
    assert _get(app, child).missing_episodes == []


def test_return_and_interview_problems_change_nothing(app: Flask, sw: FlaskClient, child: str) -> None:
    """A return before the start, an interview before the return: named, and nothing saved."""
    start = (datetime.now() - timedelta(days=3)).replace(second=0, microsecond=0)
    episode_id = _add_episode(sw, child, start)
    base = f"/young-people/{child}/missing/{episode_id}"
    early = {**_moment("end", start - timedelta(hours=1)), "where_found": "Park"}
    response = _send(sw, f"{base}/return", early)
    assert response.status_code == 400 and "Return must be after the start" in response.get_data(as_text=True)
    assert ">Park</textarea>" in response.get_data(as_text=True)
    # No interview before a return.
    blocked = _send(sw, f"{base}/return-home-interview", {"offered": "yes"})
    assert blocked.status_code == 400 and "Record the return first" in blocked.get_data(as_text=True)
    assert _errors(blocked.get_data(as_text=True)) == ["offered"]

    end = start + timedelta(hours=5)
    assert _send(sw, f"{base}/return", {**_moment("end", end), "where_found": "Park"}).status_code == 302
    bad = {"offered": "yes", **_moment("offered_at", end - timedelta(hours=1)), "accepted": "no", "held-day": "1"}
    response = _send(sw, f"{base}/return-home-interview", bad)
    assert response.status_code == 400
    assert _errors(response.get_data(as_text=True)) == ["offered_at-day", "held-month"]
    muddled = {"offered": "no", **_moment("offered_at", end)}
    assert _errors(_send(sw, f"{base}/return-home-interview", muddled).get_data(as_text=True)) == ["offered"]
    # No found location on the map: nothing to make a risk location of.
    nowhere = _send(sw, f"{base}/risk-location", {"label": "Park", "radius_km": "1", "confirm": "yes"})
    assert nowhere.status_code == 400 and _errors(nowhere.get_data(as_text=True)) == ["risk-location"]
    assert "Record where the young person was found" in nowhere.get_data(as_text=True)
    episode = _get(app, child).missing_episodes[0]
    assert episode.rhi_offered is False and episode.rhi_offered_at is None
    assert _get(app, child).risk_locations == []
    assert episode.end == end and episode.found_lat is None
    assert "RHI due by" in sw.get(base).get_data(as_text=True)


def test_a_worker_turns_a_found_location_into_a_risk_location(app: Flask, sw: FlaskClient, child: str) -> None:
    """Only with a radius and a confirmation; the source names the episode; the episode points at it."""
    start = datetime(2026, 3, 7, 22, 15)
    episode_id = _add_episode(sw, child, start)
    base = f"/young-people/{child}/missing/{episode_id}"
    found = {
        **_moment("end", start + timedelta(hours=30)),
        "where_found": "Flat in another town",
        "found-lat": "53.1",
        "found-lon": "-1.9",
    }
    assert _send(sw, f"{base}/return", found).status_code == 302
    page = sw.get(base).get_data(as_text=True)
    assert "Make the found location a risk location" in page and 'value="Flat in another town"' in page

    unconfirmed = _send(sw, f"{base}/risk-location", {"label": "Flat", "radius_km": "x"})
    assert unconfirmed.status_code == 400
    assert _errors(unconfirmed.get_data(as_text=True)) == ["radius_km", "confirm"]
    assert _get(app, child).risk_locations == []

    made = _send(sw, f"{base}/risk-location", {"label": "Flat", "radius_km": "0.5", "confirm": "yes"})
    assert made.status_code == 302
    person = _get(app, child)
    (location,) = person.risk_locations
    assert (location.label, location.lat, location.lon, location.radius_km) == ("Flat", 53.1, -1.9, 0.5)
    assert location.source == "found location of missing episode starting 7 March 2026"
    assert person.missing_episodes[0].risk_location_id == location.id
    assert "Make the found location a risk location" not in sw.get(base).get_data(as_text=True)
    again = _send(sw, f"{base}/risk-location", {"label": "Flat", "radius_km": "0.5", "confirm": "yes"})
    assert again.status_code == 400 and _errors(again.get_data(as_text=True)) == ["risk-location"]
    assert len(_get(app, child).risk_locations) == 1

    # Removing the risk location unlinks the episode, which may then be made one again.
    assert _send(sw, f"/young-people/{child}/risk-locations/{location.id}/remove", {}).status_code == 302
    assert _get(app, child).missing_episodes[0].risk_location_id is None
    assert "Make the found location a risk location" in sw.get(base).get_data(as_text=True)


def test_managers_see_episodes_but_cannot_record_them(
    app: Flask, managers: list[FlaskClient], sw: FlaskClient, child: str
) -> None:
    """Episode pages are read-only for managers: no forms, and 403 on every post."""
    episode_id = _add_episode(sw, child, datetime.now() - timedelta(days=1))
    base = f"/young-people/{child}/missing/{episode_id}"
    client = managers[0]
    page = client.get(base)
    assert page.status_code == 200 and "Record the return" not in page.get_data(as_text=True)
    token = csrf_token(client, "/young-people/")
    for path in [f"{base}/edit", f"{base}/return", f"{base}/return-home-interview", f"{base}/risk-location"]:
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    assert client.get(f"{base}/return").status_code == 403


def test_another_authoritys_episode_is_not_found(app: Flask, sw: FlaskClient, child: str) -> None:
    """Salford's episode through a Manchester child's address, or directly: 404."""
    salford_episode = _get(app, "YP-S2").missing_episodes[0].id
    assert sw.get(f"/young-people/{child}/missing/{salford_episode}").status_code == 404
    assert sw.get(f"/young-people/YP-S2/missing/{salford_episode}").status_code == 404


def test_changing_an_episode(app: Flask, sw: FlaskClient, child: str) -> None:
    """The details can be corrected; the audit names the fields."""
    start = (datetime.now() - timedelta(days=2)).replace(second=0, microsecond=0)
    episode_id = _add_episode(sw, child, start)
    form = sw.get(f"/young-people/{child}/missing/{episode_id}/edit").get_data(as_text=True)
    assert f'value="{start:%H:%M}"' in form
    changed = {"kind": "A", "reported_by": "police", **_moment("start", start)}
    assert _send(sw, f"/young-people/{child}/missing/{episode_id}/edit", changed).status_code == 302
    assert _events(app, child)[-1] == ("update", f"changed missing episode {episode_id}: kind, reported_by")


def test_repeat_missing_is_flagged_on_the_record_and_the_list(app: Flask, po: FlaskClient, child: str) -> None:
    """Three missing episodes in 90 days raise a flag; older ones, and away ones not marked missing, do not count."""
    now = datetime.now()
    with app.app_context():
        person = young_people.get_by_reference(child)
        assert person is not None
        for days in (200, 60, 30):
            person.missing_episodes.append(
                MissingEpisode(kind="M", start=now - timedelta(days=days), reported_by="carer")
            )
        db.commit()
    assert "Repeat missing" not in po.get(f"/young-people/{child}").get_data(as_text=True)
    with app.app_context():
        person = young_people.get_by_reference(child)
        assert person is not None
        person.missing_episodes.append(MissingEpisode(kind="A", start=now - timedelta(days=2), reported_by="police"))
        db.commit()
    assert "Repeat missing" not in po.get(f"/young-people/{child}").get_data(as_text=True)
    with app.app_context():
        person = young_people.get_by_reference(child)
        assert person is not None
        person.missing_episodes.append(MissingEpisode(kind="M", start=now - timedelta(days=1), reported_by="police"))
        db.commit()
    page = po.get(f"/young-people/{child}").get_data(as_text=True)
    assert "Repeat missing" in page and "3 missing episodes in the last 90 days" in page
    listed = po.get(f"/young-people/?q={child}").get_data(as_text=True)
    assert "Repeat missing" in listed


def _episode(end: datetime | None, offered_at: datetime | None = None) -> MissingEpisode:
    return MissingEpisode(
        kind="M",
        start=datetime(2026, 1, 1, 12, 0),
        end=end,
        reported_by="carer",
        rhi_offered=offered_at is not None,
        rhi_offered_at=offered_at,
    )


def test_the_rhi_clock() -> None:
    """Due 72 hours after the return; overdue only when not offered and past due; late or in time once offered."""
    end = datetime(2026, 1, 2, 9, 0)
    due = end + timedelta(hours=72)
    assert rhi_clock(_episode(None), end).status == "missing"
    clock = rhi_clock(_episode(end), due)
    assert (clock.status, clock.due, clock.text) == ("due", due, "RHI due by 5 January 2026 at 09:00")
    assert rhi_clock(_episode(end), due + timedelta(minutes=1)).text == "RHI overdue"
    assert rhi_clock(_episode(end, due), due + timedelta(days=9)).text == "Offered within 72 hours"
    assert rhi_clock(_episode(end, due + timedelta(minutes=1)), due).text == "Offered late"


def test_pages_are_not_cached(sw: FlaskClient) -> None:
    """The record holds personal data: never stored by the browser."""
    assert sw.get("/young-people/YP-T1").headers["Cache-Control"] == "no-store"


# --- time not known, and away episodes -------------------------------------------------


def _day(prefix: str, at: datetime) -> dict[str, str]:
    """A date with the "time not known" box ticked and no time."""
    return {
        f"{prefix}-day": str(at.day),
        f"{prefix}-month": str(at.month),
        f"{prefix}-year": str(at.year),
        f"{prefix}-time-unknown": "yes",
    }


def test_the_rhi_clock_when_only_the_day_of_return_is_known() -> None:
    """The 72 hours run from the end of the day of return: due at the end of the third day after it."""
    episode = _episode(datetime(2026, 1, 2))
    episode.end_time_known = False
    due = datetime(2026, 1, 6)  # midnight at the end of 5 January
    clock = rhi_clock(episode, datetime(2026, 1, 5, 23, 59))
    assert (clock.status, clock.due, clock.text) == ("due", due, "RHI due by the end of 5 January 2026")
    assert rhi_clock(episode, due + timedelta(minutes=1)).status == "overdue"
    # An offer late on the day of return is in time, whatever the hour of the return was.
    episode.rhi_offered, episode.rhi_offered_at = True, datetime(2026, 1, 5, 22, 0)
    assert rhi_clock(episode, due).status == "offered_in_time"


def test_an_away_episode_has_no_interview_clock_until_marked_missing() -> None:
    """SSDA903 A: no clock, no task; once marked missing, the clock applies."""
    away = MissingEpisode(kind="A", start=datetime(2026, 1, 1), end=datetime(2026, 1, 2, 9, 0), reported_by="carer")
    assert rhi_clock(away, datetime(2026, 2, 1)).status == "away"
    away.marked_missing_at = datetime(2026, 1, 2, 10, 0)
    assert rhi_clock(away, datetime(2026, 2, 1)).status == "overdue"


def test_a_return_with_time_not_known_is_recorded_and_shown_without_midnight(
    app: Flask, sw: FlaskClient, child: str
) -> None:
    """The form accepts "time not known" for the start and the return; the page never says 00:00."""
    start = (datetime.now() - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    form = {"kind": "M", "reported_by": "carer", **_day("start", start)}
    response = _send(sw, f"/young-people/{child}/missing/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    base = response.headers["Location"]
    page = sw.get(base).get_data(as_text=True)
    assert f"Missing from {start.day} {start:%B %Y}, time not known" in page

    # Ticking "time not known" and giving a time is a contradiction, named on the time.
    both = {**_moment("end", start + timedelta(days=1)), "end-time-unknown": "yes", "where_found": "Park"}
    response = _send(sw, f"{base}/return", both)
    assert response.status_code == 400 and _errors(response.get_data(as_text=True)) == ["end-time"]

    # The same day as the start is allowed when the times are not known.
    assert _send(sw, f"{base}/return", {**_day("end", start), "where_found": "Park"}).status_code == 302
    episode = _get(app, child).missing_episodes[0]
    assert (episode.start_time_known, episode.end, episode.end_time_known) == (False, start, False)
    page = sw.get(base).get_data(as_text=True)
    last = start + timedelta(days=3)
    assert f"{start.day} {start:%B %Y}, time not known" in page
    assert f"the end of {last.day} {last:%B %Y}" in page
    assert "at 00:00" not in page
    # The form shows the box ticked and no time, so saving it again changes nothing.
    edit = sw.get(f"{base}/return").get_data(as_text=True)
    assert 'id="end-time-unknown" name="end-time-unknown" type="checkbox" value="yes" checked' in edit
    assert "at 00:00" not in sw.get(f"/young-people/{child}").get_data(as_text=True)
    # A time found out later replaces "not known".
    known = {**_moment("end", start.replace(hour=18)), "where_found": "Park"}
    assert _send(sw, f"{base}/return", known).status_code == 302
    assert _get(app, child).missing_episodes[0].end_time_known is True


def test_away_episodes_are_shown_apart_and_a_worker_may_mark_one_missing(
    app: Flask, sw: FlaskClient, child: str
) -> None:
    """An away episode sits in its own table until a worker confirms it was missing; who and when are kept."""
    start = (datetime.now() - timedelta(days=2)).replace(second=0, microsecond=0)
    form = {"kind": "A", "reported_by": "carer", **_moment("start", start)}
    base = _send(sw, f"/young-people/{child}/missing/new", form).headers["Location"]
    profile = sw.get(f"/young-people/{child}").get_data(as_text=True)
    assert 'id="away-episodes"' in profile and 'id="missing-episodes"' not in profile
    page = sw.get(base).get_data(as_text=True)
    assert "Away from placement from" in page and "Mark as missing" in page

    unconfirmed = _send(sw, f"{base}/mark-missing", {})
    assert unconfirmed.status_code == 400 and _errors(unconfirmed.get_data(as_text=True)) == ["confirm_missing"]
    assert _get(app, child).missing_episodes[0].marked_missing_at is None

    assert _send(sw, f"{base}/mark-missing", {"confirm_missing": "yes"}).status_code == 302
    episode = _get(app, child).missing_episodes[0]
    assert episode.kind == "A" and episode.marked_missing_at is not None
    assert abs(episode.marked_missing_at - datetime.now()) < timedelta(minutes=1)
    profile = sw.get(f"/young-people/{child}").get_data(as_text=True)
    missing_table = profile.split('id="missing-episodes"')[1].split("</table>")[0]
    assert "(marked missing)" in missing_table and 'id="away-episodes"' not in profile
    page = sw.get(base).get_data(as_text=True)
    assert "Marked as missing by" in page and "Mark as missing" not in page.split("Marked as missing by")[1]
    again = _send(sw, f"{base}/mark-missing", {"confirm_missing": "yes"})
    assert again.status_code == 400 and _errors(again.get_data(as_text=True)) == ["mark-missing"]
    assert ("update", f"marked missing episode {episode.id} (away) as missing") in _events(app, child)
