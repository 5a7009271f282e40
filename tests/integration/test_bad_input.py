"""Hostile input through every route: each is a 4xx naming the field (or exit 2), never a 500.

NUL characters and ids past 2^31 only broke PostgreSQL: run this file with
TEST_DATABASE_URL set too (see tests/conftest.py).
"""

from __future__ import annotations

import html
import io
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import IntegerConverter, Rule

from tests.api.helpers import bearer, make_token
from tests.integration.builders import MANCHESTER, PASSWORD, SALFORD
from tests.integration.decision_builders import build_decision_world
from tests.integration.helpers import csrf_token, post, sign_in
from web import db
from web.accounts.services import accounts
from web.data_exchange.services.imports import run_import
from web.models import AuditEvent, ImportRun, RankingRun, User

NUL = "a\x00b"
SAMPLE_VALUES = {
    "reference": "R-H1",
    "kind": "groups",
    "requirement": "nominated_officer",
    "key": "k",
    "page": "overview",
    "code": "P-NEAR",
}


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_decision_world(app, ["R-H1", "R-H2"])
    with app.app_context():
        accounts.create_user("admin@manchester.test", "ADMIN", "admin", MANCHESTER, PASSWORD)
        accounts.create_user("admin@salford.test", "ADMIN S", "admin", SALFORD, PASSWORD)
        db.commit()


def _client(app: Flask, email: str = "po@manchester.test") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _rules(app: Flask) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            yield rule


def _path(rule: Rule, number: int = 1) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = number if isinstance(converter, IntegerConverter) else SAMPLE_VALUES.get(name, "x")
    # Build by hand: url_for would refuse an id past the converter's maximum.
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{rule._converters[name].__class__.__name__}:{name}>", str(value))
        for prefix in ("int:", "int(max=2147483647):", ""):
            path = path.replace(f"<{prefix}{name}>", str(value))
    return path


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


# --- 1. NUL characters: PostgreSQL cannot store them -------------------------------------


def test_a_nul_in_any_query_form_or_json_value_of_any_route_is_a_400_naming_it(app: Flask) -> None:
    """Every route and method: `?q=a\\0b`, a form field or a JSON member with a NUL is a 400 naming it."""
    client = _client(app)
    token = make_token(app, "po@manchester.test")
    wrong = []
    for rule in _rules(app):
        path = _path(rule)
        api = path.startswith("/api/")
        headers = bearer(token) if api else {}
        for method in _methods(rule):
            response = client.open(path, method=method, query_string={"q": NUL}, headers=headers)
            if response.status_code != 400 or "q" not in response.get_data(as_text=True):
                wrong.append(f"{method} {path}?q: {response.status_code}")
            if method == "POST":
                if api:
                    response = client.post(path, json={"notes": NUL}, headers=headers)
                    named = response.get_json()["errors"]["json"] if response.status_code == 400 else {}
                else:
                    response = client.post(path, data={"notes": NUL, "csrf_token": "x"})
                    named = response.get_data(as_text=True)
                if response.status_code != 400 or "notes" not in named:
                    wrong.append(f"POST {path} notes: {response.status_code}")
    assert wrong == []


def test_signing_in_with_a_nul_is_a_400_naming_the_field(app: Flask) -> None:
    """Unauthenticated: the sign-in form with a NUL in the email or the password."""
    client = app.test_client()
    for field in ("email", "password"):
        data = {"email": "po@manchester.test", "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
        data[field] = data[field] + "\x00"
        response = client.post("/sign-in", data=data)
        assert response.status_code == 400
        assert f"<li>{field} (in the form)</li>" in response.get_data(as_text=True)


def test_a_nul_in_a_path_or_a_json_path_is_named(app: Flask) -> None:
    """`/referrals/R%00X` names `reference`; a NUL deep in a JSON body names its path."""
    client = _client(app)
    response = client.get("/referrals/R-H1%00")
    assert response.status_code == 400
    assert "<li>reference (in the page&#39;s address)</li>" in response.get_data(as_text=True)
    token = make_token(app, "po@manchester.test")
    response = client.post("/api/v1/panels", json={"references": ["R-H1", "R\x00"]}, headers=bearer(token))
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"json": {"references[1]": ["must not contain a NUL character (\\u0000)"]}}


