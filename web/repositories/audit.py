"""The audit log: appended to, never changed."""

from __future__ import annotations

from sqlalchemy import select

from web.db import session
from web.models import AuditEvent


def add_event(event: AuditEvent) -> None:
    session().add(event)


def list_events(object_ref: str | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if object_ref is not None:
        query = query.where(AuditEvent.object_ref == object_ref)
    return list(session().scalars(query))
