"""Groups, rivalries and gang-affected areas."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Area, Group, Rivalry


def list_groups() -> list[Group]:
    return list(session().scalars(select(Group).order_by(Group.code)))


def list_rivalries() -> list[Rivalry]:
    query = (
        select(Rivalry)
        .options(selectinload(Rivalry.group), selectinload(Rivalry.rival))
        .order_by(Rivalry.group_id, Rivalry.rival_group_id)
    )
    return list(session().scalars(query))


def list_areas() -> list[Area]:
    return list(session().scalars(select(Area).options(selectinload(Area.groups)).order_by(Area.code)))


def add(item: Area | Group | Rivalry) -> None:
    session().add(item)


def get_group(code: str) -> Group | None:
    return session().scalars(select(Group).where(Group.code == code)).one_or_none()


def group_code_taken(code: str) -> bool:
    return session().scalar(select(Group.id).where(Group.code == code)) is not None


def save() -> None:
    session().flush()


def area_owners(codes: set[str]) -> dict[str, str | None]:
    """Area code -> its owner's code, for those of `codes` still stored."""
    if not codes:
        return {}
    rows = session().execute(select(Area.code, Area.owner_code).where(Area.code.in_(sorted(codes))))
    return {code: owner for code, owner in rows}