# --- 1. Ids too big for the column ---------------------------------------------------------


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_past_32_bits_is_a_404_on_every_route(app: Flask, number: int) -> None:
    """Every route with a whole-number id, every method: 404 (JSON under /api), never a 500."""
    client = _client(app)
    token = make_token(app, "po@manchester.test")
    wrong = []
    for rule in _rules(app):
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        path = _path(rule, number)
        for method in _methods(rule):
            response = client.open(path, method=method, headers=bearer(token))
            # 405 where werkzeug's matcher finds the path under another method first.
            if response.status_code not in (404, 405):
                wrong.append(f"{method} {path}: {response.status_code}")
    assert wrong == []


def test_a_huge_page_number_in_a_query_is_ignored(app: Flask) -> None:
    """`?page=` past 32 bits on the young people list, and `?before=` on a history: not a 500."""
    client = _client(app, "sw@manchester.test")
    assert client.get("/young-people/?page=" + "9" * 30).status_code == 200
    assert client.get("/young-people/?page=١٢").status_code == 200
    assert client.get("/admin/audit?page=" + "9" * 30).status_code == 403  # not an admin: refused, not a 500


# --- 1. Dates with 31 digits, and numbers in other scripts -----------------------------------


def _young_person_form(**changes: str) -> dict[str, str]:
    form = {
        "reference": "YP-9901",
        "dob-day": "1",
        "dob-month": "2",
        "dob-year": "2012",
        "sex": "2",
        "ethnicity": "BAFR",
        "home-postcode": "",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize(
    ("field", "value"),
    [("dob-day", "1" * 31), ("dob-month", "1" * 31), ("dob-year", "9" * 31), ("dob-year", "٢٠١٢"), ("dob-day", "1_0")],
)
def test_a_31_digit_or_foreign_digit_date_is_a_400_naming_it(app: Flask, field: str, value: str) -> None:
    """The young person form: the date's box to fix is named (the year's, for a year that is not 4 digits)."""
    client = _client(app, "sw@manchester.test")
    response = post(client, "/young-people/new", "/young-people/new", _young_person_form(**{field: value}))
    assert response.status_code == 400
    box = "dob-year" if field == "dob-year" else "dob-day"
    assert f'href="#{box}"' in response.get_data(as_text=True)


@pytest.mark.parametrize("part", ["day", "month", "year"])
def test_a_31_digit_audit_search_date_is_a_400(app: Flask, part: str) -> None:
    """The audit search's dates, in the query string."""
    client = _client(app, "admin@manchester.test")
    query = {"from-day": "1", "from-month": "1", "from-year": "2026", f"from-{part}": "1" * 31}
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 400
    assert "Date from" in response.get_data(as_text=True)


# --- 1. and 4. Imports: deep JSON, duplicate keys, header-only files, polygons --------------


def _feature(geometry: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code": "AR-H1",
            "label": "Area H",
            "kind": "gang_territory",
            "severity": "high",
            "groups": ["G-RED"],
            "source": "Briefing",
            "confidence": "high",
            "review_by": "2099-01-01",
        },
        "geometry": geometry,
    }


SQUARE = [[-2.30, 53.40], [-2.20, 53.40], [-2.20, 53.50], [-2.30, 53.50], [-2.30, 53.40]]
BOW_TIE = [[-2.30, 53.40], [-2.20, 53.50], [-2.20, 53.40], [-2.30, 53.50], [-2.30, 53.40]]
HUGE = [[-2.3 + 0.1 * i / 100_000, 53.4 + (i % 2) * 1e-6] for i in range(100_000)] + [[-2.3, 53.4]]
DEEP = "[" * 10_000 + "]" * 10_000
DEEP_GEOJSON = '{"type": "FeatureCollection", "features": ' + DEEP + "}"


