"""Groups, rivalries and gang-affected areas."""

from __future__ import annotations

from sqlalchemy import func, select
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


def intelligence_stamp() -> tuple[int, str, int, int]:
    """Changes whenever areas, groups or rivalries do."""
    areas, latest = session().execute(select(func.count(), func.max(Area.updated_at)).select_from(Area)).one()
    groups = session().scalar(select(func.count()).select_from(Group)) or 0
    rivalries = session().scalar(select(func.count()).select_from(Rivalry)) or 0
    return int(areas), str(latest), int(groups), int(rivalries)


def add(item: Area | Group | Rivalry) -> None:
    session().add(item)
