"""Referrals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Referral, YoungPerson, YoungPersonGroup

# Referral order on lists: most urgent first, then oldest.
_URGENCY_ORDER = {"today": 0, "within_5_days": 1, "later": 2}


def list_referrals(authority_code: str, status: str | None = "open") -> list[Referral]:
    query = (
        select(Referral)
        .where(Referral.authority_code == authority_code)
        .options(selectinload(Referral.young_people))
        .order_by(Referral.created_at, Referral.reference)
    )
    if status is not None:
        query = query.where(Referral.status == status)
    found = list(session().scalars(query))
    return sorted(found, key=lambda r: (_URGENCY_ORDER.get(r.needed_by, 9), r.created_at, r.reference))


def get_referral(reference: str) -> Referral | None:
    """A referral with everything the engine needs about its young people loaded."""
    query = (
        select(Referral)
        .where(Referral.reference == reference)
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
