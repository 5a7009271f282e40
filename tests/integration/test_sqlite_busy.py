"""SQLite's one write lock held by a large import: requests answer 503 quickly, never hang (decision 0072).

On SQLite every request's transaction begins IMMEDIATE (decision 0005), so while an import's
transaction holds the write lock a request waits for it. It waits at most
SQLITE_REQUEST_WAIT_SECONDS (8 s by default, inside gunicorn's 10 s) and then answers 503 with
Retry-After, writing nothing; the command line and jobs wait patiently.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from tests.api.helpers import bearer, make_token
from tests.integration.builders import MANCHESTER, PASSWORD
from tests.integration.helpers import sign_in
from web import db
from web.accounts.services import accounts
from web.models import AuditEvent

EMAIL = "po@busy.test"


@pytest.fixture(scope="module", autouse=True)
def officer(app: Flask) -> None:
    with app.app_context():
        accounts.create_user(EMAIL, "BUSY OFFICER", "placement_officer", MANCHESTER, PASSWORD)
        db.commit()


@contextmanager
def write_lock_held(app: Flask) -> Iterator[None]:
    """Another connection holds the write lock, as an import's transaction does."""
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_page_and_the_api_answer_503_while_the_write_lock_is_held_and_write_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("PostgreSQL has no database-wide write lock")
    monkeypatch.setitem(app.config, "SQLITE_REQUEST_WAIT_SECONDS", 0.3)
    client = app.test_client()
    assert sign_in(client, EMAIL).status_code == 302
    token = bearer(make_token(app, EMAIL))
    with app.app_context():
        events = db.session().query(AuditEvent).count()
    with write_lock_held(app):
        started = time.perf_counter()
        page = client.get("/referrals/")
        took = time.perf_counter() - started
        api = app.test_client().get("/api/v1/referrals", headers=token)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "The service is busy" in page.get_data(as_text=True)
    assert took < 3, took  # waited about SQLITE_REQUEST_WAIT_SECONDS, not the 30 s of a job
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert "busy" in api.get_json()["message"]
    with app.app_context():
        assert db.session().query(AuditEvent).count() == events  # the refused views wrote nothing
    # Once the import commits, the same requests are served.
    assert client.get("/referrals/").status_code == 200
    assert app.test_client().get("/api/v1/referrals", headers=token).status_code == 200
