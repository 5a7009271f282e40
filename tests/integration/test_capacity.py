"""The commissioners' capacity review: pages, downloads, access, suppression and scenarios."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from planner.capacity import month_key, month_words
from tests.integration.builders import DERBYSHIRE, MANCHESTER, NOW, PASSWORD, SALFORD, _person, build_world
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.capacity.repositories import capacity as capacity_repository
from web.casework.repositories import referrals, young_people
from web.models import AuditEvent, CareEpisode, CurrentResident, Placement, Referral, User, YoungPerson

PAGES = [
    "/capacity/",
    "/capacity/location",
    "/capacity/dfe",
    "/capacity/trends",
    "/capacity/equality",
    "/capacity/scenario",
]
FILTERED = "/capacity/?setting=foster&specialism=criminal_exploitation&band=14_15&band=16_17"
DOWNLOADS = [
    (
        "overview",
        ["gap", "regions", "age_bands", "settings", "specialisms", "specialist_foster", "options", "binding", "timing"],
    ),
    ("location", ["location", "location_settings"]),
    ("dfe", ["dfe_distance", "dfe_location", "dfe_starts"]),
    ("trends", ["trends_decisions", "trends_episodes"]),
    ("equality", [f"{k}_{d}" for k in ("waiting", "placed") for d in ("ethnicity", "sex", "age")]),
]
SCENARIO = {
    "line-1-places": "1",
    "line-1-setting": "foster",
    "line-1-specialisms": "sexual_exploitation",
    "line-1-authority": DERBYSHIRE,
    "line-1-age_min": "11",
    "line-1-age_max": "17",
}


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[Flask]:
    """The builders' world, a placed child, one who needs a specialism nobody offers, and six SSDA903 episodes."""
    build_world(app)
    with app.app_context():
        placed = _person("YP-PLACED1", MANCHESTER, 53.4794, -2.2453, 16)
        young_people.add_young_person(placed)
        far = db.session().scalars(select(Placement).where(Placement.code == "P-FULL")).one()
        far.residents.append(CurrentResident(person_reference="YP-PLACED1", since=date(2026, 1, 5)))
        needs = _person("YP-NEEDS1", SALFORD, 53.49, -2.29, 15)
        young_people.add_young_person(needs)
        referrals.add_referral(
            Referral(
                reference="R-NEEDS1",
                authority_code=SALFORD,
                needed_by="within_5_days",
                required_specialisms=["sexual_exploitation"],
                created_at=NOW,
                young_people=[needs],
            )
        )
        db.session().flush()
        # Last month, so every episode has started whatever day of this month the suite runs.
        month = EPISODE_MONTH
        for i in range(6):
            capacity_repository.add_care_episode(
                CareEpisode(
                    young_person_id=placed.id if i == 0 else needs.id,
                    authority_code=MANCHESTER,
                    start=month + timedelta(days=i) if i else month,
                    place="U4",
                    distance_miles=3.0 if i == 0 else 42.0,
                    location="IN" if i == 0 else "OUT",
                    source="ssda903",
                )
            )
        db.commit()
    yield app


def _last_month() -> date:
    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)


EPISODE_MONTH = _last_month()


def _references(app: Flask) -> list[str]:
    with app.app_context():
        people = list(db.session().scalars(select(YoungPerson.reference)))
        residents = list(db.session().scalars(select(CurrentResident.person_reference)))
        refs = list(db.session().scalars(select(Referral.reference)))
    return sorted(set(people + residents + refs))


def _commissioner(client: FlaskClient) -> FlaskClient:
    sign_in(client, "commissioner@manchester.test")
    return client


