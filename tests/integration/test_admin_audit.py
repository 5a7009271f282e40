"""The audit-log search page and its CSV download, for administrators of one authority."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import MANCHESTER, PASSWORD, SALFORD, build_world
from tests.integration.helpers import sign_in
from web import db
from web.accounts.repositories import users
from web.accounts.services import accounts
from web.models import AuditEvent
from web.shared.repositories import audit

ADMIN, SALFORD_ADMIN = "admin@manchester.test", "admin@salford.test"
# Old enough to sort below anything the tests themselves cause (sign-ins, the export).
BASE = datetime(2025, 3, 10, 9, 0)


def _user_id(email: str) -> int:
    user = users.find_user_by_email(email)
    assert user is not None
    return user.id


def _event(email: str, at: datetime, action: str, object_type: str, ref: str, detail: str | None = None) -> None:
    audit.add_event(
        AuditEvent(
            at=at,
            user_id=_user_id(email),
            action=action,
            object_type=object_type,
            object_ref=ref,
            remote_addr="192.0.2.10",
            detail=detail,
        )
    )


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    """Two administrators, and a known history of events in Manchester and Salford."""
    build_world(app)
    with app.app_context():
        accounts.create_user(ADMIN, "Ada Admin", "admin", MANCHESTER, PASSWORD)
        accounts.create_user(SALFORD_ADMIN, "Sal Admin", "admin", SALFORD, PASSWORD)
        db.commit()
        _event("sw@manchester.test", BASE, "view", "referral", "R-T1")
        _event("sw@manchester.test", BASE + timedelta(days=1), "view", "young_person", "YP-T1")
        _event("po@manchester.test", BASE + timedelta(days=2), "rank", "referral", "R-T1", "run 7")
        _event("po@manchester.test", BASE + timedelta(days=3), "update", "referral", "R-T1", "=HYPERLINK(1)")
        _event("po@salford.test", BASE + timedelta(days=2), "view", "referral", "R-SALFORD-ONLY")
        # A long history on one reference, for the pages.
        for minute in range(120):
            _event("sw@manchester.test", BASE - timedelta(days=30, minutes=minute), "view", "referral", "R-MANY")
        db.commit()


def _admin(app: Flask, email: str = ADMIN) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _refs(page: str) -> list[str]:
    """The references in the results table, in order."""
    body = page.split('<tbody class="govuk-table__body">', 1)[-1].split("</tbody>", 1)[0]
    return re.findall(r'<td class="govuk-table__cell">((?:R|YP)-[A-Z0-9-]+)</td>', body)


def test_not_signed_in_is_sent_to_sign_in(client: FlaskClient) -> None:
    """A signed-out visitor is sent to sign in, for the page and the download."""
    for path in ["/admin/audit", "/admin/audit.csv"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")


def test_other_roles_are_refused(app: Flask) -> None:
    """Placement officers, social workers and commissioners get 403, page and download alike."""
    for email in ["po@manchester.test", "sw@manchester.test", "commissioner@manchester.test"]:
        client = app.test_client()
        sign_in(client, email)
        assert client.get("/admin/audit").status_code == 403, email
        assert client.get("/admin/audit.csv").status_code == 403, email
        assert "Audit log" not in client.get("/supply").get_data(as_text=True)


def test_admin_sees_own_authoritys_events_newest_first(app: Flask) -> None:
    """The page lists Manchester's events, newest first, with who, what and from where."""
    client = _admin(app)
    response = client.get("/admin/audit?object_type=referral&to-day=20&to-month=3&to-year=2025")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Audit log" in page
    refs = _refs(page)
    assert refs[:3] == ["R-T1", "R-T1", "R-T1"]
    assert "R-SALFORD-ONLY" not in page
    assert "PO" in page and "Placement officer, Manchester" in page
    assert "192.0.2.10" in page
    assert "13 March 2025" in page and "run 7" in page


def test_the_navigation_links_to_the_audit_log_for_admins(app: Flask) -> None:
    """Administrators find the page in the navigation."""
    client = _admin(app)
    assert 'href="/admin/audit"' in client.get("/admin/audit").get_data(as_text=True)


