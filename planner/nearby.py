"""Which points lie near a set of areas: the reach of a change of intelligence.

A change to an area (added, moved, re-drawn, its groups or severity changed, or removed)
can only change the hard rules for placements within the largest buffer of the policy
around where the area is or was, so a re-check after it looks at those placements only.
Areas are circles (a centre and a radius) or GeoJSON polygons (plus a radius), measured
from their edge as the engine measures them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from planner.geometry import AreaShapes, FloatArray, PolygonParts
from planner.policy import Policy


@dataclass(frozen=True)
class Shape:
    """Where an area is (or was): a representative point and radius, and its polygon if drawn."""

    lat: float
    lon: float
    radius_km: float = 0.0
    polygon: PolygonParts | None = None


def polygon_parts(geometry: Mapping[str, Any] | None) -> PolygonParts | None:
    """A stored GeoJSON Polygon or MultiPolygon geometry as polygon parts (None for a circle)."""
    if not geometry:
        return None
    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        return [coordinates]
    return list(coordinates)


def reach_km(policy: Policy) -> float:
    """The largest hard buffer of the policy: beyond it, no area can rule a placement out."""
    return float(max(policy.min_km_from_linked_areas, policy.min_km_from_high_severity_areas))


def edge_km(shapes: Sequence[Shape], lat: Sequence[float], lon: Sequence[float]) -> FloatArray:
    """Edge distance (km) from each point to the nearest of `shapes`; inf when there are none."""
    points_lat = np.asarray(lat, dtype=np.float64).reshape(-1)
    points_lon = np.asarray(lon, dtype=np.float64).reshape(-1)
    if not shapes or not len(points_lat):
        return np.full(len(points_lat), np.inf)
    built = AreaShapes.build(
        [s.lat for s in shapes],
        [s.lon for s in shapes],
        [s.radius_km for s in shapes],
        [s.polygon for s in shapes] if any(s.polygon is not None for s in shapes) else (),
    )
    km, _index = built.nearest_edge(points_lat, points_lon)
    return km


def near(shapes: Sequence[Shape], lat: Sequence[float], lon: Sequence[float], km: float) -> NDArray[np.bool_]:
    """Whether each point is within `km` of the edge of any of `shapes`."""
    return edge_km(shapes, lat, lon) <= km