def _areas_file(document: Any) -> bytes:
    return (document if isinstance(document, str) else json.dumps(document)).encode()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (DEEP_GEOJSON, "nested more than 64 levels deep"),
        ('{"type": "FeatureCollection", "type": "x", "features": []}', "the key &#34;type&#34; appears twice"),
        (
            _areas_file(
                {"type": "FeatureCollection", "features": [_feature({"type": "Polygon", "coordinates": [BOW_TIE]})]}
            ),
            "crosses or touches itself",
        ),
        (
            _areas_file(
                {"type": "FeatureCollection", "features": [_feature({"type": "Polygon", "coordinates": [HUGE]})]}
            ),
            "more than 20000 positions",
        ),
    ],
)
def test_areas_geojson_import_refuses_with_the_problem(app: Flask, body: str | bytes, words: str) -> None:
    """The page and the command line: refused, the problem named, nothing imported."""
    data = body.encode() if isinstance(body, str) else body
    client = _client(app)
    token = csrf_token(client, "/imports/areas")
    response = client.post(
        "/imports/areas",
        data={"csrf_token": token, "file": (io.BytesIO(data), "areas.geojson")},
        content_type="multipart/form-data",
        # The 4 MB polygon is above IMPORT_JOB_BYTES: a job, whose page leads to the same problems.
        follow_redirects=True,
    )
    assert response.status_code in (200, 400), response.status_code
    assert words in response.get_data(as_text=True)
    with app.app_context():
        outcome = run_import("areas", {"file": ("areas.geojson", data)}, dry_run=False, authority_code=MANCHESTER)
    assert not outcome.ok and html.unescape(words) in " ".join(p.message for p in outcome.problems)


def test_the_import_command_exits_2_on_a_file_it_cannot_read(app: Flask, tmp_path: Path) -> None:
    """`flask import-data` on deep JSON: one sentence, exit 2, no traceback."""
    path = tmp_path / "areas.geojson"
    path.write_text(DEEP_GEOJSON, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-data", "areas", "--file", str(path), "--authority", MANCHESTER])
    assert result.exit_code == 2, result.output
    assert "nested more than 64 levels deep" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("body", "words"),
    [(DEEP, "nested more than 64 levels deep"), ('[{"childId": 1, "childId": 2}]', 'the key "childId" appears twice')],
)
def test_placements_standard_import_refuses_deep_json_and_repeated_keys(app: Flask, body: str, words: str) -> None:
    with app.app_context():
        outcome = run_import(
            "placements_standard", {"file": ("ps.json", body.encode())}, dry_run=False, authority_code=MANCHESTER
        )
    assert not outcome.ok
    assert len(outcome.problems) == 1
    assert outcome.problems[0].message.startswith(f"The file is not JSON: {words}")


@pytest.mark.parametrize(
    ("kind", "name", "body"),
    [
        ("areas", "areas.csv", "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"),
        ("placements_standard", "ps.json", "[]"),
    ],
)
def test_a_file_with_nothing_under_its_header_is_refused_and_not_recorded(
    app: Flask, kind: str, name: str, body: str
) -> None:
    """A header-only CSV (or an empty list of records) is refused; no import run is written."""
    with app.app_context():
        before = db.session().query(ImportRun).count()
        outcome = run_import(kind, {"file": (name, body.encode())}, dry_run=False, authority_code=MANCHESTER)
        assert not outcome.ok
        assert "nothing to import" in outcome.problems[0].message
        assert db.session().query(ImportRun).count() == before


