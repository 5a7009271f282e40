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

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
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


def _sqlite_begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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
