"""What the host force's co-ordinator and the commissioned interview provider are shown:
live placements in a set of authorities' areas, and the return-home-interview commissions."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Decision, MissingEpisode, Placement, Referral, RhiCommission, YoungPerson

_LIVE = ("awaiting_approval", "approved")


def live_placements_in(authority_codes: Collection[str]) -> list[Decision]:
    """Decisions not refused whose placement stands in one of the authorities' areas, oldest first."""
    if not authority_codes:
        return []
    query = (
        select(Decision)
        .join(Placement, Decision.placement_id == Placement.id)
        .where(Placement.authority_code.in_(authority_codes), Decision.status.in_(_LIVE))
        .options(
            selectinload(Decision.placement),
            selectinload(Decision.referral)
            .selectinload(Referral.young_people)
            .selectinload(YoungPerson.missing_episodes)
            .selectinload(MissingEpisode.young_person),
            selectinload(Decision.referral).selectinload(Referral.young_people).selectinload(YoungPerson.group_links),
        )
        .order_by(Decision.start_date, Decision.id)
    )
    return list(session().scalars(query))


def live_placements_for(young_person_id: int) -> list[Decision]:
    """The young person's decisions not refused, newest placement first."""
    query = (
        select(Decision)
        .join(Referral, Decision.referral_id == Referral.id)
        .join(Referral.young_people)
        .where(YoungPerson.id == young_person_id, Decision.status.in_(_LIVE))
        .options(selectinload(Decision.placement), selectinload(Decision.referral))
        .order_by(Decision.start_date.desc(), Decision.id.desc())
    )
    return list(session().scalars(query))


def commissioned_areas(provider_code: str, today: date) -> set[str]:
    """The authorities whose area the provider is commissioned to interview in, as of `today`."""
    query = select(RhiCommission.authority_code).where(
        RhiCommission.provider_code == provider_code,
        RhiCommission.starts_on <= today,
        or_(RhiCommission.ends_on.is_(None), RhiCommission.ends_on >= today),
    )
    return set(session().scalars(query))


def providers_for(authority_code: str, today: date) -> list[RhiCommission]:
    query = select(RhiCommission).where(
        RhiCommission.authority_code == authority_code,
        RhiCommission.starts_on <= today,
        or_(RhiCommission.ends_on.is_(None), RhiCommission.ends_on >= today),
    )
    return list(session().scalars(query))


def add_commission(commission: RhiCommission) -> None:
    session().add(commission)
    session().flush()


def get_episode(episode_id: int) -> MissingEpisode | None:
    return session().get(MissingEpisode, episode_id)
