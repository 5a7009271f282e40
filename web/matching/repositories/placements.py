"""The placement pool, shared by the consortium."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import CurrentResident, Placement


def list_live_placements() -> list[Placement]:
    """Every active placement with its residents, in code order."""
    query = (
        select(Placement)
        .where(Placement.status == "active")
        .options(selectinload(Placement.residents))
        .order_by(Placement.code)
    )
    return list(session().scalars(query))


class ResidentRef(NamedTuple):
    person_reference: str


class PlacementRecord(NamedTuple):
    """A live placement as a case reads it, without the ORM: what `placements_part` and the
    access checks use."""

    code: str
    label: str
    setting: str
    lat: float
    lon: float
    vacancies: int
    capacity: int
    age_min: int
    age_max: int
    specialisms: list[str]
    specialist: bool
    fostering_exemption: bool
    connected_person: bool
    place_code: str | None
    provider: str | None
    urn: str | None
    authority_code: str | None
    sexes: list[str] | None
    ofsted_rating: str | None
    weekly_cost: float | None
    approved_by: str | None
    owner_code: str | None
    residents: tuple[ResidentRef, ...]


_RECORD_COLUMNS = (
    Placement.code, Placement.label, Placement.setting, Placement.lat, Placement.lon, Placement.vacancies,
    Placement.capacity, Placement.age_min, Placement.age_max, Placement.specialisms, Placement.specialist,
    Placement.fostering_exemption, Placement.connected_person, Placement.place_code, Placement.provider,
    Placement.urn, Placement.authority_code, Placement.sexes, Placement.ofsted_rating, Placement.weekly_cost,
    Placement.approved_by, Placement.owner_code,
)  # fmt: skip


def list_live_placement_records() -> list[PlacementRecord]:
    """`list_live_placements` read as rows: every active placement with its residents, in code order.

    A regional pool is 10,000 placements: as ORM objects with their residents loaded by
    `selectinload`, reading them took over a second of preparing the world.
    """
    living: dict[int, list[ResidentRef]] = defaultdict(list)
    residents = (
        select(CurrentResident.placement_id, CurrentResident.person_reference)
        .join(Placement, Placement.id == CurrentResident.placement_id)
        .where(Placement.status == "active")
        .order_by(CurrentResident.id)
    )
    for placement_id, reference in session().execute(residents):
        living[placement_id].append(ResidentRef(reference))
    query = select(Placement.id, *_RECORD_COLUMNS).where(Placement.status == "active").order_by(Placement.code)
    return [PlacementRecord._make((*row[1:], tuple(living.get(row[0], ())))) for row in session().execute(query)]


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
