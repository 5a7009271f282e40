"""Paged lists of the shared pool (placements, areas) that the JSON API serves.

Every list has a fixed order and is read one page at a time (`offset`, `limit`),
with a count beside it so callers can say how many pages there are.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Area, Placement


def _count(query: Select[Any]) -> int:
    return int(session().scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def _owned_by(column: Any, owners: Collection[str] | None) -> Any:
    """Rows of these owners, or of none (stored before owners were known); None: no filter."""
    return None if owners is None else or_(column.in_(sorted(owners)), column.is_(None))


def _placements_query(
    setting: str | None,
    authority_code: str | None,
    has_vacancy: bool | None,
    status: str | None,
    owners: Collection[str] | None = None,
) -> Select[Any]:
    query = select(Placement)
    if owners is not None:
        query = query.where(_owned_by(Placement.owner_code, owners))
    if setting is not None:
        query = query.where(Placement.setting == setting)
    if authority_code is not None:
        query = query.where(Placement.authority_code == authority_code)
    if has_vacancy is not None:
        query = query.where(Placement.vacancies > 0 if has_vacancy else Placement.vacancies <= 0)
    if status is not None:
        query = query.where(Placement.status == status)
    return query


def count_placements(
    setting: str | None = None,
    authority_code: str | None = None,
    has_vacancy: bool | None = None,
    status: str | None = None,
    owners: Collection[str] | None = None,
) -> int:
    return _count(_placements_query(setting, authority_code, has_vacancy, status, owners))


def placements_page(
    offset: int,
    limit: int,
    setting: str | None = None,
    authority_code: str | None = None,
    has_vacancy: bool | None = None,
    status: str | None = None,
    owners: Collection[str] | None = None,
) -> list[Placement]:
    """One page of the placements of `owners` matching the filters, by code."""
    query = _placements_query(setting, authority_code, has_vacancy, status, owners)
    return list(session().scalars(query.order_by(Placement.code).offset(offset).limit(limit)))


def get_placement(code: str) -> Placement | None:
    return session().scalars(select(Placement).where(Placement.code == code)).first()


def _areas_query(owners: Collection[str] | None) -> Select[Any]:
    query = select(Area)
    return query if owners is None else query.where(_owned_by(Area.owner_code, owners))


def count_areas(owners: Collection[str] | None = None) -> int:
    return _count(_areas_query(owners))


def areas_page(offset: int, limit: int, owners: Collection[str] | None = None) -> list[Area]:
    """One page of the gang-affected areas of `owners`, by code, with their groups."""
    query = _areas_query(owners).options(selectinload(Area.groups)).order_by(Area.code).offset(offset).limit(limit)
    return list(session().scalars(query))
