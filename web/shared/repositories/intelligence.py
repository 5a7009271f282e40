"""Groups, rivalries and gang-affected areas."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Area, AreaGroup, Group, Rivalry


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


class GroupCode(NamedTuple):
    code: str


class AreaRecord(NamedTuple):
    """An area as a case reads it, without the ORM: what `areas_part` and the access checks use."""

    code: str
    label: str
    kind: str
    lat: float
    lon: float
    radius_km: float
    polygon: dict[str, Any] | None
    severity: str
    review_by: date
    owner_code: str | None
    groups: tuple[GroupCode, ...]


def list_area_records() -> list[AreaRecord]:
    """Every area in code order with its groups' codes, read as rows.

    A regional world holds 35,000 areas: as ORM objects, with their groups loaded by
    `selectinload` in batches, reading them took 2 s of preparing the world; two plain
    queries take a fraction of that.
    """
    linked: dict[int, list[GroupCode]] = defaultdict(list)
    pairs = select(AreaGroup.area_id, Group.code).join(Group, Group.id == AreaGroup.group_id).order_by(Group.code)
    for area_id, code in session().execute(pairs):
        linked[area_id].append(GroupCode(code))
    columns = (
        Area.id, Area.code, Area.label, Area.kind, Area.lat, Area.lon, Area.radius_km, Area.polygon,
        Area.severity, Area.review_by, Area.owner_code,
    )  # fmt: skip
    query = select(*columns).order_by(Area.code)
    return [AreaRecord._make((*row[1:], tuple(linked.get(row[0], ())))) for row in session().execute(query)]


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
