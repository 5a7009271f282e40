"""The placement pool, shared by the consortium."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Placement


def list_live_placements() -> list[Placement]:
    """Every active placement with its residents, in code order."""
    query = (
        select(Placement)
        .where(Placement.status == "active")
        .options(selectinload(Placement.residents))
        .order_by(Placement.code)
    )
    return list(session().scalars(query))


def free_places(codes: Collection[str]) -> dict[str, int]:
    """Places free now at each of these placements, by code: 0 for one no longer active or gone."""
    if not codes:
        return {}
    query = select(Placement.code, Placement.vacancies, Placement.status).where(Placement.code.in_(sorted(codes)))
    found = {code: vacancies if status == "active" else 0 for code, vacancies, status in session().execute(query)}
    return {code: found.get(code, 0) for code in codes}


def supply_rows() -> list[tuple[str | None, str, bool, int, int, int]]:
    """(authority, setting, specialist, placements, capacity, vacancies) for active placements."""
    query = (
        select(
            Placement.authority_code,
            Placement.setting,
            Placement.specialist,
            func.count(),
            func.sum(Placement.capacity),
            func.sum(Placement.vacancies),
        )
        .where(Placement.status == "active")
        .group_by(Placement.authority_code, Placement.setting, Placement.specialist)
        .order_by(Placement.authority_code, Placement.setting, Placement.specialist)
    )
    return [(a, s, bool(sp), int(n), int(c or 0), int(v or 0)) for a, s, sp, n, c, v in session().execute(query)]


def add_placement(placement: Placement) -> None:
    session().add(placement)


def list_unowned() -> list[Placement]:
    """Placements with no owner yet (the demo builder's, before its agreements give them one)."""
    return list(session().scalars(select(Placement).where(Placement.owner_code.is_(None)).order_by(Placement.code)))