def test_a_file_with_a_nul_character_is_refused_naming_the_line(app: Flask) -> None:
    """A NUL in an imported file (PostgreSQL cannot store it): refused at its line, not by the database."""
    body = (
        "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"
        "AR-H8,Area\x00,other,53.4,-2.2,1,low,,Briefing,low,2099-01-01\n"
    )
    with app.app_context():
        outcome = run_import("areas", {"file": ("a.csv", body.encode())}, dry_run=False, authority_code=MANCHESTER)
    assert [(p.row, p.message) for p in outcome.problems] == [
        (2, "The Areas (CSV or GeoJSON) file contains a NUL character (line 2): save it as UTF-8 text and try again")
    ]


def test_an_areas_csv_with_unicode_digits_names_the_column(app: Flask) -> None:
    """`٥٣.٤` and `1_0` are not numbers in a file: the column is named."""
    body = (
        "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"
        "AR-H9,Area,other,٥٣.٤,-2.2,1_0,low,,Briefing,low,2099-01-01\n"
    )
    with app.app_context():
        outcome = run_import("areas", {"file": ("a.csv", body.encode())}, dry_run=False, authority_code=MANCHESTER)
    assert {(p.row, p.field) for p in outcome.problems} == {(2, "lat"), (2, "radius_km")}


# --- 2. Accounts and sessions ----------------------------------------------------------------


def _wrong_password_checks(app: Flask, user_id: int) -> int:
    with app.app_context():
        events = db.session().query(AuditEvent).filter_by(action="sign_in_failed", object_ref=str(user_id))
        return sum(1 for e in events if (e.detail or "").startswith("wrong password"))


