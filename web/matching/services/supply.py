"""Placement supply across the consortium: places, not children, so anyone signed in may see it."""

from __future__ import annotations

from dataclasses import dataclass

from web.matching.repositories import placements
from web.shared.repositories import authorities


@dataclass(frozen=True)
class SupplyRow:
    authority: str
    setting: str
    specialist: bool
    placements: int
    capacity: int
    vacancies: int


def supply_table() -> list[SupplyRow]:
    names = {a.gss_code: a.name for a in authorities.list_authorities()}
    return [
        SupplyRow(names.get(code or "", "Unknown"), setting, specialist, n, capacity, vacancies)
        for code, setting, specialist, n, capacity, vacancies in placements.supply_rows()
    ]
