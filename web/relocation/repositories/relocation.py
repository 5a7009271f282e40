"""Where young people live now, and the relocation reviews opened about them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import (
    Area,
    CurrentResident,
    Decision,
    Placement,
    ReferralYoungPerson,
    RelocationReview,
    YoungPerson,
)


def housed(
    young_person_ids: Collection[int] | None = None, authority_code: str | None = None
) -> list[tuple[YoungPerson, Placement]]:
    """Young people with a current place (a resident row under their reference), and that placement.

    `young_person_ids` keeps those young people; `authority_code` those the authority
    is responsible for. Closed or suspended placements are left out: nobody lives there.
    """
    query = (
        select(YoungPerson, Placement)
        .join(CurrentResident, CurrentResident.person_reference == YoungPerson.reference)
        .join(Placement, Placement.id == CurrentResident.placement_id)
        .where(Placement.status == "active")
        .options(
            selectinload(YoungPerson.group_links),
            selectinload(YoungPerson.risk_locations),
            selectinload(YoungPerson.support_links),
            selectinload(YoungPerson.people_to_avoid),
        )
        .order_by(YoungPerson.reference)
    )
    if young_person_ids is not None:
        query = query.where(YoungPerson.id.in_(list(young_person_ids)))
    if authority_code is not None:
        query = query.where(YoungPerson.responsible_authority_code == authority_code)
    return [(person, placement) for person, placement in session().execute(query)]


def decision_behind(young_person_id: int, placement_id: int) -> Decision | None:
    """The latest standing decision that placed the young person there, if the product recorded one."""
    query = (
        select(Decision)
        .join(ReferralYoungPerson, ReferralYoungPerson.referral_id == Decision.referral_id)
        .where(
            ReferralYoungPerson.young_person_id == young_person_id,
            Decision.placement_id == placement_id,
            Decision.status != "refused",
        )
        .order_by(Decision.decided_at.desc())
        .limit(1)
    )
    return session().scalars(query).first()


def open_reviews_of(young_person_id: int, placement_id: int) -> list[RelocationReview]:
    query = select(RelocationReview).where(
        RelocationReview.young_person_id == young_person_id,
        RelocationReview.placement_id == placement_id,
        RelocationReview.status == "open",
    )
    return list(session().scalars(query))


def closed_reviews_of(young_person_id: int, placement_id: int) -> list[RelocationReview]:
    """Reviews a person closed (kept or moving) for this young person at this placement, newest first."""
    query = (
        select(RelocationReview)
        .where(
            RelocationReview.young_person_id == young_person_id,
            RelocationReview.placement_id == placement_id,
            RelocationReview.status.in_(("kept", "moving")),
        )
        .order_by(RelocationReview.closed_at.desc(), RelocationReview.id.desc())
    )
    return list(session().scalars(query))


def area_versions(codes: Collection[str]) -> dict[str, datetime]:
    """When each area (by code) was last changed."""
    if not codes:
        return {}
    query = select(Area.code, Area.updated_at).where(Area.code.in_(sorted(codes))).order_by(Area.code)
    return {code: updated_at for code, updated_at in session().execute(query)}


def reviews_by_id(review_ids: Collection[int]) -> list[RelocationReview]:
    """These reviews, in id order, with the young person and placement loaded."""
    if not review_ids:
        return []
    query = (
        select(RelocationReview)
        .where(RelocationReview.id.in_(sorted(review_ids)))
        .options(selectinload(RelocationReview.young_person), selectinload(RelocationReview.placement))
        .order_by(RelocationReview.id)
    )
    return list(session().scalars(query))


def add_review(review: RelocationReview) -> None:
    session().add(review)
    session().flush()


def get_review(review_id: int) -> RelocationReview | None:
    return session().get(RelocationReview, review_id)


def list_reviews(authority_code: str, statuses: Collection[str]) -> list[RelocationReview]:
    query = (
        select(RelocationReview)
        .where(RelocationReview.authority_code == authority_code, RelocationReview.status.in_(list(statuses)))
        .options(selectinload(RelocationReview.young_person), selectinload(RelocationReview.placement))
        .order_by(RelocationReview.opened_at.desc(), RelocationReview.id.desc())
    )
    return list(session().scalars(query))
