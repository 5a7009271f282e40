"""What the commissioners' capacity review reads: demand, supply, decisions, current placements, episodes.

Rows come back as plain named tuples of the fields the aggregates need (never a
name; a reference only where the engine needs it to build a case), so nothing
personal travels further than the service that counts them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import (
    CareEpisode,
    CurrentResident,
    Decision,
    Placement,
    Referral,
    YoungPerson,
    YoungPersonGroup,
)


def open_referrals() -> list[Referral]:
    """Every open referral in the consortium, with what the engine needs loaded, by reference."""
    query = (
        select(Referral)
        .where(Referral.status == "open")
        .options(
            selectinload(Referral.young_people).selectinload(YoungPerson.support_links),
            selectinload(Referral.young_people).selectinload(YoungPerson.risk_locations),
            selectinload(Referral.young_people).selectinload(YoungPerson.people_to_avoid),
            selectinload(Referral.young_people)
            .selectinload(YoungPerson.group_links)
            .selectinload(YoungPersonGroup.group),
            selectinload(Referral.exclusions),
        )
        .order_by(Referral.reference)
    )
    return list(session().scalars(query))


def active_placements() -> list[Placement]:
    """Active placements (the supply), by code."""
    return list(session().scalars(select(Placement).where(Placement.status == "active").order_by(Placement.code)))


class DecisionRow(NamedTuple):
    referral_authority: str
    referral_created_at: datetime
    decided_at: datetime
    places: int
    settings: dict[str, str]
    asked_specialisms: list[str]
    placement_setting: str
    placement_authority: str | None
    placement_lat: float
    placement_lon: float
    # One entry per young person on the referral: (date of birth, risks, home lat, home lon).
    young_people: list[tuple[date, list[str], float, float]]
    decision_id: int = 0
    # The young people's references, in the order of `young_people` (records of the published counts).
    person_references: tuple[str, ...] = ()


def decisions_since(start: datetime) -> list[DecisionRow]:
    """Decisions awaiting approval or approved, made at or after `start`, oldest first."""
    query = (
        select(Decision)
        .where(Decision.decided_at >= start, Decision.status.in_(("awaiting_approval", "approved")))
        .options(
            selectinload(Decision.referral).selectinload(Referral.young_people),
            selectinload(Decision.placement),
        )
        .order_by(Decision.decided_at, Decision.id)
    )
    return [
        DecisionRow(
            d.referral.authority_code,
            d.referral.created_at,
            d.decided_at,
            d.places,
            dict(d.referral.settings or {}),
            list(d.referral.required_specialisms or []) + list(d.referral.preferred_specialisms or []),
            d.placement.setting,
            d.placement.authority_code,
            d.placement.lat,
            d.placement.lon,
            [(yp.date_of_birth, list(yp.risks or []), yp.home_lat, yp.home_lon) for yp in d.referral.young_people],
            d.id,
            tuple(yp.reference for yp in d.referral.young_people),
        )
        for d in session().scalars(query)
    ]


class CurrentPlacementRow(NamedTuple):
    responsible_authority: str
    date_of_birth: date
    sex: str
    ethnicity: str
    risks: list[str]
    home_lat: float
    home_lon: float
    placement_authority: str | None
    placement_lat: float
    placement_lon: float
    setting: str
    specialist: bool
    specialisms: list[str]
    person_reference: str = ""


def current_placements() -> list[CurrentPlacementRow]:
    """Young people living in a placement now (a current-resident row under their reference)."""
    query = (
        select(YoungPerson, Placement)
        .join(CurrentResident, CurrentResident.person_reference == YoungPerson.reference)
        .join(Placement, Placement.id == CurrentResident.placement_id)
        .where(Placement.status != "closed")
        .order_by(YoungPerson.id, CurrentResident.id)
    )
    seen: set[int] = set()
    rows = []
    for person, placement in session().execute(query):
        if person.id in seen:  # one home per child: the first recorded
            continue
        seen.add(person.id)
        rows.append(
            CurrentPlacementRow(
                person.responsible_authority_code,
                person.date_of_birth,
                person.sex,
                person.ethnicity,
                list(person.risks or []),
                person.home_lat,
                person.home_lon,
                placement.authority_code,
                placement.lat,
                placement.lon,
                placement.setting,
                placement.specialist,
                list(placement.specialisms or []),
                person.reference,
            )
        )
    return rows


class EpisodeRow(NamedTuple):
    authority: str
    start: date
    place: str
    distance_miles: float | None
    location: str | None
    episode_id: int = 0


def care_episodes_between(first: date, last: date) -> list[EpisodeRow]:
    """SSDA903 episodes starting between the days (inclusive), not those derived from a decision."""
    query = (
        select(
            CareEpisode.authority_code,
            CareEpisode.start,
            CareEpisode.place,
            CareEpisode.distance_miles,
            CareEpisode.location,
            CareEpisode.id,
        )
        .where(CareEpisode.start >= first, CareEpisode.start <= last, CareEpisode.decision_id.is_(None))
        .order_by(CareEpisode.start, CareEpisode.id)
    )
    return [EpisodeRow(*row) for row in session().execute(query)]


def add_care_episode(episode: CareEpisode) -> None:
    session().add(episode)


class ReturnEpisodeRow(NamedTuple):
    """An imported SSDA903 episode with the fields DfE's counts need, and its child's reference."""

    episode_id: int
    child: str  # the young person's reference: the record a count of children tallies
    authority: str  # the responsible authority (the one that made the return)
    start: date
    end: date | None
    reason_new_episode: str | None
    legal_status: str | None
    place: str
    distance_miles: float | None
    location: str | None


def imported_episodes(authority: str = "") -> list[ReturnEpisodeRow]:
    """Every episode imported from an SSDA903 return (none derived from a decision), of one authority or all."""
    query = (
        select(
            CareEpisode.id,
            YoungPerson.reference,
            CareEpisode.authority_code,
            CareEpisode.start,
            CareEpisode.end,
            CareEpisode.reason_new_episode,
            CareEpisode.legal_status,
            CareEpisode.place,
            CareEpisode.distance_miles,
            CareEpisode.location,
        )
        .join(YoungPerson, YoungPerson.id == CareEpisode.young_person_id)
        .where(CareEpisode.decision_id.is_(None))
        .order_by(CareEpisode.id)
    )
    if authority:
        query = query.where(CareEpisode.authority_code == authority)
    return [ReturnEpisodeRow._make(row) for row in session().execute(query)]


def imported_episode_authorities() -> set[str]:
    """The authorities with an imported SSDA903 episode (those that made a return)."""
    query = select(CareEpisode.authority_code).where(CareEpisode.decision_id.is_(None)).distinct()
    return set(session().scalars(query))
