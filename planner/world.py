"""The prepared world: the placement pool and the areas, indexed once, ranked many times.

Preparing turns the placements into column arrays and the areas into spatial
indexes, and works out each placement's distance to the nearest high- and
medium-severity area (which does not depend on the referral). A ranking then
only measures what is particular to its referral. The web app keeps one prepared
world until the placements, areas or the day change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from planner.case import SETTINGS, SEXES, SPECIALISMS, Area, Group, Placement
from planner.geometry import AreaShapes, FloatArray, reduced_unit_vectors

SPECIALISM_BIT = {name: 1 << i for i, name in enumerate(SPECIALISMS)}
SEX_BIT = {name: 1 << i for i, name in enumerate(SEXES)}
ANY_SEX = sum(SEX_BIT.values())
OFSTED_VALUE = {
    "outstanding": 1.0,
    "good": 0.8,
    "requires_improvement": 0.4,
    "inadequate": 0.0,
    "not_inspected": 0.5,
}
UNKNOWN_OFSTED_VALUE = 0.5


def specialism_mask(names: tuple[str, ...] | list[str]) -> int:
    mask = 0
    for name in names:
        mask |= SPECIALISM_BIT[name]
    return mask


def area_shapes(areas: tuple[Area, ...] | list[Area]) -> AreaShapes:
    """The areas as circles and polygons, indexed for nearest-edge searches in this order."""
    return AreaShapes.build(
        [a.lat for a in areas],
        [a.lon for a in areas],
        [a.radius_km for a in areas],
        [a.polygon for a in areas] if any(a.polygon is not None for a in areas) else (),
    )


@dataclass(frozen=True)
class AreaSet:
    """Areas of one kind with their index, and each placement's nearest edge."""

    areas: tuple[Area, ...]
    shapes: AreaShapes
    nearest_km: FloatArray
    nearest_idx: NDArray[np.int64]

    @property
    def circles(self) -> AreaShapes:
        """The areas' representative points and radii (`lat`, `lon`, `radius_km`), by their first name."""
        return self.shapes

    def nearest_area(self, placement_index: int) -> Area | None:
        i = int(self.nearest_idx[placement_index])
        return self.areas[i] if i >= 0 else None


class World:
    """Placements and areas prepared for ranking. Immutable once built."""

    def __init__(
        self,
        placements: tuple[Placement, ...],
        areas: tuple[Area, ...],
        groups: tuple[Group, ...],
        as_of: date,
        use_expired_intelligence: bool,
    ):
        self.placements = placements
        self.as_of = as_of
        self.use_expired_intelligence = use_expired_intelligence
        self.index_of = {p.id: i for i, p in enumerate(placements)}
        # Placement indices in id order: outputs list placements by id.
        self.id_order: list[int] = sorted(range(len(placements)), key=lambda i: placements[i].id)

        self.lat = np.array([p.lat for p in placements], dtype=np.float64)
        self.lon = np.array([p.lon for p in placements], dtype=np.float64)
        self.vectors = reduced_unit_vectors(self.lat, self.lon)
        self.setting = np.array([SETTINGS.index(p.setting) for p in placements], dtype=np.int8)
        self.vacancies = np.array([p.vacancies for p in placements], dtype=np.int64)
        self.age_min = np.array([p.age_min for p in placements], dtype=np.int64)
        self.age_max = np.array([p.age_max for p in placements], dtype=np.int64)
        self.sex_mask = np.array(
            [ANY_SEX if p.sexes is None else sum(SEX_BIT[s] for s in p.sexes) for p in placements], dtype=np.int64
        )
        self.specialisms = np.array([specialism_mask(p.specialisms) for p in placements], dtype=np.int64)
        self.specialist = np.array([p.specialist for p in placements], dtype=bool)
        self.inadequate = np.array([p.ofsted_rating == "inadequate" for p in placements], dtype=bool)
        self.ofsted_value = np.array(
            [OFSTED_VALUE.get(p.ofsted_rating or "", UNKNOWN_OFSTED_VALUE) for p in placements], dtype=np.float64
        )
        self.weekly_cost = np.array(
            [np.nan if p.weekly_cost is None else p.weekly_cost for p in placements], dtype=np.float64
        )
        self.la_code = np.array([p.la_code or "" for p in placements], dtype=object)
        self.resident_count = np.array([len(p.residents) for p in placements], dtype=np.int64)
        # Read from the placement type (SSDA903 PLACE) as well as the setting.
        self.unregulated = np.array([p.is_unregulated for p in placements], dtype=bool)
        self.secure_home = np.array([p.is_secure_home for p in placements], dtype=bool)
        # Foster households held to the usual fostering limit (no exemption of their own).
        self.fostering_limited = np.array(
            [p.setting == "foster" and not p.fostering_exemption for p in placements], dtype=bool
        )
        homes: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(placements):
            for person in p.residents:
                homes[person].append(i)
        self.placements_of_resident = dict(homes)

        self.groups = {g.id: g for g in groups}
        rivals: dict[str, set[str]] = defaultdict(set)
        for group in groups:
            for r in group.rivals:
                # Rivalry is symmetric: if A names B, B is A's rival.
                rivals[group.id].add(r)
                rivals[r].add(group.id)
        self.rivals = {k: frozenset(v) for k, v in rivals.items()}

        self.expired = tuple(
            a for a in areas if a.review_by is not None and a.review_by < as_of and not use_expired_intelligence
        )
        expired_ids = {a.id for a in self.expired}
        self.areas = tuple(a for a in areas if a.id not in expired_ids)
        by_group: dict[str, list[int]] = defaultdict(list)
        for i, a in enumerate(self.areas):
            for g in a.groups:
                by_group[g].append(i)
        self.area_indices_of_group = {g: tuple(ix) for g, ix in by_group.items()}
        self.high = self._area_set("high")
        self.medium = self._area_set("medium")

    def _area_set(self, severity: str) -> AreaSet:
        chosen = tuple(a for a in self.areas if a.severity == severity)
        shapes = area_shapes(chosen)
        km, idx = shapes.nearest_edge(self.lat, self.lon, self.vectors)
        return AreaSet(chosen, shapes, km, idx)

    def __len__(self) -> int:
        return len(self.placements)

    def linked_groups(self, groups: set[str]) -> frozenset[str]:
        """The child's groups plus every rival of those groups."""
        linked = set(groups)
        for g in groups:
            linked |= self.rivals.get(g, frozenset())
        return frozenset(linked)

    def linked_areas(self, linked_groups: frozenset[str]) -> tuple[Area, ...]:
        indices = sorted({i for g in linked_groups for i in self.area_indices_of_group.get(g, ())})
        return tuple(self.areas[i] for i in indices)

    def expired_relevant(self, linked_groups: frozenset[str]) -> tuple[Area, ...]:
        """Expired areas this ranking would otherwise have used: linked, high or medium."""
        return tuple(
            a for a in self.expired if a.severity in ("high", "medium") or linked_groups.intersection(a.groups)
        )


def prepare_world(
    placements: tuple[Placement, ...],
    areas: tuple[Area, ...],
    groups: tuple[Group, ...],
    as_of: date,
    use_expired_intelligence: bool = False,
) -> World:
    """Index the placement pool and the areas for many rankings."""
    return World(placements, areas, groups, as_of, use_expired_intelligence)
