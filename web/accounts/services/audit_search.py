"""Searching the audit log, for administrators: by user, action, object and date.

An administrator sees the events of their own authority's users and no one else's,
events with no user that acted for their authority (command-line imports and exports,
re-checks they set off), and events with no user and no authority (a failed sign-in for
an email that matches no account; the email itself is never stored).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta

from web import db
from web.accounts.services.accounts import ROLE_NAMES, SignedInUser
from web.shared.repositories import audit as audit_repository
from web.shared.repositories.audit import EventFilter, EventRow
from web.shared.services import audit
from web.shared.services.date_input import PARTS, read_date
from web.shared.services.errors import Forbidden, InvalidInput

PAGE_SIZE = 50
# Who an event with no user is shown as.
NO_USER = "No user (command line, or a sign-in for an unknown email)"
EXPORT_BATCH = 1000
ADMIN_ROLES = ("admin",)
_TEXT_LIMITS = {"user": 200, "action": 40, "object_type": 40, "object_ref": 60}
_TEXT_LABELS = {"user": "User", "action": "Action", "object_type": "Object type", "object_ref": "Reference"}
_DATE_LABELS = {"from": "Date from", "to": "Date to"}
_DATE_PARTS = PARTS


@dataclass(frozen=True)
class AuditSearch:
    """What the administrator asked for, exactly as typed (dates parsed)."""

    user: str = ""
    action: str = ""
    object_type: str = ""
    object_ref: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def filters_used(self) -> list[str]:
        """The filters in use, in words for the audit log (never the email typed)."""
        used = []
        if self.user:
            used.append("user")
        used += [
            f"{name}={getattr(self, name)}" for name in ("action", "object_type", "object_ref") if getattr(self, name)
        ]
        if self.date_from:
            used.append(f"from={self.date_from.isoformat()}")
        if self.date_to:
            used.append(f"to={self.date_to.isoformat()}")
        return used


@dataclass(frozen=True)
class AuditPage:
    """One page of results."""

    rows: list[EventRow]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


def read_search(args: Mapping[str, str]) -> AuditSearch:
    """The search from the query string; InvalidInput names each field that is wrong."""
    problems: dict[str, str] = {}
    text: dict[str, str] = {}
    for name, limit in _TEXT_LIMITS.items():
        value = (args.get(name) or "").strip()
        if len(value) > limit:
            problems[name] = f"{_TEXT_LABELS[name]} must be {limit} characters or fewer"
        text[name] = value
    dates = {prefix: _read_date(args, prefix, problems) for prefix in _DATE_LABELS}
    if dates["from"] and dates["to"] and dates["to"] < dates["from"]:
        problems["to-day"] = "Date to must be the same as or after date from"
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    return AuditSearch(date_from=dates["from"], date_to=dates["to"], **text)


def _read_date(args: Mapping[str, str], prefix: str, problems: dict[str, str]) -> date | None:
    reading = read_date(args, prefix, _DATE_LABELS[prefix], required=False)
    if reading.field and reading.message:
        problems[reading.field] = reading.message
    return reading.value


def _filter(user: SignedInUser, search: AuditSearch) -> EventFilter:
    if user.role not in ADMIN_ROLES:
        raise Forbidden("only administrators search the audit log")
    return EventFilter(
        authority_code=user.authority_code,
        email_contains=search.user or None,
        action=search.action or None,
        object_type=search.object_type or None,
        object_ref=search.object_ref or None,
        at_or_after=datetime.combine(search.date_from, time.min) if search.date_from else None,
        # "To" includes the whole of that day.
        before=datetime.combine(search.date_to + timedelta(days=1), time.min) if search.date_to else None,
    )


def search(user: SignedInUser, criteria: AuditSearch, page: int = 1) -> AuditPage:
    """One page of the events matching the search, newest first (a page past the end shows the last)."""
    wanted = _filter(user, criteria)
    total = audit_repository.count_events(wanted)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = audit_repository.search_events(wanted, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return AuditPage(rows=rows, total=total, page=page, pages=pages)


def choices(user: SignedInUser) -> tuple[list[str], list[str]]:
    """The actions and object types seen for the administrator's authority."""
    if user.role not in ADMIN_ROLES:
        raise Forbidden("only administrators search the audit log")
    return audit_repository.actions_seen(user.authority_code), audit_repository.object_types_seen(user.authority_code)


CSV_HEADER = [
    "When",
    "Name",
    "Email",
    "Role",
    "Authority",
    "Action",
    "Object type",
    "Reference",
    "Detail",
    "From (address)",
]


def export_csv(user: SignedInUser, criteria: AuditSearch) -> Iterator[str]:
    """The matching events as CSV text, newest first; the export itself is audited first.

    The text is produced a batch of events at a time as it is sent, so a large export
    is never held in memory, and each batch is its own short transaction.
    """
    wanted = _filter(user, criteria)
    # The export covers what was there when it was asked for (not its own audit event).
    started = datetime.now()
    if wanted.before is None or wanted.before > started:
        wanted = replace(wanted, before=started)
    total = audit_repository.count_events(wanted)
    detail = f"{total} events; " + (", ".join(criteria.filters_used()) or "no filters")
    audit.record(user.id, "export", "audit_log", "csv", detail=detail[:200])
    db.commit()
    return _csv_lines(_all_events(wanted))


def _all_events(wanted: EventFilter) -> Iterator[EventRow]:
    older_than: tuple[datetime, int] | None = None
    while True:
        batch = audit_repository.events_older_than(wanted, older_than, EXPORT_BATCH)
        # End the read transaction between batches (on SQLite it holds the write lock).
        db.commit()
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        older_than = (batch[-1].at, batch[-1].id)


def _csv_lines(rows: Iterator[EventRow]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(CSV_HEADER)
    yield flush()
    for row in rows:
        writer.writerow(
            [
                row.at.isoformat(sep=" ", timespec="seconds"),
                _cell(row.user_name or NO_USER),
                _cell(row.user_email or ""),
                ROLE_NAMES.get(row.user_role, row.user_role) if row.user_role else "",
                _cell(row.authority_name or ""),
                _cell(row.action),
                _cell(row.object_type),
                _cell(row.object_ref),
                _cell(row.detail or ""),
                _cell(row.remote_addr or ""),
            ]
        )
        if buffer.tell() > 16_384:
            yield flush()
    yield flush()


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def search_fields() -> list[str]:
    """The query-string names the search uses, to carry it over to the next page and the CSV."""
    names = [f.name for f in fields(AuditSearch) if not f.name.startswith("date_")]
    return names + [f"{prefix}-{part}" for prefix in _DATE_LABELS for part in _DATE_PARTS]
