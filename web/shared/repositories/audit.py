"""The audit log: appended to, never changed; searched by administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from web.db import session
from web.models import AuditEvent, LocalAuthority, User


def add_event(event: AuditEvent) -> None:
    session().add(event)


def list_events(object_ref: str | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if object_ref is not None:
        query = query.where(AuditEvent.object_ref == object_ref)
    return list(session().scalars(query))


@dataclass(frozen=True)
class EventFilter:
    """Which events to find. Only events by users of `authority_code`, by no user for it
    (the command line), or by no user for no authority (a failed sign-in for an unknown
    email) are ever found."""

    authority_code: str
    email_contains: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_ref: str | None = None
    at_or_after: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True)
class EventRow:
    """One audit event with who did it, as the search page and the CSV show it."""

    id: int
    at: datetime
    user_id: int | None
    user_name: str | None
    user_email: str | None
    user_role: str | None
    authority_name: str | None
    action: str
    object_type: str
    object_ref: str
    detail: str | None
    remote_addr: str | None


_COLUMNS: tuple[Any, ...] = (
    AuditEvent.id,
    AuditEvent.at,
    User.id,
    User.name,
    User.email,
    User.role,
    LocalAuthority.name,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_ref,
    AuditEvent.detail,
    AuditEvent.remote_addr,
)


def _conditions(wanted: EventFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [_visible_to(wanted.authority_code)]
    if wanted.email_contains:
        found.append(func.lower(User.email).contains(wanted.email_contains.lower(), autoescape=True))
    if wanted.action:
        found.append(AuditEvent.action == wanted.action)
    if wanted.object_type:
        found.append(AuditEvent.object_type == wanted.object_type)
    if wanted.object_ref:
        found.append(AuditEvent.object_ref == wanted.object_ref)
    if wanted.at_or_after is not None:
        found.append(AuditEvent.at >= wanted.at_or_after)
    if wanted.before is not None:
        found.append(AuditEvent.at < wanted.before)
    return found


def _visible_to(authority_code: str) -> ColumnElement[bool]:
    """The authority's users' events; events with no user for it (the command line); and
    events with no user and no authority (a failed sign-in for an email matching no account,
    which names no one: the email is never stored), which every administrator should see."""
    return or_(
        User.authority_code == authority_code,
        and_(
            AuditEvent.user_id.is_(None),
            or_(AuditEvent.authority_code == authority_code, AuditEvent.authority_code.is_(None)),
        ),
    )


def _rows(wanted: EventFilter) -> Select[Any]:
    return (
        select(*_COLUMNS)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .outerjoin(LocalAuthority, User.authority_code == LocalAuthority.gss_code)
        .where(*_conditions(wanted))
        # Newest first; the id breaks ties between events in the same instant.
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def count_events(wanted: EventFilter) -> int:
    query = select(func.count(AuditEvent.id)).outerjoin(User, AuditEvent.user_id == User.id).where(*_conditions(wanted))
    return int(session().scalar(query) or 0)


def search_events(wanted: EventFilter, offset: int, limit: int) -> list[EventRow]:
    """One page of matching events, newest first."""
    result = session().execute(_rows(wanted).offset(offset).limit(limit))
    return [EventRow(*row) for row in result]


def events_older_than(wanted: EventFilter, older_than: tuple[datetime, int] | None, limit: int) -> list[EventRow]:
    """Up to `limit` matching events that come after `older_than` (an event's time and id), newest first.

    Reading a long export a batch at a time this way, each batch its own short
    transaction, holds no lock or cursor open while the download is sent.
    """
    query = _rows(wanted)
    if older_than is not None:
        at, event_id = older_than
        query = query.where(or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < event_id)))
    return [EventRow(*row) for row in session().execute(query.limit(limit))]


def _distinct(column: Any, authority_code: str) -> list[str]:
    query = (
        select(column)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(_visible_to(authority_code))
        .distinct()
        .order_by(column)
    )
    return [str(value) for value in session().scalars(query)]


def actions_seen(authority_code: str) -> list[str]:
    """The actions recorded for the authority's users, for the search form."""
    return _distinct(AuditEvent.action, authority_code)


def object_types_seen(authority_code: str) -> list[str]:
    """The object types recorded for the authority's users, for the search form."""
    return _distinct(AuditEvent.object_type, authority_code)
