"""Notices to host police forces: added once per decision and force, then acknowledged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from web.db import session
from web.models import PoliceNotification


def add(notification: PoliceNotification) -> None:
    session().add(notification)
    session().flush()


def get(notification_id: int) -> PoliceNotification | None:
    return session().get(PoliceNotification, notification_id)


def for_decision(decision_id: int) -> list[PoliceNotification]:
    query = select(PoliceNotification).where(PoliceNotification.decision_id == decision_id)
    return list(session().scalars(query.order_by(PoliceNotification.id)))


def to_force(force_code: str) -> list[PoliceNotification]:
    """Every notice to the force, the unacknowledged first, newest first."""
    query = (
        select(PoliceNotification)
        .where(PoliceNotification.force_code == force_code)
        .order_by(PoliceNotification.acknowledged_at.is_not(None), PoliceNotification.sent_at.desc())
    )
    return list(session().scalars(query))


def acknowledge(notification_id: int, user_id: int, at: datetime) -> bool:
    """One conditional UPDATE, so two co-ordinators acknowledging at once record one acknowledgement."""
    result = session().execute(
        update(PoliceNotification)
        .where(PoliceNotification.id == notification_id, PoliceNotification.acknowledged_at.is_(None))
        .values(acknowledged_by_id=user_id, acknowledged_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
