"""Co-operatives' members and their data-sharing agreements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import CooperativeMember, Organisation, SharingAgreement


def list_agreements() -> list[SharingAgreement]:
    """Every agreement, ended and expired ones too (a handful per member: read whole)."""
    query = (
        select(SharingAgreement)
        .options(selectinload(SharingAgreement.cooperative), selectinload(SharingAgreement.member))
        .order_by(SharingAgreement.cooperative_code, SharingAgreement.member_code, SharingAgreement.id)
    )
    return list(session().scalars(query))


def get_agreement(agreement_id: int) -> SharingAgreement | None:
    return session().get(SharingAgreement, agreement_id)


def add_agreement(agreement: SharingAgreement) -> None:
    session().add(agreement)
    session().flush()


def get_member(cooperative_code: str, member_code: str) -> CooperativeMember | None:
    return session().get(CooperativeMember, (cooperative_code, member_code))


def add_member(member: CooperativeMember) -> None:
    session().add(member)


def list_members(cooperative_code: str) -> list[CooperativeMember]:
    query = (
        select(CooperativeMember)
        .where(CooperativeMember.cooperative_code == cooperative_code)
        .options(selectinload(CooperativeMember.member))
        .order_by(CooperativeMember.member_code)
    )
    return list(session().scalars(query))


def list_cooperatives() -> list[Organisation]:
    query = select(Organisation).where(Organisation.kind == "cooperative").order_by(Organisation.name)
    return list(session().scalars(query))
