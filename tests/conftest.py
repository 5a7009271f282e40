"""Shared fixtures: the app on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from web import create_app, migrate
from web.services import reference_data

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
