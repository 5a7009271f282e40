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
from planner.geometry import Circles, FloatArray, distance_between, reduced_unit_vectors
from planner.world import World


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


def measure(world: World, referral: Referral) -> Measures:
    people = referral.young_people
    linked_groups = world.linked_groups({g for p in people for g in p.groups})
    linked_areas = world.linked_areas(linked_groups)
    linked = Circles.build(
        [a.lat for a in linked_areas], [a.lon for a in linked_areas], [a.radius_km for a in linked_areas]
    )
    linked_km, linked_idx = linked.nearest_edge(world.lat, world.lon, world.vectors)

    risk_locations = _distinct(r for p in people for r in p.risk_locations)
    risks = Circles.build(
        [r.lat for r in risk_locations], [r.lon for r in risk_locations], [r.radius_km for r in risk_locations]
    )
    risk_km, risk_idx = risks.nearest_edge(world.lat, world.lon, world.vectors)

    home_km = _from_placements(world, [p.home.lat for p in people], [p.home.lon for p in people])
    # A link shared by siblings (recorded the same for each) is one link.
    support = _distinct(s for p in people for s in p.support)
    support_km = _from_placements(world, [s.lat for s in support], [s.lon for s in support])
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
