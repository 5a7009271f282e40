"""Groups (the gangs and networks areas and young people are linked to): owned intelligence.

Listed, created, edited and retired by their owner through the groups page and the API,
and read by others only when shared for intelligence (the access policy, decision 0080).
Each carries its source, confidence and review date; a retired group stays on record (past
runs name it) but is never offered or used again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from web import db
from web.models import CONFIDENCE, Group
from web.shared.repositories import intelligence
from web.shared.services import audit, date_input, sharing
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class GroupRow:
    code: str
    label: str
    source: str
    confidence: str
    review_by: date
    owner_code: str | None
    owner: str
    retired_on: date | None
    mine: bool  # the viewer's organisation owns it, so may change it (in a writing role)
    shared: str | None  # why another owner's group is visible ("shared by Salford for intelligence")


@dataclass(frozen=True)
class GroupInput:
    label: str
    source: str
    confidence: str
    review_by: date | None


def readable_groups(access: sharing.Access, include_retired: bool = False) -> list[Group]:
    """The groups this actor may read: its own, unowned ones and those shared for intelligence."""
    verdicts: dict[str | None, bool] = {}
    found = []
    for group in intelligence.list_groups():
        if group.retired_on is not None and not include_retired:
            continue
        if group.owner_code not in verdicts:
            verdicts[group.owner_code] = access.may_read("group", group.owner_code).allowed
        if verdicts[group.owner_code]:
            found.append(group)
    return found


def readable_for(organisation_code: str) -> list[Group]:
    """The groups an organisation's users may link a young person or an area to."""
    return readable_groups(sharing.for_organisation(organisation_code, sharing.READER_ROLE))


def _row(group: Group, access: sharing.Access) -> GroupRow:
    names = access.names([group.owner_code])
    verdict = access.may_read("group", group.owner_code)
    return GroupRow(
        group.code,
        group.label,
        group.source,
        group.confidence,
        group.review_by,
        group.owner_code,
        names.get(group.owner_code or "", "No owner"),
        group.retired_on,
        group.owner_code == access.actor.organisation,
        verdict.reason if verdict.shared else None,
    )


def list_groups(user: sharing.Person) -> list[GroupRow]:
    """Every group the user may read, retired ones too, by code."""
    access = sharing.for_user(user)
    found = readable_groups(access, include_retired=True)
    access.audit_shared("group", [g.owner_code for g in found], "group_list", "groups")
    db.commit()
    return [_row(g, access) for g in found]


def get(user: sharing.Person, code: str) -> GroupRow:
    access = sharing.for_user(user)
    group = intelligence.get_group(code)
    if group is None or not access.may_read("group", group.owner_code).allowed:
        raise NotFound(code)  # another's unshared group is not there for this user
    access.audit_shared("group", [group.owner_code], "group", code)
    db.commit()
    return _row(group, access)


def may_add(user: sharing.Person) -> bool:
    return sharing.for_user(user).may_write("group", user.authority_code).allowed


def _check(values: GroupInput, today: date, problems: dict[str, str]) -> None:
    if not values.label.strip() or len(values.label.strip()) > 120:
        problems["label"] = "Enter a label of up to 120 characters (a fictional or generic name, never a real gang's)"
    if not values.source.strip() or len(values.source.strip()) > 120:
        problems["source"] = "Enter the source of up to 120 characters"
    if values.confidence not in CONFIDENCE:
        problems["confidence"] = "Choose how confident the source is"
    if values.review_by is None:
        problems.setdefault("review_by-day", "Enter the review date")
    elif values.review_by < today:
        problems["review_by-day"] = "Review date must be today or in the future"


def add(user: sharing.Person, code: str, values: GroupInput, today: date | None = None) -> GroupRow:
    """Record a group owned by the user's authority (audited)."""
    today = today or date.today()
    access = sharing.for_user(user, today)
    verdict = access.may_write("group", user.authority_code)
    if not verdict.allowed:
        raise Forbidden(verdict.reason)
    problems: dict[str, str] = {}
    code = code.strip()
    if not CODE.match(code):
        problems["code"] = "Enter a code of up to 40 letters, digits, hyphens and underscores, like G-NORTH"
    elif intelligence.group_code_taken(code):
        problems["code"] = f"The code {code} is taken: choose another"
    _check(values, today, problems)
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    assert values.review_by is not None
    group = Group(
        code=code,
        label=values.label.strip(),
        source=values.source.strip(),
        confidence=values.confidence,
        review_by=values.review_by,
        owner_code=user.authority_code,
    )
    intelligence.add(group)
    intelligence.save()
    audit.record(user.id, "create", "group", code, None)
    db.commit()
    return _row(group, access)


def _owned(user: sharing.Person, code: str, today: date) -> tuple[Group, sharing.Access]:
    access = sharing.for_user(user, today)
    group = intelligence.get_group(code)
    if group is None or not access.may_read("group", group.owner_code).allowed:
        raise NotFound(code)
    verdict = access.may_write("group", group.owner_code)
    if not verdict.allowed:
        raise Forbidden(verdict.reason)
    return group, access


def edit(user: sharing.Person, code: str, values: GroupInput, today: date | None = None) -> GroupRow:
    """Change a group's label, source, confidence or review date: its owner only (audited)."""
    today = today or date.today()
    group, access = _owned(user, code, today)
    if group.retired_on is not None:
        raise Conflict(f"group {code} is retired")
    problems: dict[str, str] = {}
    _check(values, today, problems)
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    assert values.review_by is not None
    changed = []
    for name, value in (
        ("label", values.label.strip()),
        ("source", values.source.strip()),
        ("confidence", values.confidence),
        ("review_by", values.review_by),
    ):
        if getattr(group, name) != value:
            setattr(group, name, value)
            changed.append(name)
    if changed:
        audit.record(user.id, "update", "group", code, "changed " + ", ".join(changed))
    db.commit()
    return _row(group, access)


def retire(user: sharing.Person, code: str, today: date | None = None) -> GroupRow:
    """Retire a group from today: no longer offered, nor used by rankings (audited)."""
    today = today or date.today()
    group, access = _owned(user, code, today)
    if group.retired_on is not None:
        raise Conflict(f"group {code} is already retired")
    group.retired_on = today
    audit.record(user.id, "retire", "group", code, None)
    db.commit()
    return _row(group, access)


def read_form(data: Mapping[str, Any]) -> tuple[GroupInput, dict[str, str]]:
    """A group from the page's form (review date in three boxes), and the date's problem if any."""
    reading = date_input.read_date(data, "review_by", "Review date")
    problems = {reading.field: reading.message} if reading.field and reading.message else {}
    values = GroupInput(
        str(data.get("label", "")), str(data.get("source", "")), str(data.get("confidence", "")), reading.value
    )
    return values, problems


def add_from_form(user: sharing.Person, data: Mapping[str, Any]) -> GroupRow:
    values, problems = read_form(data)
    if problems:
        _fail_with(problems, values)
    return add(user, str(data.get("code", "")), values)


def edit_from_form(user: sharing.Person, code: str, data: Mapping[str, Any]) -> GroupRow:
    values, problems = read_form(data)
    if problems:
        get(user, code)  # not found before a form problem, as for any other edit
        _fail_with(problems, values)
    return edit(user, code, values)


def _fail_with(problems: dict[str, str], values: GroupInput) -> None:
    _check(values, date.today(), problems)
    raise InvalidInput(list(problems.values()), problems)
