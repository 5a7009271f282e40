"""The world's version: one row, bumped in the transaction that changes the world.

A case's world is built from placements, their residents, areas, groups, rivalries
and the links between areas and groups, scoped by the co-operatives' data-sharing
agreements. Preparing and validating it is the dear part
of a ranking, so it is kept in memory per version (`web.matching.services.batch_case`),
and a ranking reads this one row to know whether what it kept is still the world.

Every change through the session bumps it: flushed objects of those models
(`after_flush`) and ORM-enabled bulk statements on their tables (`do_orm_execute`,
which also sees `session.execute(insert(Area), rows)` and `delete(Placement)`). Code
that writes those tables another way (a raw connection) calls `bump()` itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Update, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from web.db import session
from web.models import (
    Area,
    AreaGroup,
    CooperativeMember,
    CurrentResident,
    Group,
    Organisation,
    Placement,
    Rivalry,
    SharingAgreement,
    WorldVersion,
)

# The records a case's world is read from, and those deciding which of them an authority may
# use (decision 0080: its co-operatives and their data-sharing agreements).
WORLD_MODELS = (
    Placement,
    CurrentResident,
    Area,
    AreaGroup,
    Group,
    Rivalry,
    SharingAgreement,
    CooperativeMember,
    Organisation,
)
WORLD_TABLES = frozenset(model.__tablename__ for model in WORLD_MODELS)


def _bump_statement() -> Update:
    # A random token, not version + 1: see WorldVersion.
    return update(WorldVersion).where(WorldVersion.id == 1).values(version=uuid.uuid4().hex)


def current() -> str | None:
    """The world's version now, or None where the row is missing (then nothing may be kept)."""
    found: str | None = session().scalar(select(WorldVersion.version).where(WorldVersion.id == 1))
    return found


def bump() -> None:
    """Mark the world changed, in the current transaction (for writes the session cannot see)."""
    session().execute(_bump_statement())


def _touches_world(flushing: Session) -> bool:
    return any(isinstance(item, WORLD_MODELS) for group in (flushing.new, flushing.deleted) for item in group) or any(
        isinstance(item, WORLD_MODELS) and flushing.is_modified(item) for item in flushing.dirty
    )


def _after_flush(flushing: Session, _context: Any) -> None:
    # The session still shows what it flushed; the bump joins the same transaction.
    if _touches_world(flushing):
        flushing.connection().execute(_bump_statement())


def _do_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WORLD_TABLES:
        # Straight on the connection: through the session it would come back here.
        state.session.connection().execute(_bump_statement())


def listen() -> None:
    """Register the bumps on every session (idempotent; `create_app` calls it)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
