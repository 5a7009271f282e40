"""police.uk import into suggested areas, and reviewing them: confirm as an area, or dismiss.

The files built here are synthetic: LSOA codes in an unused range (so no reference table
gives them to another authority), 'Testshire' names and coordinates placed beside the
test world's placements. Each import uses a year of its own, because importing the same
months again adds nothing twice. The real Essex Police file in the shared data folder
checks the attribution of LSOAs to Essex, Southend-on-Sea and Thurrock, when it is there.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from planner.authorities import lsoa_authorities
from tests.conftest import _postgres_database, make_app
from tests.integration.builders import MANCHESTER, PASSWORD, SALFORD, build_world
from tests.integration.helpers import csrf_token, post, sign_in
from web import db
from web.accounts.services import accounts
from web.accounts.services.accounts import SignedInUser
from web.data_exchange.services.imports import run_import
from web.matching.services import ranking_runs, run_exclusions
from web.models import Area, AuditEvent, ImportRun, RankingRun, SuggestedArea, User

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
# Beside the test world's placements P-FAR (53.23, -1.42) and P-RES (53.0, -1.6).
AT_P_FAR = ("E01099901", "Testshire 001A", 53.2300, -1.4200)
AT_P_RES = ("E01099902", "Testshire 001B", 53.0000, -1.6000)
ELSEWHERE = ("E01099903", "Testshire 002A", 52.5000, -1.0000)
FEW = ("E01099904", "Testshire 002B", 52.6000, -1.1000)
# A fresh year for each synthetic file, so no two imports cover the same months.
_YEARS = itertools.count(2001)
REAL_FILE = Path("/work/shared/data/police-uk/2018-01-essex-street.csv")
ESSEX, SOUTHEND, THURROCK = "E10000012", "E06000033", "E06000034"


def _rows(lsoa: tuple[str, str, float, float], crime: str, n: int, month: str = "2024-02") -> list[str]:
    code, name, lat, lon = lsoa
    return [
        f"id,{month},Test Police,Test Police,{lon:.6f},{lat:.6f},On or near Test Street,{code},{name},{crime},,"
    ] * n


def street_file(year: int | None = None) -> bytes:
    """Three LSOAs over the threshold of 10 (ranked 14, 12, 11), one under it, and unplaced rows,
    from January to March of `year` (a year no other file here used, unless given)."""
    year = next(_YEARS) if year is None else year
    lines = [
        HEADER,
        *_rows(AT_P_FAR, "Drugs", 6, f"{year}-01"),
        *_rows(AT_P_FAR, "Violence and sexual offences", 8, f"{year}-03"),
        *_rows(AT_P_RES, "Possession of weapons", 4, f"{year}-02"),
        *_rows(AT_P_RES, "Robbery", 8, f"{year}-02"),
        *_rows(ELSEWHERE, "Violence and sexual offences", 11, f"{year}-02"),
        *_rows(FEW, "Drugs", 9, f"{year}-02"),
        *_rows(ELSEWHERE, "Burglary", 20, f"{year}-02"),
        f"id,{year}-02,Test Police,Test Police,,,No location,,,Drugs,,",
    ]
    return ("\n".join(lines) + "\n").encode()


def bad_file() -> bytes:
    """Good rows, then a malformed month on row 4 and a longitude that is text on row 6."""
    lines = [
        HEADER,
        *_rows(AT_P_FAR, "Drugs", 2),
        "id,Feb 2024,Test Police,Test Police,-1.42,53.23,On or near Test Street,E01099901,Testshire 001A,Drugs,,",
        *_rows(AT_P_FAR, "Drugs", 1),
        "id,2024-02,Test Police,Test Police,west,53.23,On or near Test Street,E01099901,Testshire 001A,Drugs,,",
        *_rows(AT_P_FAR, "Drugs", 20),
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    _build(app)


def _build(app: Flask) -> None:
    """build_world, an admin, and a placement officer in Essex, Southend-on-Sea and Thurrock."""
    build_world(app)
    with app.app_context():
        accounts.create_user("admin@manchester.test", "ADMIN", "admin", MANCHESTER, PASSWORD)
        for email, code in (("po@essex.test", ESSEX), ("po@southend.test", SOUTHEND), ("po@thurrock.test", THURROCK)):
            accounts.create_user(email, email.split("@")[0].upper(), "placement_officer", code, PASSWORD)
        db.commit()


def _user(app: Flask, email: str) -> SignedInUser:
    with app.app_context():
        found = db.session().scalars(select(User).where(User.email == email)).one()
        return SignedInUser(found.id, found.name, found.email, found.role, found.authority_code, "Test authority")


def _import(app: Flask, email: str = "po@manchester.test", data: bytes | None = None, dry_run: bool = False) -> int:
    """Import through the framework as the user; the new import's id."""
    with app.test_request_context():
        outcome = run_import(
            "police_uk", {"file": ("street.csv", data or street_file())}, dry_run=dry_run, user=_user(app, email)
        )
        assert outcome.ok, outcome.problems
        assert outcome.import_id is not None or dry_run
        return outcome.import_id or 0