def test_every_page_and_download_works_for_a_commissioner_and_names_no_child(world: Flask, client: FlaskClient) -> None:
    """Every page and table download answers, and no young person's or referral's reference appears anywhere."""
    _commissioner(client)
    references = _references(world)
    assert "YP-T1" in references and "R-NEEDS1" in references
    bodies = []
    for path in [*PAGES, FILTERED]:
        response = client.get(path)
        assert response.status_code == 200, path
        bodies.append(response.get_data(as_text=True))
    token = csrf_token(client, "/capacity/scenario")
    response = client.post("/capacity/scenario", data={**SCENARIO, "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    bodies.append(response.get_data(as_text=True))
    for page, keys in DOWNLOADS:
        for key in keys:
            csv_response = client.get(f"/capacity/download/{page}/{key}.csv?setting=foster")
            assert csv_response.status_code == 200, (page, key)
            assert csv_response.mimetype == "text/csv"
            bodies.append(csv_response.get_data(as_text=True))
            xlsx = client.get(f"/capacity/download/{page}/{key}.xlsx")
            assert xlsx.status_code == 200, (page, key)
            book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
            bodies.append(" ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None))
    for body in bodies:
        for reference in references:
            assert reference not in body
        assert "/young-people/" not in body and "/referrals/" not in body


def test_casework_roles_are_refused(world: Flask, client: FlaskClient) -> None:
    """A social worker and a placement officer get 403 on every capacity page and download."""
    for email in ("sw@manchester.test", "po@manchester.test"):
        sign_in(client, email)
        for path in [*PAGES, "/capacity/download/overview/gap.csv"]:
            assert client.get(path).status_code == 403, (email, path)
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/tasks/")})


def test_small_counts_show_as_c_on_pages_and_downloads(world: Flask, client: FlaskClient) -> None:
    """Three young people waiting is a small number: the page and the CSV show c, never the count."""
    _commissioner(client)
    page = client.get("/capacity/").get_data(as_text=True)
    assert '<dd class="govuk-summary-list__value">c</dd>' in page
    csv_text = client.get("/capacity/download/overview/gap.csv").get_data(as_text=True)
    lines = csv_text.splitlines()
    assert lines[0].startswith("Region,Authority,Young people waiting")
    manchester = next(line for line in lines if ",Manchester," in line)
    assert manchester.split(",")[2] == "c"
    # Six SSDA903 episodes last month, five more than 20 miles: each figure is c or within 2 of the count.
    trends = client.get("/capacity/download/trends/trends_episodes.csv").get_data(as_text=True)
    last_month = next(line for line in trends.splitlines() if line.startswith(month_words(month_key(EPISODE_MONTH))))
    cells = last_month.split(",")
    for shown, count in ((cells[1], 6), (cells[2], 5)):
        assert shown == "c" or abs(int(shown) - count) <= 2, (shown, count)
    assert "adjusted by a small, fixed amount" in trends


def test_exports_are_audited(world: Flask, client: FlaskClient) -> None:
    """A download leaves an export audit event naming the table, not its figures."""
    _commissioner(client)
    client.get("/capacity/download/location/location.xlsx")
    with world.app_context():
        events = list(
            db.session().scalars(
                select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.object_type == "capacity_table")
            )
        )
    assert any(e.object_ref == "location/location" and e.detail == "xlsx" for e in events)


def test_bad_filters_and_scenarios_are_named_not_crashed(world: Flask, client: FlaskClient) -> None:
    """An unknown setting or a bad scenario line answers 400 naming the field; an unknown table 400."""
    _commissioner(client)
    response = client.get("/capacity/?setting=castle&months=99")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose a setting from the list" in text and "Months must be a whole number" in text
    token = csrf_token(client, "/capacity/scenario")
    bad = {**SCENARIO, "line-1-places": "lots", "line-1-postcode": "NOT A POSTCODE", "csrf_token": token}
    response = client.post("/capacity/scenario", data=bad)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'href="#line-1-places"' in text and 'href="#line-1-postcode"' in text
    assert client.get("/capacity/download/overview/nothing.csv").status_code == 400


def test_a_scenario_adding_the_missing_specialism_places_more(world: Flask, client: FlaskClient) -> None:
    """One foster place offering sexual exploitation, far from the gang areas, places the referral that needs it."""
    _commissioner(client)
    # A world this small: show every count, unadjusted, for the test.
    world.config.update(SUPPRESSION_THRESHOLD=1, DISCLOSURE_MAX_NOISE=0)
    try:
        token = csrf_token(client, "/capacity/scenario")
        response = client.post("/capacity/scenario", data={**SCENARIO, "csrf_token": token}, follow_redirects=True)
    finally:
        world.config.update(SUPPRESSION_THRESHOLD=5, DISCLOSURE_MAX_NOISE=2)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    rows = _summary(text)
    before, after = rows["Young people placed"]
    assert int(after) == int(before) + 1
    assert rows["Young people with no placement"][1] == str(int(rows["Young people with no placement"][0]) - 1)
    assert rows["Young people placed in the added places"] == ("0", "1")
    assert "Optimal" in text


def app_client_signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _summary(html: str) -> dict[str, tuple[str, str]]:
    import re

    table = html.split('id="table-scenario"', 1)[1].split("</table>", 1)[0]
    found = {}
    for measure, before, after in re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th>\s*'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]+)</td>\s*'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]+)</td>',
        table,
    ):
        found[measure] = (before, after)
    return found


