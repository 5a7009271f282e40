"""Checking GeoJSON polygons and finding a point inside one (no database, no Flask).

Positions are GeoJSON's [lon, lat]. A ring must have at least 4 positions and end
where it began; every position's lon must lie in -180..180 and lat in -90..90.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from planner.case_json import polygon_problems

Ring = list[list[float]]


def polygons_of(geometry: dict[str, Any]) -> list[list[Ring]]:
    """The polygons (each a list of rings, the first the outline) of a Polygon or MultiPolygon."""
    if geometry.get("type") == "Polygon":
        return [geometry.get("coordinates") or []]
    return list(geometry.get("coordinates") or [])


def check_polygon_geometry(geometry: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(the geometry with float positions, None), or (None, what is wrong in plain words)."""
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return None, f"the {kind} has no coordinates"
    polygons = [coordinates] if kind == "Polygon" else coordinates
    cleaned: list[list[Ring]] = []
    for p, polygon in enumerate(polygons, start=1):
        where = f"polygon {p}, " if kind == "MultiPolygon" else ""
        if not isinstance(polygon, list) or not polygon:
            return None, f"{where}has no rings"
        rings: list[Ring] = []
        for r, ring in enumerate(polygon, start=1):
            place = f"{where}ring {r}"
            checked, problem = _check_ring(ring, place)
            if problem:
                return None, problem
            assert checked is not None
            rings.append(checked)
        cleaned.append(rings)
    result: dict[str, Any] = (
        {"type": "Polygon", "coordinates": cleaned[0]}
        if kind == "Polygon"
        else {"type": "MultiPolygon", "coordinates": cleaned}
    )
    # The engine's own reading too (e.g. a ring crossing the antimeridian), so that a stored
    # polygon never stops every ranking from running.
    engine_problems = polygon_problems(result, "geometry")
    if engine_problems:
        return None, engine_problems[0]
    return result, None


def _check_ring(ring: Any, place: str) -> tuple[Ring | None, str | None]:
    if not isinstance(ring, list) or len(ring) < 4:
        return None, f"{place} needs at least 4 positions (the last the same as the first)"
    positions: Ring = []
    for position in ring:
        point = _position(position)
        if point is None:
            return None, f"{place} has a position that is not [longitude, latitude] in range"
        positions.append(point)
    if positions[0] != positions[-1]:
        return None, f"{place} is not closed: its last position must be the same as its first"
    return positions, None


def _position(value: Any) -> list[float] | None:
    if not isinstance(value, list) or len(value) < 2:
        return None
    lon, lat = value[0], value[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return None
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return [lon, lat]


def _ring_area_centroid(ring: Ring) -> tuple[float, float, float]:
    """Signed area (in degrees squared, planar) and centroid (lon, lat) of a closed ring."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        xs, ys = [p[0] for p in ring[:-1]], [p[1] for p in ring[:-1]]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return area, cx / (6 * area), cy / (6 * area)


def _inside(lon: float, lat: float, rings: list[Ring]) -> bool:
    """Even-odd rule over the outline and its holes."""
    inside = False
    for ring in rings:
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            if (y0 > lat) != (y1 > lat):
                x = x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
                if x > lon:
                    inside = not inside
    return inside


def representative_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """(lat, lon), to 6 decimals, inside the largest polygon: its centroid when that is inside,
    else a point halfway across the polygon on the centroid's line of latitude."""
    lat, lon = _point_inside(geometry)
    return round(lat, 6), round(lon, 6)


def _point_inside(geometry: dict[str, Any]) -> tuple[float, float]:
    best = max(polygons_of(geometry), key=lambda rings: abs(_ring_area_centroid(rings[0])[0]))
    _area, lon, lat = _ring_area_centroid(best[0])
    if _inside(lon, lat, best):
        return lat, lon
    crossings: list[float] = []
    for ring in best:
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            if (y0 > lat) != (y1 > lat):
                crossings.append(x0 + (lat - y0) * (x1 - x0) / (y1 - y0))
    crossings.sort()
    if len(crossings) >= 2:
        return lat, (crossings[0] + crossings[1]) / 2
    return best[0][0][1], best[0][0][0]
