"""What the exports read: an authority's standing decisions and its referrals, fully loaded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Decision, Referral, YoungPerson

STANDING_DECISIONS = ("approved", "awaiting_approval")


def standing_decisions(authority_code: str) -> list[Decision]:
    """Decisions approved or awaiting approval on the authority's referrals, oldest first."""
    query = (
        select(Decision)
        .join(Referral, Decision.referral_id == Referral.id)
        .where(Referral.authority_code == authority_code, Decision.status.in_(STANDING_DECISIONS))
        .options(
            selectinload(Decision.referral).selectinload(Referral.young_people),
            selectinload(Decision.placement),
        )
        .order_by(Decision.start_date, Decision.id)
    )
    return list(session().scalars(query))


def referrals(authority_code: str) -> list[Referral]:
    """Every referral of the authority with its young people and their risk locations, by reference."""
    query = (
        select(Referral)
        .where(Referral.authority_code == authority_code)
        .options(selectinload(Referral.young_people).selectinload(YoungPerson.risk_locations))
        .order_by(Referral.reference)
    )
    return list(session().scalars(query))
