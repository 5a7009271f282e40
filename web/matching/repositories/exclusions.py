"""Placements a worker ruled out for a referral, and the placements they name."""

from __future__ import annotations

from typing import cast

from sqlalchemy import CursorResult, delete, select

from web.db import session
from web.models import Placement, Referral, ReferralExclusion


def get_live_placement(code: str) -> Placement | None:
    """An active placement by its code."""
    query = select(Placement).where(Placement.code == code, Placement.status == "active")
    return session().scalars(query).first()


def add_exclusion(referral: Referral, exclusion: ReferralExclusion) -> None:
    """Add through the referral, so a ranking later in the same transaction sees it."""
    referral.exclusions.append(exclusion)
    session().add(exclusion)
    session().flush()


def remove_exclusion(referral: Referral, exclusion_id: int) -> bool:
    """Remove one of the referral's exclusions; False when it was already gone (someone lifted it meanwhile).

    The referral's list is reloaded, so a ranking later in the same transaction sees the change.
    """
    statement = (
        delete(ReferralExclusion)
        .where(ReferralExclusion.id == exclusion_id, ReferralExclusion.referral_id == referral.id)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[tuple[()]], session().execute(statement))
    session().expire(referral, ["exclusions"])
    return result.rowcount == 1
