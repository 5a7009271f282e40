"""Young people and what is recorded about them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import (
    MissingEpisode,
    PersonToAvoid,
    Referral,
    ReferralYoungPerson,
    RiskLocation,
    SupportLink,
    YoungPerson,
    YoungPersonGroup,
)


def count_young_people() -> int:
    return int(session().scalar(select(func.count()).select_from(YoungPerson)) or 0)


def add_young_person(person: YoungPerson) -> None:
    session().add(person)


def _in_authority(authority_code: str, search: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [YoungPerson.responsible_authority_code == authority_code]
    if search:
        conditions.append(YoungPerson.reference.icontains(search, autoescape=True))
    return conditions


def count_for_authority(authority_code: str, search: str = "") -> int:
    query = select(func.count()).select_from(YoungPerson).where(*_in_authority(authority_code, search))
    return int(session().scalar(query) or 0)


def list_for_authority(authority_code: str, search: str = "", offset: int = 0, limit: int = 50) -> list[YoungPerson]:
    """One page of an authority's young people in reference order, with their missing episodes."""
    query = (
        select(YoungPerson)
        .where(*_in_authority(authority_code, search))
        .options(selectinload(YoungPerson.missing_episodes))
        .order_by(YoungPerson.reference)
        .offset(offset)
        .limit(limit)
    )
    return list(session().scalars(query))


def open_referral_counts(young_person_ids: list[int]) -> dict[int, int]:
    """How many open referrals name each young person (absent: none)."""
    if not young_person_ids:
        return {}
    query = (
        select(ReferralYoungPerson.young_person_id, func.count())
        .join(Referral, Referral.id == ReferralYoungPerson.referral_id)
        .where(Referral.status == "open", ReferralYoungPerson.young_person_id.in_(young_person_ids))
        .group_by(ReferralYoungPerson.young_person_id)
    )
    return {person_id: int(n) for person_id, n in session().execute(query)}


def referrals_naming(young_person_id: int) -> list[Referral]:
    query = (
        select(Referral)
        .join(ReferralYoungPerson, ReferralYoungPerson.referral_id == Referral.id)
        .where(ReferralYoungPerson.young_person_id == young_person_id)
        .order_by(Referral.created_at.desc(), Referral.reference)
    )
    return list(session().scalars(query))


def get_by_reference(reference: str) -> YoungPerson | None:
    """A young person with everything recorded about them loaded."""
    query = (
        select(YoungPerson)
        .where(YoungPerson.reference == reference)
        .options(
            selectinload(YoungPerson.support_links),
            selectinload(YoungPerson.risk_locations),
            selectinload(YoungPerson.people_to_avoid),
            selectinload(YoungPerson.missing_episodes),
            selectinload(YoungPerson.group_links).selectinload(YoungPersonGroup.group),
        )
    )
    return session().scalars(query).first()


def reference_taken(reference: str) -> bool:
    """True if any authority already uses the reference (references are unique everywhere)."""
    query = select(func.count()).select_from(YoungPerson).where(func.upper(YoungPerson.reference) == reference.upper())
    return bool(session().scalar(query))


def save_pending() -> None:
    """Write pending changes inside the transaction (to learn new ids) without committing."""
    session().flush()


def remove(item: YoungPersonGroup | PersonToAvoid | SupportLink | MissingEpisode) -> None:
    session().delete(item)


def remove_risk_location(location: RiskLocation, episodes: list[MissingEpisode]) -> None:
    """Delete a risk location, first unlinking the missing episodes it was made from."""
    for episode in episodes:
        episode.risk_location_id = None
    session().flush()
    session().delete(location)
