"""Decisions, care-plan versions and approvals: added, never updated in place (except status)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Approval, CarePlanVersion, CurrentResident, Decision, Placement, Referral

_ACTIVE = ("awaiting_approval", "approved")


def lock_placement(code: str) -> Placement | None:
    """The placement row, locked until the transaction ends (SELECT ... FOR UPDATE).

    PostgreSQL holds a row lock; SQLite transactions here begin IMMEDIATE (see
    web/db.py), so the whole write is serialised there instead.
    """
    query = select(Placement).where(Placement.code == code).with_for_update().execution_options(populate_existing=True)
    return session().scalars(query).first()


def lock_referral(referral_id: int) -> None:
    session().execute(select(Referral.id).where(Referral.id == referral_id).with_for_update())


def active_decision(referral_id: int) -> Decision | None:
    query = select(Decision).where(Decision.referral_id == referral_id, Decision.status.in_(_ACTIVE))
    return session().scalars(query).first()


def add_decision(decision: Decision) -> None:
    session().add(decision)
    session().flush()


def add_version(version: CarePlanVersion) -> None:
    session().add(version)
    session().flush()


def add_approval(approval: Approval) -> None:
    session().add(approval)
    session().flush()


def add_resident(resident: CurrentResident) -> None:
    session().add(resident)


def get_decision(decision_id: int) -> Decision | None:
    query = (
        select(Decision)
        .where(Decision.id == decision_id)
        .options(
            selectinload(Decision.versions).selectinload(CarePlanVersion.written_by),
            selectinload(Decision.approvals).selectinload(Approval.by),
            selectinload(Decision.referral).selectinload(Referral.young_people),
        )
    )
    return session().scalars(query).first()


def list_for_referral(referral_id: int) -> list[Decision]:
    query = (
        select(Decision)
        .where(Decision.referral_id == referral_id)
        .options(selectinload(Decision.versions), selectinload(Decision.approvals))
        .order_by(Decision.id.desc())
    )
    return list(session().scalars(query))


def list_live_for_authority(authority_code: str) -> list[Decision]:
    """Decisions not refused, of the authority's referrals, oldest first (for tasks)."""
    query = (
        select(Decision)
        .join(Referral, Decision.referral_id == Referral.id)
        .where(Referral.authority_code == authority_code, Decision.status.in_(_ACTIVE))
        .options(
            selectinload(Decision.versions),
            selectinload(Decision.approvals),
            selectinload(Decision.referral),
            selectinload(Decision.placement),
        )
        .order_by(Decision.decided_at, Decision.id)
    )
    return list(session().scalars(query))
