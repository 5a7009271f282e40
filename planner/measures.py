"""What one referral needs measured against every placement, all at once.

Distances from each placement to each young person's home, to the areas linked
to the referral's groups and their rivals, to personal risk locations and to the
support network, as numpy arrays indexed by placement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from planner.case import Area, Referral, RiskLocation, SupportLink
from planner.geometry import DENSE_CIRCLES_MAX, Circles, FloatArray, distance_between, reduced_unit_vectors
from planner.world import World, area_shapes


@dataclass(frozen=True)
class Measures:
    linked_groups: frozenset[str]
    linked_areas: tuple[Area, ...]
    linked_km: FloatArray  # edge distance to the nearest linked area (inf: none)
    linked_idx: NDArray[np.int64]
    risk_locations: tuple[RiskLocation, ...]
    risk_km: FloatArray  # edge distance to the nearest personal risk location
    risk_idx: NDArray[np.int64]
    home_km: FloatArray  # (placements, young people)
    support: tuple[SupportLink, ...]
    support_km: FloatArray  # (placements, support links)

    def nearest_linked_area(self, i: int) -> Area | None:
        j = int(self.linked_idx[i])
        return self.linked_areas[j] if j >= 0 else None

    def nearest_risk_location(self, i: int) -> RiskLocation | None:
        j = int(self.risk_idx[i])
        return self.risk_locations[j] if j >= 0 else None


class BatchMeasures:
    """Measures shared by a batch of referrals, so a panel measures each thing once.

    A panel's referrals share groups, and between them name a few thousand points
    (homes, support links, risk locations). Two things are kept:

    - each group's nearest area from every placement. The nearest linked area of a
      referral is the nearest over its linked groups' areas, so it is the least of
      each group's nearest (ties to the lowest area index, as `AreaShapes.nearest_edge`
      breaks them);
    - the distances from every placement to the points of the referrals about to be
      measured (`load_points`), worked out in one vectorised pass per chunk.

    The figures are those `measure` gets on its own, element for element (the same
    arithmetic on the same numbers); `tests/unit/test_assign_panel.py` checks it.
    """

    def __init__(self, world: World):
        self.world = world
        self._by_group: dict[str, tuple[FloatArray, NDArray[np.int64]]] = {}
        self._column: dict[tuple[float, float], int] = {}
        self._km: FloatArray = np.zeros((len(world), 0))

    def load_points(self, lat: list[float], lon: list[float]) -> None:
        """Measure from every placement to these points, replacing the points kept before."""
        distinct = list(dict.fromkeys(zip(lat, lon, strict=True)))
        self._column = {point: j for j, point in enumerate(distinct)}
        self._km = _from_placements(self.world, [p[0] for p in distinct], [p[1] for p in distinct])

    def from_placements(self, lat: list[float], lon: list[float]) -> FloatArray:
        columns = [self._column.get(point) for point in zip(lat, lon, strict=True)]
        if any(j is None for j in columns):
            return _from_placements(self.world, lat, lon)
        return self._km[:, [j for j in columns if j is not None]]

    def nearest_edge(self, circles: tuple[RiskLocation, ...]) -> tuple[FloatArray, NDArray[np.int64]]:
        """As `Circles.nearest_edge` (its dense path) for a few circles at loaded points."""
        if not circles or len(circles) > DENSE_CIRCLES_MAX:
            built = Circles.build([c.lat for c in circles], [c.lon for c in circles], [c.radius_km for c in circles])
            return built.nearest_edge(self.world.lat, self.world.lon, self.world.vectors)
        km = self.from_placements([c.lat for c in circles], [c.lon for c in circles])
        edge = np.maximum(0.0, km - np.array([c.radius_km for c in circles], dtype=np.float64)[None, :])
        idx = np.argmin(edge, axis=1).astype(np.int64)
        return edge[np.arange(len(self.world)), idx], idx

    def _group(self, group_id: str) -> tuple[FloatArray, NDArray[np.int64]]:
        """Edge km to the group's nearest area from each placement, and that area's index in `world.areas`."""
        found = self._by_group.get(group_id)
        if found is None:
            indices = np.asarray(self.world.area_indices_of_group[group_id], dtype=np.int64)
            areas = [self.world.areas[i] for i in indices]
            km, j = area_shapes(areas).nearest_edge(self.world.lat, self.world.lon, self.world.vectors)
            found = self._by_group[group_id] = (km, indices[j])
        return found

    def nearest_linked(self, linked_groups: frozenset[str]) -> tuple[FloatArray, NDArray[np.int64]]:
        """As `AreaShapes.nearest_edge` over `world.linked_areas(linked_groups)`: km, and index into those areas."""
        n = len(self.world)
        groups = sorted(g for g in linked_groups if self.world.area_indices_of_group.get(g))
        if not groups:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        km = np.stack([self._group(g)[0] for g in groups])
        area = np.stack([self._group(g)[1] for g in groups])
        best = km.min(axis=0)
        best_area = np.where(km == best[None, :], area, len(self.world.areas)).min(axis=0)
        # `world.linked_areas` lists the areas in index order, so a position is a rank among them.
        linked = np.unique(np.concatenate([self.world.area_indices_of_group[g] for g in groups]))
        return best, np.searchsorted(linked, best_area).astype(np.int64)


def referral_points(referral: Referral) -> tuple[list[float], list[float]]:
    """Every point `measure` measures from each placement for this referral: homes, support, risk locations."""
    people = referral.young_people
    points = [(p.home.lat, p.home.lon) for p in people]
    points += [(s.lat, s.lon) for p in people for s in p.support]
    points += [(r.lat, r.lon) for p in people for r in p.risk_locations]
    return [p[0] for p in points], [p[1] for p in points]


def measure(world: World, referral: Referral, batch: BatchMeasures | None = None) -> Measures:
    """Everything `referral` needs measured against every placement.

    `batch`, when given, supplies figures measured once for a whole panel (the same numbers).
    """
    people = referral.young_people
    linked_groups = world.linked_groups({g for p in people for g in p.groups})
    linked_areas = world.linked_areas(linked_groups)
    risk_locations = _distinct(r for p in people for r in p.risk_locations)
    if batch is not None:
        linked_km, linked_idx = batch.nearest_linked(linked_groups)
        risk_km, risk_idx = batch.nearest_edge(risk_locations)
        from_placements = batch.from_placements
    else:
        linked_km, linked_idx = area_shapes(linked_areas).nearest_edge(world.lat, world.lon, world.vectors)
        risks = Circles.build(
            [r.lat for r in risk_locations], [r.lon for r in risk_locations], [r.radius_km for r in risk_locations]
        )
        risk_km, risk_idx = risks.nearest_edge(world.lat, world.lon, world.vectors)

        def from_placements(lat: list[float], lon: list[float]) -> FloatArray:
            return _from_placements(world, lat, lon)

    home_km = from_placements([p.home.lat for p in people], [p.home.lon for p in people])
    # A link shared by siblings (recorded the same for each) is one link.
    support = _distinct(s for p in people for s in p.support)
    support_km = from_placements([s.lat for s in support], [s.lon for s in support])
    return Measures(
        linked_groups=linked_groups,
        linked_areas=linked_areas,
        linked_km=linked_km,
        linked_idx=linked_idx,
        risk_locations=risk_locations,
        risk_km=risk_km,
        risk_idx=risk_idx,
        home_km=home_km.reshape(len(world), len(people)),
        support=support,
        support_km=support_km,
    )


def _from_placements(world: World, lat: list[float], lon: list[float]) -> FloatArray:
    """(placements, points) distances, using the world's kept placement vectors."""
    lat_a = np.asarray(lat, dtype=np.float64)[None, :]
    lon_a = np.asarray(lon, dtype=np.float64)[None, :]
    rows = tuple(v[:, None] for v in world.vectors)
    km = distance_between(
        (rows[0], rows[1], rows[2]),
        reduced_unit_vectors(lat_a, lon_a),
        world.lat[:, None],
        world.lon[:, None],
        lat_a,
        lon_a,
    )
    return np.asarray(km, dtype=np.float64).reshape(len(world), len(lat))


_T = TypeVar("_T", RiskLocation, SupportLink)


def _distinct(items: Iterable[_T]) -> tuple[_T, ...]:
    # Identical records merge; records that only share an id (two siblings' "RL-1") are
    # different places, and each keeps its own buffer or max_km.
    return tuple(dict.fromkeys(items))
