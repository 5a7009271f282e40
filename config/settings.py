"""Settings for the web app: safe defaults here, secrets and locations from the environment.

| variable | meaning | default |
|---|---|---|
| SECRET_KEY | signs sessions and CSRF tokens | required outside testing |
| DATABASE_URL | SQLAlchemy URL | sqlite:///<instance>/planner.db |
| SESSION_COOKIE_SECURE | send the session cookie over HTTPS only | 1 |
| MAP_TILE_URL | map tile URL template (https://host/{z}/{x}/{y}.png); empty: outlines only | empty |
| MAP_TILE_ATTRIBUTION | the tile provider's attribution shown on maps | empty |
| SESSION_IDLE_MINUTES | sign a user out after this long without a request | 30 |
| SESSION_MAX_HOURS | sign a user out this long after signing in, active or not | 10 |
| UPLOAD_MAX_MB | largest upload (all files of one import together), in MB; larger answers 413 | 50 |
| POLICE_UK_SUGGESTIONS | most LSOAs a police.uk import suggests for review | 25 |
| POLICE_UK_MIN_OFFENCES | fewest drug, weapon, violence and robbery offences for an LSOA to be suggested | 10 |
| SUPPRESSION_THRESHOLD | capacity review: counts of children below this after adjustment, or none, show c | 5 |
| DISCLOSURE_KEY | keys the capacity review's record keys (cell-key perturbation); keep it stable | from SECRET_KEY |
| REDIS_URL | the job queue on Redis (redis://host:6379/0), workers on several machines | empty: embedded SQLite |
| JOB_SILENT_SECONDS | a running job whose worker has said nothing this long has stopped: it is failed | 600 |
| IMPORT_JOB_BYTES | an import whose files together are larger than this (bytes) runs as a job | 500000 |
| DISCLOSURE_MAX_NOISE | capacity review: the most a count of children is adjusted either way | 2 |
| SQLITE_REQUEST_WAIT_SECONDS | SQLite: seconds a request waits for the write lock, then answers 503 | 8 |
| IMPORT_REPORT_DAYS | days an import's row-by-row report (it names CHILD ids) is kept after the import | 30 |
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise RuntimeError(f"{name} must be more than 0, not {value}")
    return value


def from_environment(instance_path: str) -> dict[str, Any]:
    """Flask config from the environment."""
    default_db = f"sqlite:///{Path(instance_path) / 'planner.db'}"
    secure = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    max_hours = _positive_int("SESSION_MAX_HOURS", 10)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        # The session cookie only carries the user id and a random token; the session
        # itself (and whether it has ended) lives in the user_sessions table.
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_IDLE_MINUTES": _positive_int("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": max_hours,
        # The cookie lasts as long as the longest session may; the server ends it sooner.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=max_hours),
        # Flask-Login's remember-me cookie is never set (sign-in passes remember=False);
        # these only harden it should anyone turn it on.
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL", ""),
        # Imports through the page; the command line (flask import-data) has no limit.
        "MAX_CONTENT_LENGTH": _positive_int("UPLOAD_MAX_MB", 50) * 1024 * 1024,
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION", ""),
        "POLICE_UK_SUGGESTIONS": _positive_int("POLICE_UK_SUGGESTIONS", 25),
        "POLICE_UK_MIN_OFFENCES": _positive_int("POLICE_UK_MIN_OFFENCES", 10),
        # Counts of children below this after adjustment, and none, are published as "c" (capacity review).
        "SUPPRESSION_THRESHOLD": _positive_int("SUPPRESSION_THRESHOLD", 5),
        # Cell-key perturbation (docs/decisions/0051): the key of the record keys, and the largest adjustment.
        "DISCLOSURE_KEY": os.environ.get("DISCLOSURE_KEY", ""),
        "DISCLOSURE_MAX_NOISE": _positive_int("DISCLOSURE_MAX_NOISE", 2),
        # Long work runs as jobs on this queue (docs/decisions/0060); empty: the embedded SQLite queue.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "JOB_SILENT_SECONDS": _positive_int("JOB_SILENT_SECONDS", 600),
        # Larger uploads import as a job, inside the 10 s a request may take (docs/decisions/0072).
        "IMPORT_JOB_BYTES": _positive_int("IMPORT_JOB_BYTES", 500_000),
        # SQLite: a request waits this long for the one write lock, then answers 503 (decision 0072).
        "SQLITE_REQUEST_WAIT_SECONDS": _positive_int("SQLITE_REQUEST_WAIT_SECONDS", 8),
        # Import reports name children's ids (SSDA903 CHILD): kept only while someone may act on them.
        "IMPORT_REPORT_DAYS": _positive_int("IMPORT_REPORT_DAYS", 30),
        # The embedded queue's file (default instance/jobs.sqlite3): the web server and its worker share it.
        "JOBS_SQLITE_PATH": os.environ.get("JOBS_SQLITE_PATH", ""),
    }
