"""Paged lists of the shared pool (placements, areas) that the JSON API serves.

Every list has a fixed order and is read one page at a time (`offset`, `limit`),
with a count beside it so callers can say how many pages there are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Area, Placement


def _count(query: Select[Any]) -> int:
    return int(session().scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def _placements_query(
    setting: str | None, authority_code: str | None, has_vacancy: bool | None, status: str | None
) -> Select[Any]:
    query = select(Placement)
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
) -> int:
    return _count(_placements_query(setting, authority_code, has_vacancy, status))


def placements_page(
    offset: int,
    limit: int,
    setting: str | None = None,
    authority_code: str | None = None,
    has_vacancy: bool | None = None,
    status: str | None = None,
) -> list[Placement]:
    """One page of the consortium's placements matching the filters, by code."""
    query = _placements_query(setting, authority_code, has_vacancy, status)
    return list(session().scalars(query.order_by(Placement.code).offset(offset).limit(limit)))


def get_placement(code: str) -> Placement | None:
    return session().scalars(select(Placement).where(Placement.code == code)).first()


def count_areas() -> int:
    return _count(select(Area))


def areas_page(offset: int, limit: int) -> list[Area]:
    """One page of the gang-affected areas, by code, with their groups."""
    query = select(Area).options(selectinload(Area.groups)).order_by(Area.code).offset(offset).limit(limit)
    return list(session().scalars(query))
