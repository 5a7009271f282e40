"""Shared fixtures: the app on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.

The clock is pinned for the whole run (time-machine), so no test depends on the day it
runs: `PLANNER_TEST_NOW` moves it (`PLANNER_TEST_NOW=2028-02-29T23:30 make test`) to try
the suite on a first of the month, a New Year or a leap day. The clock ticks from there,
so timeouts and durations still pass as they would.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from web import create_app, migrate
from web.shared.services import reference_data

# 2 December 2026 is the day a test that read the real clock failed: a good default to keep.
DEFAULT_TEST_NOW = "2026-12-02T10:00:00"


def test_now() -> datetime:
    """The moment the suite's clock starts from (local time, naive)."""
    return datetime.fromisoformat(os.environ.get("PLANNER_TEST_NOW") or DEFAULT_TEST_NOW)


test_now.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


# Pinned when this module is first imported, not in pytest_configure: pytest imports the
# conftest of a folder named on the command line (tests/e2e) before it configures, and
# that imports builders whose dates must already come from the pinned clock.
_clock = time_machine.travel(test_now(), tick=True)
_clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    _clock.stop()


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock pinned at {test_now().isoformat()} (set PLANNER_TEST_NOW to move it)"


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _postgres_database() -> Iterator[str]:
    """A fresh database on the TEST_DATABASE_URL server, dropped afterwards."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"planner_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            # Jobs run at once inside the request that queues them; tests/integration/test_jobs.py
            # runs them on a real worker, with the SQLite queue and with Redis.
            "JOBS_IMMEDIATE": True,
        }
    )
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
    return app


@pytest.fixture(scope="module", params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A migrated app with the reference authorities loaded, one per test module and backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "planner.db"
        yield make_app(f"sqlite:///{path}")
        return
    gen = _postgres_database()
    url = next(gen)
    application = make_app(url)
    yield application
    from web import db

    db.engine(application).dispose()
    next(gen, None)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()