def _suggestions(app: Flask, import_id: int) -> list[SuggestedArea]:
    with app.app_context():
        query = select(SuggestedArea).where(SuggestedArea.import_id == import_id).order_by(SuggestedArea.rank)
        return list(db.session().scalars(query))


def _pending(app: Flask, n: int) -> SuggestedArea:
    """A suggestion still waiting for a person, for a test to confirm or refuse: from a fresh
    import when it gives enough (a re-import suggests only what earlier tests left undecided),
    else the n-th still waiting from Manchester's imports."""
    found = [s for s in _suggestions(app, _import(app)) if s.status == "suggested"]
    if len(found) > n:
        return found[n]
    with app.app_context():
        query = (
            select(SuggestedArea)
            .where(SuggestedArea.status == "suggested", SuggestedArea.authority_code == MANCHESTER)
            .order_by(SuggestedArea.id)
        )
        return list(db.session().scalars(query))[n]


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session().scalar(select(func.count()).select_from(model)) or 0)


def _signed_in(app: Flask, email: str = "po@manchester.test") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _audit(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _confirm_data(**overrides: object) -> dict[str, object]:
    review = date.today() + timedelta(days=180)
    data: dict[str, object] = {
        "label": "Area T1",
        "kind": "exploitation_hotspot",
        "radius_km": "0.5",
        "severity": "high",
        "source": "police.uk street-level crime, January to March 2024; checked with the local partnership",
        "confidence": "medium",
        "review_by-day": str(review.day),
        "review_by-month": str(review.month),
        "review_by-year": str(review.year),
    }
    data.update(overrides)
    return data


def _excluded_reasons(app: Flask, placement: str) -> set[str]:
    """The reason codes the test referral's next ranking gives for excluding `placement`."""
    user = _user(app, "po@manchester.test")
    with app.test_request_context():
        run_id = ranking_runs.run_ranking(user, "R-T1")
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        result = run_exclusions.worded_result(run, json.loads(run.result_json))
    for excluded in result["excluded"]:
        if excluded["placement_id"] == placement:
            return {reason["code"] for reason in excluded["reasons"]}
    assert placement in {o["placement_id"] for o in result["options"]}
    return set()


# --- importing ----------------------------------------------------------------------


def test_import_writes_ranked_suggestions_and_never_an_area(app: Flask) -> None:
    """The LSOAs at or over the threshold become suggestions by total; areas are untouched."""
    areas_before = _count(app, Area)
    import_id = _import(app)
    found = _suggestions(app, import_id)
    assert [(s.rank, s.lsoa_code, s.total, s.status) for s in found] == [
        (1, "E01099901", 14, "suggested"),
        (2, "E01099902", 12, "suggested"),
        (3, "E01099903", 11, "suggested"),
    ]
    first = found[0]
    assert first.counts == {"drugs": 6, "weapons": 0, "violence": 8, "robbery": 0}
    assert (first.first_month[4:], first.last_month[4:]) == ("-01", "-03")
    assert first.first_month[:4] == first.last_month[:4]
    assert (first.lat, first.lon) == (pytest.approx(53.23), pytest.approx(-1.42))
    assert first.authority_code == MANCHESTER
    assert _count(app, Area) == areas_before
    with app.app_context():
        run = db.session().get(ImportRun, import_id)
        assert run is not None
        assert run.summary["added"] == {"suggested areas": 3}
        assert run.summary["skipped"]["rows without coordinates"] == 1
        assert run.summary["skipped"]["rows of other crime types"] == 20


def test_dry_run_writes_nothing(app: Flask) -> None:
    before = (_count(app, SuggestedArea), _count(app, ImportRun))
    _import(app, dry_run=True)
    assert (_count(app, SuggestedArea), _count(app, ImportRun)) == before


def test_a_bad_file_is_refused_whole_with_its_rows_named(app: Flask) -> None:
    before = (_count(app, SuggestedArea), _count(app, ImportRun))
    with app.test_request_context():
        outcome = run_import(
            "police_uk", {"file": ("street.csv", bad_file())}, dry_run=False, user=_user(app, "po@manchester.test")
        )
    assert not outcome.ok
    assert [(p.row, p.field) for p in outcome.problems] == [(4, "Month"), (6, "Longitude")]
    assert all("west" not in p.message and "Feb" not in p.message for p in outcome.problems)
    assert (_count(app, SuggestedArea), _count(app, ImportRun)) == before


def test_the_threshold_and_number_of_suggestions_are_settings(app: Flask) -> None:
    app.config.update(POLICE_UK_MIN_OFFENCES=12, POLICE_UK_SUGGESTIONS=1)
    try:
        found = _suggestions(app, _import(app))
    finally:
        app.config.update(POLICE_UK_MIN_OFFENCES=10, POLICE_UK_SUGGESTIONS=25)
    assert [s.lsoa_code for s in found] == ["E01099901"]


def _upload(client: FlaskClient, content: bytes, dry_run: bool = False) -> str:
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, "/imports/police_uk"),
        "file": (io.BytesIO(content), "street.csv"),
    }
    if dry_run:
        data["dry_run"] = "yes"
    response = client.post("/imports/police_uk", data=data, content_type="multipart/form-data")
    return f"{response.status_code} {response.get_data(as_text=True)}"