def test_parallel_wrong_passwords_try_no_more_than_the_limit(app: Flask) -> None:
    """20 wrong passwords from 4 threads at once: at most 5 are checked, then the account is locked."""
    with app.app_context():
        accounts.create_user("target@manchester.test", "T", "social_worker", MANCHESTER, PASSWORD)
        db.commit()
        user_id = db.session().query(User).filter_by(email="target@manchester.test").one().id
    barrier = threading.Barrier(4)
    results: list[object] = []

    def attempts() -> None:
        barrier.wait()
        for _ in range(5):
            with app.app_context():
                results.append(accounts.authenticate("target@manchester.test", "wrong"))

    threads = [threading.Thread(target=attempts) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [None] * 20
    assert _wrong_password_checks(app, user_id) == accounts.MAX_FAILED_SIGN_INS
    with app.app_context():
        user = db.session().get(User, user_id)
        assert user is not None and user.locked_until is not None
        # Locked: even the right password is refused.
        assert accounts.authenticate("target@manchester.test", PASSWORD) is None


@pytest.mark.parametrize("who", ["unknown", "locked", "wrong", "inactive"])
def test_every_refusal_checks_one_password_hash(app: Flask, monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    """Equal work whatever the reason, so timing does not tell a locked account from an unknown email."""
    email = f"timing-{who}@manchester.test"
    with app.app_context():
        if who != "unknown":
            user = accounts.create_user(email, "T", "social_worker", MANCHESTER, PASSWORD)
            db.commit()
            if who == "locked":
                for _ in range(accounts.MAX_FAILED_SIGN_INS):
                    accounts.authenticate(email, "wrong")
            if who == "inactive":
                user.active = False
                db.commit()
    calls: list[str] = []
    real = accounts.check_password_hash

    def counted(hashed: str, password: str) -> bool:
        calls.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    with app.app_context():
        assert accounts.authenticate(email, "wrong" if who != "locked" else PASSWORD) is None
    assert len(calls) == 1


def test_hsts_is_sent_over_https_only(app: Flask) -> None:
    client = app.test_client()
    secure = client.get("/sign-in", base_url="https://planner.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


# --- 3. Logs and audit --------------------------------------------------------------------------


def test_a_database_error_is_logged_without_its_values(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """A duplicate email: neither SQLAlchemy's message nor the log holds the email typed."""
    secret = "someones.personal.address@example.org"
    with app.app_context():
        accounts.create_user(secret, "X", "social_worker", MANCHESTER, PASSWORD)
        db.commit()
        with pytest.raises(IntegrityError) as caught:
            accounts.create_user(secret, "Y", "social_worker", MANCHESTER, PASSWORD)
            db.commit()
        db.rollback()
    assert "parameters hidden" in str(caught.value)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        error = caught.value
        app.logger.error("Exception on /x [POST]", exc_info=(type(error), error, error.__traceback__))
    assert caplog.records and "IntegrityError" in caplog.text
    assert secret not in caplog.text and "parameters hidden" not in caplog.text


def _audited(app: Flask, action: str, ref: str, detail_start: str) -> int:
    with app.app_context():
        events = db.session().query(AuditEvent).filter_by(action=action, object_ref=ref)
        return sum(1 for e in events if (e.detail or "").startswith(detail_start))


def test_the_decision_form_and_the_close_form_are_audited(app: Flask) -> None:
    """Both show casework: each opening is a view event on the referral."""
    client = _client(app, "sw@manchester.test")
    token = csrf_token(client, "/referrals/R-H2")
    run_id = int(
        client.post("/referrals/R-H2/rankings", data={"csrf_token": token}).headers["Location"].rsplit("/", 1)[1]
    )
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        placement = json.loads(run.result_json)["options"][0]["placement_id"]
    assert client.get(f"/referrals/R-H2/rankings/{run_id}/decide?placement={placement}").status_code == 200
    assert _audited(app, "view", "R-H2", f"decision form: run {run_id}, placement {placement}") == 1
    assert client.get("/referrals/R-H2/close").status_code == 200
    assert _audited(app, "view", "R-H2", "close form") == 1


def test_events_with_no_user_are_seen_by_administrators(app: Flask, tmp_path: Path) -> None:
    """A command-line import by the authority it was for; an unknown email's failed sign-in by every admin."""
    path = tmp_path / "areas.csv"
    path.write_text("code,label\n", encoding="utf-8")
    app.test_cli_runner().invoke(args=["import-data", "areas", "--file", str(path), "--authority", MANCHESTER])
    sign_in(app.test_client(), "nobody-at-all@example.org", "wrong")
    manchester = _client(app, "admin@manchester.test").get("/admin/audit?action=import_refused").get_data(as_text=True)
    salford = _client(app, "admin@salford.test").get("/admin/audit?action=import_refused").get_data(as_text=True)
    assert "No user" in manchester and "areas: rows 0" in manchester
    assert "areas: rows 0" not in salford
    for email in ("admin@manchester.test", "admin@salford.test"):
        page = _client(app, email).get("/admin/audit?action=sign_in_failed").get_data(as_text=True)
        assert "no such account" in page and "nobody-at-all" not in page


# --- 4. SSDA903: a CHILD twice in the header ---------------------------------------------------

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


@pytest.mark.parametrize(
    "header",
    [
        "H100,1,01/02/2011,WBRI,,,\nH100,1,01/02/2011,WBRI,,,\n",
        "H100,1,01/02/2099,WBRI,,,\nH100,1,01/02/2011,WBRI,,,\n",  # the first is refused for its date
        "h100,1,01/02/2011,WBRI,,,\nH100,1,01/02/2011,WBRI,,,\n",  # the same child, other capitals
    ],
)
def test_a_child_twice_in_the_ssda903_header_is_named(app: Flask, header: str) -> None:
    episodes = "H100,01/04/2025,S,C2,N4,U4,PR1,,,,,,SC100001\n"
    files = {
        "header": ("header.csv", (HEADER + header).encode()),
        "episodes": ("episodes.csv", (EPISODES + episodes).encode()),
    }
    with app.app_context():
        outcome = run_import("ssda903", files, dry_run=True, authority_code=MANCHESTER)
    assert ("header", 3, "CHILD") in {(p.file, p.row, p.field) for p in outcome.problems}
    assert any(
        p.message == "CHILD appears more than once in the Header table (first on row 2)" for p in outcome.problems
    )
