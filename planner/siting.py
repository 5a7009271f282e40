"""Where in an authority a commissioned place would be safest: a scenario's best guess.

A capacity scenario adds places "in Trafford". Put at the authority's reference point
(its centre), a new place often sits inside the buffer around a gang-affected area, so
no child at risk could use it, which says nothing about what commissioning there would
change. A commissioner would look for carers away from those areas, so the scenario
puts the places at the authority's neighbourhood point (LSOA population-weighted
centroid, from `data/reference/lsoa_points_north_west.csv`) farthest from every area in
force. Authorities outside the table keep their reference point.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import numpy as np

from planner.authorities import REFERENCE_DIR
from planner.case import Area
from planner.world import area_shapes

Point = tuple[float, float]


@lru_cache(maxsize=1)
def _neighbourhood_points() -> dict[str, tuple[Point, ...]]:
    found: dict[str, list[Point]] = defaultdict(list)
    with open(REFERENCE_DIR / "lsoa_points_north_west.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found[row["gss_code"]].append((float(row["lat"]), float(row["lon"])))
    return {code: tuple(points) for code, points in found.items()}


def neighbourhood_points(authority: str) -> tuple[Point, ...]:
    """The authority's neighbourhood points known to the reference table (none outside it)."""
    return _neighbourhood_points().get(authority, ())


def safest_point(candidates: Sequence[Point], areas: Sequence[Area], as_of: date) -> Point | None:
    """The candidate farthest from the edge of every area in force on `as_of`; ties to the first.

    None when there are no candidates. With no area in force every candidate is as good: the first.
    """
    if not candidates:
        return None
    current = tuple(a for a in areas if a.review_by is None or a.review_by >= as_of)
    if not current:
        return candidates[0]
    lat = np.array([c[0] for c in candidates], dtype=float)
    lon = np.array([c[1] for c in candidates], dtype=float)
    km, _ = area_shapes(current).nearest_edge(lat, lon)
    return candidates[int(np.argmax(km))]