def test_import_through_the_page_check_first_then_for_real(app: Flask) -> None:
    """A placement officer checks the file (nothing written), then imports it; a bad file is refused whole."""
    client = _signed_in(app)
    assert 'href="/imports/police_uk"' in client.get("/suggested-areas/").get_data(as_text=True)
    before = (_count(app, SuggestedArea), _count(app, ImportRun))
    checked = _upload(client, street_file(), dry_run=True)
    assert checked.startswith("200") and "The file is ready to import" in checked
    assert (_count(app, SuggestedArea), _count(app, ImportRun)) == before

    refused = _upload(client, bad_file())
    assert refused.startswith("400")
    assert "Month must be a year and month, as YYYY-MM" in refused and "Longitude must be a number" in refused
    assert (_count(app, SuggestedArea), _count(app, ImportRun)) == before

    imported = _upload(client, street_file())
    assert imported.startswith("200") and "File imported" in imported
    assert _count(app, SuggestedArea) == before[0] + 3


def test_import_from_the_command_line(app: Flask, tmp_path: Path) -> None:
    """flask import-data police_uk --file PATH --authority GSS [--dry-run]; problems exit 1 with their rows."""
    good, bad = tmp_path / "street.csv", tmp_path / "bad.csv"
    good.write_bytes(street_file())
    bad.write_bytes(bad_file())
    runner = app.test_cli_runner()
    base = ["import-data", "police_uk", "--authority", SALFORD]
    before = _count(app, SuggestedArea)

    checked = runner.invoke(args=[*base, "--file", str(good), "--dry-run"])
    assert checked.exit_code == 0, checked.output
    assert "3 suggested areas" in checked.output
    assert _count(app, SuggestedArea) == before

    refused = runner.invoke(args=[*base, "--file", str(bad)])
    assert refused.exit_code == 1
    assert "row 4, column Month" in refused.output and "row 6, column Longitude" in refused.output
    assert _count(app, SuggestedArea) == before

    imported = runner.invoke(args=[*base, "--file", str(good)])
    assert imported.exit_code == 0, imported.output
    assert "Skipped: 1 rows without coordinates" in imported.output
    with app.app_context():
        newest = db.session().scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert newest is not None and (newest.kind, newest.authority_code, newest.by_id) == ("police_uk", SALFORD, None)
    assert [s.authority_code for s in _suggestions(app, newest.id)] == [SALFORD] * 3


# --- the review pages ---------------------------------------------------------------