def test_other_authoritys_events_are_not_shown(app: Flask) -> None:
    """Salford's admin sees Salford's event; Manchester's admin cannot find it even by reference."""
    manchester = _admin(app).get("/admin/audit?object_ref=R-SALFORD-ONLY").get_data(as_text=True)
    assert "No events found" in manchester
    salford = _admin(app, SALFORD_ADMIN).get("/admin/audit").get_data(as_text=True)
    assert "R-SALFORD-ONLY" in salford
    assert "R-T1" not in _refs(salford) and "YP-T1" not in salford


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("user=sw%40manchester&object_ref=R-T1", ["R-T1"]),
        ("user=SW%40MANCHESTER&object_ref=YP-T1", ["YP-T1"]),
        ("action=rank&object_ref=R-T1", ["R-T1"]),
        ("object_type=young_person", ["YP-T1"]),
        ("object_ref=R-T1&from-day=11&from-month=3&from-year=2025", ["R-T1", "R-T1"]),
        ("object_ref=R-T1&to-day=12&to-month=3&to-year=2025", ["R-T1", "R-T1"]),
        ("from-day=11&from-month=3&from-year=2025&to-day=11&to-month=3&to-year=2025", ["YP-T1"]),
        ("user=po%40&action=view", []),
        ("user=%25", []),
    ],
)
def test_filters_narrow_the_results(app: Flask, query: str, expected: list[str]) -> None:
    """Each filter, and combinations, keep only the matching events (dates include the whole day)."""
    page = _admin(app).get(f"/admin/audit?{query}").get_data(as_text=True)
    assert _refs(page) == expected


def test_bad_dates_are_named_and_the_search_kept(app: Flask) -> None:
    """A date that is not real, half typed or back to front re-shows the form with the errors (400)."""
    client = _admin(app)
    response = client.get("/admin/audit?user=sw&from-day=31&from-month=2&from-year=2025")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "Date from must be a real date" in page
    assert 'href="#from-day"' in page
    assert 'value="sw"' in page and 'value="31"' in page
    page = client.get("/admin/audit?to-day=1&to-year=2025").get_data(as_text=True)
    assert "Date to must include a month" in page
    page = client.get("/admin/audit?from-day=2&from-month=3&from-year=25").get_data(as_text=True)
    assert "The year of date from must include 4 numbers" in page
    response = client.get("/admin/audit?from-day=2&from-month=3&from-year=2025&to-day=1&to-month=3&to-year=2025")
    assert response.status_code == 400
    assert "Date to must be the same as or after date from" in response.get_data(as_text=True)
    assert client.get("/admin/audit.csv?from-day=x&from-month=3&from-year=2025").status_code == 400


def test_results_come_fifty_to_a_page(app: Flask) -> None:
    """120 events: pages of 50, 50 and 20, with next and previous links that keep the search."""
    client = _admin(app)
    first = client.get("/admin/audit?object_ref=R-MANY").get_data(as_text=True)
    assert "Showing 1 to 50 of 120 events" in first
    assert len(_refs(first)) == 50
    assert 'href="/admin/audit?object_ref=R-MANY&amp;page=2"' in first
    assert 'rel="prev"' not in first
    second = client.get("/admin/audit?object_ref=R-MANY&page=2").get_data(as_text=True)
    assert "Showing 51 to 100 of 120 events" in second
    assert 'rel="prev"' in second and 'rel="next"' in second
    last = client.get("/admin/audit?object_ref=R-MANY&page=3").get_data(as_text=True)
    assert "Showing 101 to 120 of 120 events" in last and len(_refs(last)) == 20
    assert 'rel="next"' not in last
    past_the_end = client.get("/admin/audit?object_ref=R-MANY&page=99").get_data(as_text=True)
    assert "Showing 101 to 120" in past_the_end
    assert client.get("/admin/audit?object_ref=R-MANY&page=nonsense").status_code == 200


def test_csv_download_is_filtered_scoped_and_audited(app: Flask) -> None:
    """The download has the same events as the search, Manchester's only, and is itself audited."""
    client = _admin(app)
    response = client.get("/admin/audit.csv?object_type=referral&to-day=31&to-month=3&to-year=2025")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["When", "Name", "Email"]
    body = rows[1:]
    assert len(body) == 3 + 120
    assert [r[7] for r in body[:3]] == ["R-T1", "R-T1", "R-T1"]
    assert body[0][0] == "2025-03-13 09:00:00"
    assert body[0][3] == "Placement officer" and body[0][4] == "Manchester"
    assert body[0][8] == "'=HYPERLINK(1)"  # never run as a formula by a spreadsheet
    assert not any("R-SALFORD-ONLY" in r for r in body)
    with app.app_context():
        exports = list(db.session().query(AuditEvent).filter_by(action="export", object_type="audit_log"))
        admin_id = _user_id(ADMIN)
    assert exports[-1].user_id == admin_id
    assert exports[-1].detail == "123 events; object_type=referral, to=2025-03-31"
    # The export shows up in the log for the next search.
    page = client.get("/admin/audit?action=export").get_data(as_text=True)
    assert "123 events; object_type=referral" in page


def test_csv_download_comes_in_batches_past_the_batch_size(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A download longer than one batch has every event once, in order."""
    from web.accounts.services import audit_search

    monkeypatch.setattr(audit_search, "EXPORT_BATCH", 7)
    response = _admin(app).get("/admin/audit.csv?object_ref=R-MANY")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    assert len(rows) == 120
    times = [r[0] for r in rows]
    assert times == sorted(times, reverse=True) and len(set(times)) == 120
