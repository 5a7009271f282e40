"""Referrals, and the young people a referral can be made for."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import ColumnElement, CursorResult, and_, case, func, or_, select, update
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Decision, Referral, ReferralYoungPerson, YoungPerson, YoungPersonGroup

# Referral order on lists: most urgent first, then oldest.
_URGENCY_ORDER = {"today": 0, "within_5_days": 1, "later": 2}
_URGENCY_RANK = case(_URGENCY_ORDER, value=Referral.needed_by, else_=9)
_GENERATED_REFERENCE = re.compile(r"R-(\d+)")


def _filters(
    authority_code: str, statuses: Collection[str] | None, urgencies: Collection[str] | None, search: str
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Referral.authority_code == authority_code]
    if statuses:
        conditions.append(Referral.status.in_(sorted(statuses)))
    if urgencies:
        conditions.append(Referral.needed_by.in_(sorted(urgencies)))
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                func.lower(Referral.reference).like(pattern, escape="\\"),
                Referral.young_people.any(func.lower(YoungPerson.reference).like(pattern, escape="\\")),
            )
        )
    return conditions


def list_referrals(
    authority_code: str,
    status: str | None = "open",
    *,
    urgencies: Collection[str] | None = None,
    search: str = "",
) -> list[Referral]:
    """The authority's referrals in `status` (None: every status), most urgent first, then oldest.

    `urgencies` keeps those needed by any of them (empty or None: all); `search` matches
    part of the referral's reference or of one of its young people's, ignoring case.
    """
    query = (
        select(Referral)
        .where(*_filters(authority_code, None if status is None else [status], urgencies, search))
        .options(selectinload(Referral.young_people))
        .order_by(_URGENCY_RANK, Referral.created_at, Referral.reference)
    )
    return list(session().scalars(query))


def count_by_status(authority_code: str, urgencies: Collection[str] | None = None, search: str = "") -> dict[str, int]:
    """How many of the authority's referrals are in each status, with the same urgency and search filters."""
    query = (
        select(Referral.status, func.count())
        .where(*_filters(authority_code, None, urgencies, search))
        .group_by(Referral.status)
        .order_by(Referral.status)
    )
    return {status: int(count) for status, count in session().execute(query)}


def get_referral(authority_code: str, reference: str, records: bool = True) -> Referral | None:
    """The authority's referral with everything the engine needs about its young people loaded.

    With `records=False` only the referral and its worker exclusions are loaded (the rest on
    first touch): what a page that reads a stored run needs to check the referral is the
    user's, without the seven queries of its young people's records.
    """
    if not records:
        light = (
            select(Referral)
            .where(Referral.authority_code == authority_code, Referral.reference == reference)
            .options(selectinload(Referral.exclusions))
        )
        return session().scalars(light).first()
    query = (
        select(Referral)
        .where(Referral.authority_code == authority_code, Referral.reference == reference)
        .options(
            selectinload(Referral.young_people).selectinload(YoungPerson.support_links),
            selectinload(Referral.young_people).selectinload(YoungPerson.risk_locations),
            selectinload(Referral.young_people).selectinload(YoungPerson.people_to_avoid),
            selectinload(Referral.young_people).selectinload(YoungPerson.missing_episodes),
            selectinload(Referral.young_people)
            .selectinload(YoungPerson.group_links)
            .selectinload(YoungPersonGroup.group),
            selectinload(Referral.exclusions),
        )
    )
    return session().scalars(query).first()


def add_referral(referral: Referral) -> None:
    session().add(referral)


def highest_generated_number(authority_code: str) -> int:
    """The largest N among the authority's references of the form R-N (0 when there are none).

    References are unique within an authority (migration 0019), so each numbers its own: one
    authority's count of referrals is not told to another by the next number it is given.
    """
    references = session().scalars(
        select(Referral.reference).where(Referral.authority_code == authority_code, Referral.reference.like("R-%"))
    )
    numbers = [int(m.group(1)) for r in references if (m := _GENERATED_REFERENCE.fullmatch(r))]
    return max(numbers, default=0)


def list_young_people_born_after(authority_code: str, born_after: date) -> list[YoungPerson]:
    """The authority's young people born after a day (so under an age), by reference."""
    query = (
        select(YoungPerson)
        .where(YoungPerson.responsible_authority_code == authority_code, YoungPerson.date_of_birth > born_after)
        .order_by(YoungPerson.reference)
    )
    return list(session().scalars(query))


def open_referrals_by_young_person(authority_code: str) -> dict[int, list[str]]:
    """For each young person of the authority on an open referral: those referrals' references."""
    query = (
        select(ReferralYoungPerson.young_person_id, Referral.reference)
        .join(Referral, Referral.id == ReferralYoungPerson.referral_id)
        .where(and_(Referral.authority_code == authority_code, Referral.status == "open"))
        .order_by(ReferralYoungPerson.young_person_id, Referral.reference)
    )
    found: dict[int, list[str]] = {}
    for person_id, reference in session().execute(query):
        found.setdefault(person_id, []).append(reference)
    return found


def get_young_people(ids: Sequence[int]) -> list[YoungPerson]:
    if not ids:
        return []
    query = select(YoungPerson).where(YoungPerson.id.in_(list(ids))).order_by(YoungPerson.reference)
    return list(session().scalars(query))


def has_standing_decision(referral_id: int) -> bool:
    """Whether a decision awaiting approval or approved holds places for this referral."""
    query = select(func.count()).where(
        Decision.referral_id == referral_id, Decision.status.in_(("awaiting_approval", "approved"))
    )
    return bool(session().scalar(query))


def claim_open(referral_id: int, expected_updated_at: datetime | None, now: datetime) -> bool:
    """Stamp the referral as changed at `now` if it is still open and unchanged since it was read.

    The conditional UPDATE locks the row until commit, so of two people saving or
    closing the same referral at once exactly one succeeds; False means the other won.
    """
    unchanged = (
        Referral.updated_at.is_(None) if expected_updated_at is None else Referral.updated_at == expected_updated_at
    )
    statement = (
        update(Referral)
        .where(Referral.id == referral_id, Referral.status == "open", unchanged)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[tuple[()]], session().execute(statement))
    return result.rowcount == 1
