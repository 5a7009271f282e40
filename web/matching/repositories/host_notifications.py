"""Reg 13 notifications to host authorities: added once per decision and host, then acknowledged."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Decision, HostNotification


def add(notification: HostNotification) -> None:
    session().add(notification)
    session().flush()


def for_decision(decision_id: int) -> list[HostNotification]:
    query = select(HostNotification).where(HostNotification.decision_id == decision_id).order_by(HostNotification.id)
    return list(session().scalars(query))


def get(notification_id: int) -> HostNotification | None:
    query = (
        select(HostNotification)
        .where(HostNotification.id == notification_id)
        .options(selectinload(HostNotification.decision).selectinload(Decision.versions))
    )
    return session().scalars(query).first()


def to_host(host_authority_code: str) -> list[HostNotification]:
    """Every notification to the host authority, the unacknowledged first, newest first."""
    query = (
        select(HostNotification)
        .where(HostNotification.host_authority_code == host_authority_code)
        .order_by(HostNotification.acknowledged_at.is_not(None), HostNotification.sent_at.desc())
    )
    return list(session().scalars(query))


def acknowledge(notification_id: int, user_id: int, at: object) -> bool:
    """Record the acknowledgement unless someone already did; True if this call recorded it.

    One conditional UPDATE, so two people acknowledging at once record one acknowledgement.
    """
    result = session().execute(
        update(HostNotification)
        .where(HostNotification.id == notification_id, HostNotification.acknowledged_at.is_(None))
        .values(acknowledged_by_id=user_id, acknowledged_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