def test_list_shows_counts_by_family_for_the_users_authority(app: Flask) -> None:
    import_id = _import(app)
    client = _signed_in(app)
    page = client.get("/suggested-areas/").get_data(as_text=True)
    assert "Suggested areas" in page
    row = page[page.index(f'id="suggestion-{_suggestions(app, import_id)[0].id}"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'govuk-table__cell[^"]*">([^<]*)', row)
    assert cells[:1] == ["1"]
    assert "E01099901" in row and "Testshire 001A" in row
    assert [c.strip() for c in cells[2:7]] == ["6", "0", "8", "0", "14"]
    assert re.search(r"January to March \d{4}", row)
    assert "Confirm as an area" in row and "Dismiss" in row
    assert "never a neighbourhood’s name" in page
    assert 'href="/suggested-areas/"' in client.get("/supply").get_data(as_text=True)  # the navigation link


def test_confirm_creates_an_area_the_next_ranking_uses(app: Flask) -> None:
    """A high-severity area at P-FAR excludes it for every child (in_high_severity_area)."""
    assert _excluded_reasons(app, "P-FAR") == set()
    suggestion = _suggestions(app, _import(app))[0]
    client = _signed_in(app)
    path = f"/suggested-areas/{suggestion.id}/confirm"
    form = client.get(path).get_data(as_text=True)
    assert re.search(r"police.uk street-level crime, January to March \d{4}", form)  # the source, filled in
    response = post(client, path, path, _confirm_data())
    assert response.status_code == 302
    listed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Confirmed as area" in listed
    # The re-check looks only near the new area, and says so: nobody lives near P-FAR here.
    assert "placement is near an area whose place" in listed

    officer = _user(app, "po@manchester.test")
    with app.app_context():
        stored = db.session().get(SuggestedArea, suggestion.id)
        assert stored is not None and stored.status == "confirmed"
        assert stored.reviewed_by_id == officer.id and stored.reviewed_at is not None
        area = db.session().get(Area, stored.area_id)
        assert area is not None
        assert (area.label, area.kind, area.severity, area.radius_km) == (
            "Area T1",
            "exploitation_hotspot",
            "high",
            0.5,
        )
        assert (area.lat, area.lon) == (pytest.approx(53.23), pytest.approx(-1.42))
        assert area.confidence == "medium" and area.source.startswith("police.uk street-level crime")
        assert area.owner_code == officer.authority_code  # the confirming authority records it (decision 0080)
    assert "in_high_severity_area" in _excluded_reasons(app, "P-FAR")
    events = [(e.object_ref, e.detail) for e in _audit(app, "confirm") if e.object_type == "suggested_area"]
    assert (str(suggestion.id), f"created area {area.code}") in events


def test_confirm_with_a_linked_group_keeps_the_childs_placements_away(app: Flask) -> None:
    """A low-severity area linked to the child's group excludes P-RES for that child (near_linked_area)."""
    assert "near_linked_area" not in _excluded_reasons(app, "P-RES")
    suggestion = _pending(app, 1)
    client = _signed_in(app, "admin@manchester.test")
    path = f"/suggested-areas/{suggestion.id}/confirm"
    response = post(client, path, path, _confirm_data(label="Area T2", severity="low", groups=["G-RED"]))
    assert response.status_code == 302
    assert "near_linked_area" in _excluded_reasons(app, "P-RES")


def test_confirm_form_problems_are_named_and_nothing_is_written(app: Flask) -> None:
    suggestion = _pending(app, 2)
    client = _signed_in(app)
    path = f"/suggested-areas/{suggestion.id}/confirm"
    areas_before = _count(app, Area)
    yesterday = date.today() - timedelta(days=1)
    response = post(
        client,
        path,
        path,
        _confirm_data(
            label="Testshire hotspot",
            kind="",
            radius_km="far",
            groups=["G-NOPE"],
            confidence="",
            **{
                "review_by-day": str(yesterday.day),
                "review_by-month": str(yesterday.month),
                "review_by-year": str(yesterday.year),
            },
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "Use a generic label, like Area 12, never the neighbourhood",
        "Choose what kind of area it is",
        "Radius in km must be a number",
        "Choose only from the listed groups",
        "Choose how confident you are in the source",
        "Review date must be in the future",
    ):
        assert message in page
    assert _count(app, Area) == areas_before
    with app.app_context():
        stored = db.session().get(SuggestedArea, suggestion.id)
        assert stored is not None and stored.status == "suggested"


def test_dismiss_needs_a_note_and_is_audited_without_it(app: Flask) -> None:
    suggestion = _pending(app, 2)
    client = _signed_in(app)
    path = f"/suggested-areas/{suggestion.id}/dismiss"
    assert client.get(path).status_code == 200
    empty = post(client, path, path, {"note": "  "})
    assert empty.status_code == 400
    assert "Enter why this suggestion is dismissed" in empty.get_data(as_text=True)
    note = "Offences at the bus station; no group known to be involved"
    assert post(client, path, path, {"note": note}).status_code == 302
    with app.app_context():
        stored = db.session().get(SuggestedArea, suggestion.id)
        assert stored is not None
        assert (stored.status, stored.review_note, stored.area_id) == ("dismissed", note, None)
    page = client.get("/suggested-areas/").get_data(as_text=True)
    assert "Dismissed" in page and note in page
    events = [e for e in _audit(app, "dismiss") if e.object_ref == str(suggestion.id)]
    assert len(events) == 1 and "bus station" not in (events[0].detail or "")
    # Reviewed once: a second dismissal or a confirmation is turned away, nothing changes.
    again = post(client, path, "/suggested-areas/", {"note": "again"})
    assert again.status_code == 302
    assert "already dismissed" in client.get("/suggested-areas/").get_data(as_text=True)
    assert client.get(f"/suggested-areas/{suggestion.id}/confirm").status_code == 302


@pytest.mark.parametrize("email", ["commissioner@manchester.test", "sw@manchester.test"])
def test_other_roles_are_refused(app: Flask, email: str) -> None:
    suggestion = _suggestions(app, _import(app))[0]
    client = _signed_in(app, email)
    assert client.get("/suggested-areas/").status_code == 403
    assert client.get(f"/suggested-areas/{suggestion.id}/confirm").status_code == 403
    assert post(client, f"/suggested-areas/{suggestion.id}/dismiss", "/supply", {"note": "x"}).status_code == 403
    assert "Suggested areas" not in client.get("/supply").get_data(as_text=True)


def test_another_authoritys_suggestions_are_not_found(app: Flask) -> None:
    theirs = _suggestions(app, _import(app, email="po@salford.test"))[0]
    ours = _signed_in(app)
    assert ours.get(f"/suggested-areas/{theirs.id}/confirm").status_code == 404
    assert ours.get(f"/suggested-areas/{theirs.id}/dismiss").status_code == 404
    assert post(ours, f"/suggested-areas/{theirs.id}/confirm", "/suggested-areas/", _confirm_data()).status_code == 404
    assert f'id="suggestion-{theirs.id}"' not in ours.get("/suggested-areas/").get_data(as_text=True)
    salford = _signed_in(app, "po@salford.test")
    assert f'id="suggestion-{theirs.id}"' in salford.get("/suggested-areas/").get_data(as_text=True)


def test_the_sample_file_imports(app: Flask) -> None:
    """data/samples/police-uk-street-sample.csv (synthetic) is a valid file with suggestions."""
    sample = Path(__file__).resolve().parents[2] / "data" / "samples" / "police-uk-street-sample.csv"
    assert _suggestions(app, _import(app, data=sample.read_bytes()))


# --- importing the same file again, skipped rows, ties, real authorities ------------------


def _outcome(app: Flask, data: bytes, email: str = "po@manchester.test") -> Any:
    with app.test_request_context():
        outcome = run_import("police_uk", {"file": ("street.csv", data)}, dry_run=False, user=_user(app, email))
    assert outcome.ok, outcome.problems
    return outcome


def test_importing_the_same_file_again_adds_nothing_twice(app: Flask) -> None:
    """The second import of the same months reports its three areas as already suggested."""
    data = street_file()
    first = _outcome(app, data)
    before = _count(app, SuggestedArea)
    again = _outcome(app, data)
    assert first.added == {"suggested areas": 3}
    assert again.added == {"suggested areas": 0}
    assert again.skipped["areas already suggested for the same months"] == 3
    assert _count(app, SuggestedArea) == before
    # Another authority importing the same file gets its own suggestions.
    assert _outcome(app, data, "po@salford.test").added == {"suggested areas": 3}


def test_a_reviewed_suggestion_is_not_suggested_again(app: Flask) -> None:
    """Dismissed once, an LSOA stays dismissed when the same months are imported again."""
    data = street_file()
    dismissed = _suggestions(app, _outcome(app, data).import_id)[0]
    client = _signed_in(app)
    path = f"/suggested-areas/{dismissed.id}/dismiss"
    assert post(client, path, path, {"note": "Known airport search point"}).status_code == 302
    again = _outcome(app, data)
    assert again.added == {"suggested areas": 0}
    with app.app_context():
        same = db.session().scalars(
            select(SuggestedArea).where(
                SuggestedArea.authority_code == MANCHESTER,
                SuggestedArea.lsoa_code == dismissed.lsoa_code,
                SuggestedArea.first_month == dismissed.first_month,
            )
        )
        assert [s.status for s in same] == ["dismissed"]


def test_skipped_rows_do_not_overlap_and_add_up_to_the_rows_read(app: Flask) -> None:
    """A row without coordinates is counted there only, even if it is not an offence."""
    year = next(_YEARS)
    extra = [
        f"id,{year}-02,Test Police,Test Police,,,No location,,,Burglary,,",
        f"id,{year}-02,Test Police,Test Police,-1.0,52.5,On or near Test Street,,,Burglary,,",
    ]
    data = street_file(year) + ("\n".join(extra) + "\n").encode()
    outcome = _outcome(app, data)
    assert outcome.skipped == {
        "rows without coordinates": 2,
        "rows without an LSOA": 1,
        "rows of other crime types": 20,
    }
    offences = 6 + 8 + 4 + 8 + 11 + 9
    assert outcome.rows == sum(outcome.skipped.values()) + offences


def test_ties_at_the_cut_off_are_kept_together(app: Flask) -> None:
    """With room for one suggestion and two LSOAs tied on 12, both are suggested."""
    year = next(_YEARS)
    lines = [
        HEADER,
        *_rows(AT_P_FAR, "Drugs", 12, f"{year}-01"),
        *_rows(AT_P_RES, "Robbery", 12, f"{year}-01"),
        *_rows(ELSEWHERE, "Robbery", 11, f"{year}-01"),
    ]
    app.config.update(POLICE_UK_SUGGESTIONS=1)
    try:
        import_id = _outcome(app, ("\n".join(lines) + "\n").encode()).import_id
    finally:
        app.config.update(POLICE_UK_SUGGESTIONS=25)
    assert [(s.rank, s.lsoa_code, s.total) for s in _suggestions(app, import_id)] == [
        (1, "E01099901", 12),
        (2, "E01099902", 12),
    ]


needs_real_file = pytest.mark.skipif(
    not REAL_FILE.exists(), reason=f"the real police.uk file is not here ({REAL_FILE}): shared data not mounted"
)


@pytest.fixture()
def own_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """A fresh database of its own on `app`'s backend, with the same world: the real file not yet
    imported, whatever ran before (a repeat import suggests nothing new)."""
    if app.config["DATABASE_URL"].startswith("sqlite"):
        yield _built(make_app(f"sqlite:///{tmp_path / 'planner.db'}"))
        return
    database = _postgres_database()
    fresh = _built(make_app(next(database)))
    yield fresh
    db.engine(fresh).dispose()
    next(database, None)


def _built(app: Flask) -> Flask:
    _build(app)
    return app


@needs_real_file
def test_the_essex_police_file_gives_each_lsoa_to_its_real_authority(own_app: Flask) -> None:
    """Essex Police's January 2018 file: Essex County Council is suggested only LSOAs in Essex;
    Southend-on-Sea's and Thurrock's are counted as theirs, and suggested to them."""
    app = own_app
    data = REAL_FILE.read_bytes()
    where = lsoa_authorities()
    essex = _outcome(app, data, "po@essex.test")
    found = _suggestions(app, essex.import_id)
    assert len(found) >= 25
    assert {where[s.lsoa_code] for s in found} == {ESSEX}
    assert {s.authority_code for s in found} == {ESSEX}
    assert essex.skipped["rows in Southend-on-Sea’s LSOAs"] > 0
    assert essex.skipped["rows in Thurrock’s LSOAs"] > 0
    assert essex.rows == 14786
    offences = sum(sum(s.counts.values()) for s in found)
    assert offences <= essex.rows - sum(essex.skipped.values())
    for email, code in (("po@southend.test", SOUTHEND), ("po@thurrock.test", THURROCK)):
        theirs = _suggestions(app, _outcome(app, data, email).import_id)
        assert theirs and {where[s.lsoa_code] for s in theirs} == {code}
        assert {s.authority_code for s in theirs} == {code}
        assert all(s.lsoa_name.startswith(("Southend-on-Sea", "Thurrock")) for s in theirs)


@needs_real_file
def test_importing_the_essex_police_file_twice_adds_nothing_the_second_time(app: Flask) -> None:
    """Idempotent on the real file: the same suggestions, not twice as many."""
    data = REAL_FILE.read_bytes()
    _outcome(app, data, "po@essex.test")  # the first import, or a repeat of the test above
    count = select(func.count()).select_from(SuggestedArea).where(SuggestedArea.authority_code == ESSEX)
    with app.app_context():
        before = db.session().scalar(count)
    again = _outcome(app, data, "po@essex.test")
    with app.app_context():
        assert db.session().scalar(count) == before
    assert again.added == {"suggested areas": 0}
    assert again.skipped["areas already suggested for the same months"] == before
