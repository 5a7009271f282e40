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

from planner.geometry import AreaShapes, FloatArray, PolygonParts, distance_between, reduced_unit_vectors
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


def edge_km_each(shapes: Sequence[Shape], lat: float, lon: float) -> FloatArray:
    """Edge distance (km) from one point to each of `shapes`, in order: `edge_km` of each shape alone.

    A relocation re-check asks this of thousands of areas for each placement; measured one
    area at a time (an index built for each) it was most of a 35,000-area import. Circles are
    measured all at once, as `Circles` measures a small set (the same formula, so the same
    figures); polygons, rarer, one at a time as `edge_km` measures them.
    """
    out = np.empty(len(shapes), dtype=np.float64)
    circles = [i for i, s in enumerate(shapes) if s.polygon is None]
    if circles:
        centre_lat = np.array([shapes[i].lat for i in circles], dtype=np.float64)
        centre_lon = np.array([shapes[i].lon for i in circles], dtype=np.float64)
        radius = np.array([shapes[i].radius_km for i in circles], dtype=np.float64)
        point_lat = np.full(1, lat, dtype=np.float64)
        point_lon = np.full(1, lon, dtype=np.float64)
        km = distance_between(
            reduced_unit_vectors(point_lat, point_lon),
            reduced_unit_vectors(centre_lat, centre_lon),
            point_lat,
            point_lon,
            centre_lat,
            centre_lon,
        )
        out[circles] = np.maximum(0.0, km - radius)
    for i, shape in enumerate(shapes):
        if shape.polygon is not None:
            out[i] = edge_km([shape], [lat], [lon])[0]
    return out


def near(shapes: Sequence[Shape], lat: Sequence[float], lon: Sequence[float], km: float) -> NDArray[np.bool_]:
    """Whether each point is within `km` of the edge of any of `shapes`."""
    return edge_km(shapes, lat, lon) <= km
