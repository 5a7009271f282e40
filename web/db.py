"""The database connection: one engine per app, one session per app context.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout.
Its transactions begin IMMEDIATE: a request that reads and then writes (every
page view writes an audit event) takes the write lock at its first statement,
so concurrent requests queue instead of failing with "database is locked" when
a read snapshot goes stale, and two people taking the last place are served
one after the other. PostgreSQL uses row locks (SELECT ... FOR UPDATE) instead.
See docs/decisions/0005-taking-the-last-place.md.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

_EXTENSION = "planner_db"


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    engine = create_engine(url, **_engine_options(url))
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    app.extensions[_EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.logger.addFilter(NoDatabaseValues())


class NoDatabaseValues(logging.Filter):
    """Logs a database error's traceback and kind, never its message.

    hide_parameters keeps the values out of SQLAlchemy's own text, but the database's
    message can quote them too (PostgreSQL's "Key (email)=(...) already exists"), and
    Flask logs every unhandled exception with its message and its cause's.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DBAPIError):
            frames = "".join(traceback.format_tb(error.__traceback__))
            kind = f"{type(error).__name__} ({type(error.orig).__name__})"
            record.msg = f"{record.getMessage()}\n{frames}{kind}: the database's message and values are not logged"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def _engine_options(url: str) -> dict[str, Any]:
    # hide_parameters: a database error's message (logged, or shown by a traceback) names the
    # statement but not its values, which are casework: notes, labels with coordinates, emails.
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False, "timeout": 30}, "hide_parameters": True}
    return {"pool_pre_ping": True, "hide_parameters": True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # Let SQLAlchemy's "begin" event emit BEGIN (pysqlite's own BEGIN would be DEFERRED).
    dbapi_connection.isolation_level = None


# How long a transaction waits for SQLite's one write lock: a web request briefly (a large
# import's job holds the lock from its first row to its commit, decision 0072, and a request
# must answer inside gunicorn's 10 s: it answers 503 "busy, try again" instead), the command
# line and jobs patiently.
REQUEST_WAIT_SECONDS = 8.0
PATIENT_WAIT_SECONDS = 30.0


def _sqlite_begin_immediate(connection: Any) -> None:
    if has_request_context():
        wait = float(current_app.config.get("SQLITE_REQUEST_WAIT_SECONDS", REQUEST_WAIT_SECONDS))
    else:
        wait = PATIENT_WAIT_SECONDS
    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait * 1000)}")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# The errors among which `is_busy` finds SQLite's "database is locked" (the app's handler catches
# these and answers 503 for that one, web/__init__.py; nothing outside this module imports SQLAlchemy's).
MaybeBusy = OperationalError


def is_busy(error: BaseException) -> bool:
    """Whether `error` is SQLite's "database is locked": another transaction held the write lock
    longer than this one would wait. Nothing was written; trying again later is the answer."""
    return isinstance(error, OperationalError) and "database is locked" in str(getattr(error, "orig", error))


def engine(app: Flask | None = None) -> Engine:
    factory: sessionmaker[Session] = (app or current_app).extensions[_EXTENSION]
    bound = factory.kw["bind"]
    assert isinstance(bound, Engine)
    return bound


def session() -> Session:
    """The session of the current app context (a request or a CLI command)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[_EXTENSION]()
    found: Session = g.db_session
    return found


def commit() -> None:
    session().commit()


def rollback() -> None:
    session().rollback()


def _close_session(_exc: BaseException | None) -> None:
    found = g.pop("db_session", None)
    if found is not None:
        found.close()
