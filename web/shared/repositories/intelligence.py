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
