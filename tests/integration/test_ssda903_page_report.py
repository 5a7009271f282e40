"""An SSDA903 return through the Imports page: DfE's flags by rule, the first rows, the report (issue 11 item 2)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import PASSWORD
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.models import AuditEvent, ImportReport

ESSEX = "E10000012"
SUFFOLK = "E10000029"
HEADER = "CHILD,SEX,DOB,ETHNIC\nP1,M,01/01/2012,WBRI\nP2,F,01/01/2013,REFU\n"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    "P1,01/05/2025,S,C2,N1,U1,PR1,,,,CM1 1AA,ZZ9 9ZZ,\n"  # 392c: not a postcode
    "P2,01/06/2025,S,C2,N1,Z1,PR1,,,,,CM1 1AA,\n"  # 146 (Z1 invalid from 2025/26), 392b: no HOME_POST
)
SHARED = Path("/work/shared/data/ssda903/csc-validator-be-903")


@pytest.fixture(scope="module", autouse=True)
def admins(app: Flask) -> None:
    with app.app_context():
        accounts.create_user("admin@essex-903.test", "ESSEX ADMIN", "admin", ESSEX, PASSWORD)
        accounts.create_user("admin2@essex-903.test", "ESSEX ADMIN 2", "admin", ESSEX, PASSWORD)
        accounts.create_user("admin@suffolk-903.test", "SUFFOLK ADMIN", "admin", SUFFOLK, PASSWORD)
        db.commit()


def _as(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _upload(client: FlaskClient, header: bytes, episodes: bytes, dry_run: bool = False) -> str:
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, "/imports/ssda903"),
        "header": (io.BytesIO(header), "header.csv"),
        "episodes": (io.BytesIO(episodes), "episodes.csv"),
    }
    if dry_run:
        data["dry_run"] = "yes"
    answer = client.post("/imports/ssda903", data=data, content_type="multipart/form-data", follow_redirects=True)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def _report_link(page: str) -> str:
    start = page.index('href="/imports/reports/')
    return page[start + 6 : page.index('"', start + 6)]


def test_the_page_summarises_dfes_flags_and_offers_the_report(app: Flask) -> None:
    admin = _as(app, "admin@essex-903.test")
    page = _upload(admin, HEADER.encode(), EPISODES.encode())
    assert "File imported" in page
    assert "DfE&#39;s rules for 2025/26" in page or "DfE's rules for 2025/26" in page
    assert "(DfE rule 392c)" in page and "(DfE rule 146)" in page
    link = _report_link(page)
    download = admin.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["table", "row", "CHILD", "field", "rule", "severity", "message"]
    rules = {(r[0], r[1], r[4]) for r in rows[1:]}
    assert ("episodes", "2", "392c") in rules and ("episodes", "3", "146") in rules
    with app.app_context():
        event = db.session().query(AuditEvent).filter_by(action="download", object_type="import_report").all()
        assert event and event[-1].object_ref == link.rsplit("/", 1)[1].removesuffix(".csv")


def test_a_report_is_only_for_the_person_who_ran_the_import(app: Flask) -> None:
    page = _upload(_as(app, "admin@essex-903.test"), HEADER.encode(), EPISODES.encode(), dry_run=True)
    link = _report_link(page)
    assert _as(app, "admin2@essex-903.test").get(link).status_code == 404
    assert _as(app, "admin@suffolk-903.test").get(link).status_code == 404
    assert _as(app, "admin@essex-903.test").get("/imports/reports/99999999.csv").status_code == 404


def test_a_refused_return_still_has_its_report(app: Flask) -> None:
    """A date that is not a date refuses the return; the page says so and the report lists it with the flags."""
    bad = EPISODES.replace("01/06/2025", "31/02/2025").encode()
    admin = _as(app, "admin@essex-903.test")
    data: dict[str, object] = {
        "csrf_token": csrf_token(admin, "/imports/ssda903"),
        "header": (io.BytesIO(HEADER.encode()), "header.csv"),
        "episodes": (io.BytesIO(bad), "episodes.csv"),
    }
    answer = admin.post("/imports/ssda903", data=data, content_type="multipart/form-data")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(admin.get(_report_link(page)).get_data(as_text=True))))
    assert any(r[5] == "refused" and r[3] == "DECOM" for r in rows[1:])


def test_reports_older_than_the_retention_period_go_when_a_new_one_is_made(app: Flask) -> None:
    """Reports name children's ids: one made more than IMPORT_REPORT_DAYS ago is deleted, and its link is gone."""
    admin = _as(app, "admin@essex-903.test")
    old_link = _report_link(_upload(admin, HEADER.encode(), EPISODES.encode(), dry_run=True))
    old_id = int(old_link.rsplit("/", 1)[1].removesuffix(".csv"))
    with app.app_context():
        report = db.session().get(ImportReport, old_id)
        assert report is not None
        report.created_at = report.created_at - timedelta(days=app.config["IMPORT_REPORT_DAYS"] + 1)
        db.commit()
    assert admin.get(old_link).status_code == 200  # kept until the next report is made
    new_link = _report_link(_upload(admin, HEADER.encode(), EPISODES.encode(), dry_run=True))
    assert admin.get(old_link).status_code == 404
    assert admin.get(new_link).status_code == 200
    with app.app_context():
        assert db.session().get(ImportReport, old_id) is None


@pytest.mark.skipif(not SHARED.exists(), reason=f"{SHARED} is not on this machine")
def test_the_shared_return_through_the_page_as_a_job(app: Flask) -> None:
    """1.4 MB: above IMPORT_JOB_BYTES, so a job (run at once in tests); its page shows the same flags."""
    admin = _as(app, "admin@suffolk-903.test")
    page = _upload(admin, (SHARED / "header.csv").read_bytes(), (SHARED / "episodes.csv").read_bytes())
    assert "5,047 episodes: Postcode(s) provided are invalid" in page
    assert page.count('<td class="govuk-table__cell govuk-table__cell--numeric">') == 100
    rows = list(csv.reader(io.StringIO(admin.get(_report_link(page)).get_data(as_text=True))))
    with app.app_context():
        stored = db.session().query(ImportReport).order_by(ImportReport.id.desc()).first()
        assert stored is not None and stored.rows == len(rows) - 1 > 8_000
