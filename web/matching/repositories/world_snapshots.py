"""World snapshots: the world part of cases, stored once and named by its sha256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from web.db import session
from web.models import WorldSnapshot


def exists(sha256: str) -> bool:
    # The key only: the compressed world is never read to answer this.
    return session().scalar(select(WorldSnapshot.sha256).where(WorldSnapshot.sha256 == sha256)) is not None


def add_once(sha256: str, parts: bytes) -> None:
    """Store the snapshot unless it is there already (another request may be storing it too)."""
    if exists(sha256):
        return
    try:
        with session().begin_nested():
            session().add(WorldSnapshot(sha256=sha256, parts=parts, created_at=datetime.now()))
    except IntegrityError:
        pass  # stored by a concurrent request since: the same bytes, by their hash


def get_parts(sha256: str) -> bytes | None:
    found: bytes | None = session().scalar(select(WorldSnapshot.parts).where(WorldSnapshot.sha256 == sha256))
    return found