def test_placement_location_counts_a_placed_child_as_dfe_does(world: Flask, client: FlaskClient) -> None:
    """The one placed child lives in Derbyshire, far from Manchester: out of area and more than 20 miles."""
    _commissioner(client)
    world.config.update(SUPPRESSION_THRESHOLD=1, DISCLOSURE_MAX_NOISE=0)
    try:
        text = client.get("/capacity/download/location/location.csv").get_data(as_text=True)
    finally:
        world.config.update(SUPPRESSION_THRESHOLD=5, DISCLOSURE_MAX_NOISE=2)
    manchester = next(line for line in text.splitlines() if line.startswith("Manchester,"))
    assert manchester.split(",")[1:8] == ["1", "0", "1", "100%", "0", "1", "100%"]


def test_a_scenarios_tables_download_with_the_same_figures_and_the_download_is_audited(
    world: Flask, client: FlaskClient
) -> None:
    """Each scenario table downloads as CSV and Excel, worked out again from the same lines."""
    _commissioner(client)
    references = _references(world)
    token = csrf_token(client, "/capacity/scenario")
    started = client.post("/capacity/scenario", data={**SCENARIO, "csrf_token": token})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]  # queued as a job
    done = client.get(started.headers["Location"])
    assert done.status_code == 302  # finished: the job's page leads to the result
    result_path = done.headers["Location"]
    page = client.get(result_path).get_data(as_text=True)
    assert 'id="scenario-downloads"' in page
    shown = _summary(page)
    for key in ("summary", "suits", "by_authority"):
        csv_response = client.get(f"{result_path}/download/{key}.csv")
        assert csv_response.status_code == 200, key
        assert csv_response.mimetype == "text/csv"
        body = csv_response.get_data(as_text=True)
        assert not any(reference in body for reference in references)
        if key == "summary":
            rows = {r[0]: (r[1], r[2]) for r in csv.reader(io.StringIO(body)) if len(r) == 4}
            assert rows["Young people placed"] == shown["Young people placed"]
        xlsx = client.get(f"{result_path}/download/{key}.xlsx")
        assert xlsx.status_code == 200
        openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert client.get(f"{result_path}/download/nothing.csv").status_code == 404
    # Another commissioner cannot open this person's scenario.
    with world.app_context():
        if "another-commissioner@salford.test" not in {u.email for u in db.session().query(User)}:
            accounts.create_user("another-commissioner@salford.test", "C2", "commissioner", SALFORD, PASSWORD)
            db.commit()
    other = app_client_signed_in(world, "another-commissioner@salford.test")
    assert other.get(result_path).status_code == 404
    assert other.get(f"{result_path}/download/summary.csv").status_code == 404
    with world.app_context():
        exported = {e.object_ref for e in db.session().query(AuditEvent).filter_by(action="export")}
        assert {"scenario/summary", "scenario/suits", "scenario/by_authority"} <= exported


def test_the_dfe_page_says_why_it_has_no_year_when_no_collection_year_has_ended(
    world: Flask, client: FlaskClient
) -> None:
    """The world's six episodes started last month: unless that month's collection year has
    ended (a suite pinned to early April), there is no year to show, and the page says so."""
    from planner.dfe_figures import year_ending, year_span

    _commissioner(client)
    html = client.get("/capacity/dfe").get_data(as_text=True)
    year = year_ending(EPISODE_MONTH)
    if date.today() >= year_span(year)[1]:
        assert f"31 March {year}" in html
    else:
        assert "cover no collection year that has ended" in html
        assert "Nothing to count under these filters." in html
    assert client.get(f"/capacity/dfe?authority={DERBYSHIRE}").status_code == 200
