"""Derive the small reference tables the Care Placement Planner ships.

Run from the repository root::

    python data/reference/derive.py --shared ../shared/data

Every output below is rewritten in this script's folder (``data/reference/``),
deterministically: sorted rows, fixed rounding, LF line endings. The public source files
are read from ``--shared`` (default ``../shared/data`` beside the repository) and are
not copied into the project. Folders below are relative to ``--shared``.

``authorities.csv``
    The 153 current English upper-tier (children's-services) authorities: the English
    rows of ``ons-geography/utla_all_codes.csv`` with their region, and the
    representative point (inside the authority) of ``la-adjacency/utla_points.csv``,
    rounded to 5 decimals.
``adjacency.csv``
    Adjoining pairs from ``la-adjacency/utla_adjacency_with_river_crossings.csv``: land
    borders plus opposite banks of a tidal river within 1.1 km, because boundaries in
    rivers run mid-stream. Restricted to the 153, one row per pair with ``a < b``.
``authorities_wales_scotland.csv``
    The 22 Welsh and 32 Scottish councils (W06, S12): the Welsh and Scottish rows of
    ``ons-geography/utla_all_codes.csv``, so reg 11 gives a placement there an approval level,
    with a point for each from ``mysociety-authorities/uk_local_authorities_current.csv``
    (mySociety, CC BY 4.0), rounded to 5 decimals.
``adjacency_cross_border.csv``
    English authorities that adjoin a Welsh or Scottish council, from
    ``la-adjacency/utla_adjacency_cross_border.csv`` (land borders), one row per pair, English
    code first.
``outlines.geojson``
    Outlines from the ONS *Counties and Unitary Authorities (December 2023) Boundaries
    UK BSC* GeoJSON in ``ons-boundaries/``, simplified by a Douglas-Peucker that keeps
    topology: each border shared by two authorities is simplified once, so neighbours
    still meet exactly, and any border that makes an outline cross itself is redone at
    half the tolerance. Barnsley and Sheffield are re-coded from E08000016/E08000019 (as
    in the boundary file) to the current E08000038/E08000039. RFC 7946 winding.
``lsoa_points_north_west.csv``
    LSOA population-weighted centroids from ``ons-geography/lsoa_latlong.csv`` that lie
    in a North West (E12000002) authority. That file has no names or lookup, so every
    English centroid is placed by point-in-polygon against the unsimplified boundaries;
    the few just outside every polygon (the boundaries are clipped to the coastline) go
    to the nearest authority within ``SNAP_KM``. The file mixes 2011 and 2021 LSOA codes
    with no vintage flag, so all codes are kept.
``lsoa_authorities.csv``
    Every English LSOA code in the same centroid file with the upper-tier authority its
    centroid lies in (the same point-in-polygon), so a police.uk count by LSOA is given
    to the authority the LSOA is really in (Southend-on-Sea and Thurrock are not Essex).
``district_authorities.csv``
    Every current local authority district (lower tier) in the UK with the authority
    that runs children's services there, from ``ons-geography/la_all_codes.csv``: the
    English upper tier (a district of a county goes to the county, E10), and each Welsh
    (W06), Scottish (S12) and Northern Irish (N09) council as its own upper tier. The
    packaged ONS Postcode Directory gives districts; this turns them into authorities.
``national-placement-standard/shacl-shape.ttl`` and ``.../context.jsonld``
    The National Placement Standard v01 SHACL shapes and JSON-LD context, from
    ``national-placement-standard/shacl/`` (SocialCareData/standard, OGL v3 / MIT), so the
    NPS import and export validate without the shared folder. The shapes are copied
    byte for byte under a comment header naming the source commit and licence; the
    context is re-written as indented JSON in the standard's own key order.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

OUT_DIR = Path(__file__).resolve().parent
REPO_ROOT = OUT_DIR.parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"

UTLA_CODES = "ons-geography/utla_all_codes.csv"
LA_CODES = "ons-geography/la_all_codes.csv"
LSOA_POINTS = "ons-geography/lsoa_latlong.csv"
UTLA_POINTS = "la-adjacency/utla_points.csv"
ADJACENCY = "la-adjacency/utla_adjacency_with_river_crossings.csv"
CROSS_BORDER = "la-adjacency/utla_adjacency_cross_border.csv"
MYSOCIETY = "mysociety-authorities/uk_local_authorities_current.csv"
BOUNDARIES = "ons-boundaries/Counties_and_Unitary_Authorities_December_2023_Boundaries_UK_BSC.geojson"
BOUNDARY_CODE = "CTYUA23CD"

ENGLAND = "E92000001"
BEYOND_ENGLAND = {"W92000004": "Wales", "S92000003": "Scotland"}
N_BEYOND_ENGLAND = 22 + 32
NORTH_WEST = "E12000002"
N_AUTHORITIES = 153
REGIONS = tuple(f"E1200000{i}" for i in range(1, 10))
# Codes as they appear in the December 2023 boundary file -> current codes.
RECODE = {"E08000016": "E08000038", "E08000019": "E08000039"}

POINT_DECIMALS = 5
OUTLINE_DECIMALS = 4
TOLERANCE_DEG = 0.002
MAX_REFINE = 20
SNAP_KM = 1.0
KM_PER_DEG = 111.2
CHUNK = 2048

Coord = tuple[float, float]
Edge = tuple[Coord, Coord]
Ring = np.ndarray  # (n, 2) lon/lat, closed: first row == last row
Polygon = list[Ring]  # exterior ring, then holes


# ----------------------------------------------------------------------- output helpers


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a CSV with LF line endings; return the number of data rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def fmt(value: float, decimals: int = POINT_DECIMALS) -> str:
    """Format a coordinate with a fixed number of decimals (never ``-0.00000``)."""
    return f"{round(value, decimals) + 0.0:.{decimals}f}"


# -------------------------------------------------------------------------- authorities


def read_authorities(shared: Path) -> pd.DataFrame:
    """Read the English upper-tier authorities with region and representative point."""
    utla = pd.read_csv(shared / UTLA_CODES, dtype=str, keep_default_na=False)
    utla = utla[utla["CTRYCD"] == ENGLAND]
    table = utla.rename(
        columns={
            "UTLACD": "gss_code",
            "UTLANM": "name",
            "RGNCD": "region_code",
            "RGNNM": "region_name",
        }
    )[["gss_code", "name", "region_code", "region_name"]]
    points = pd.read_csv(shared / UTLA_POINTS, dtype={"code": str, "region_code": str})
    points = points.rename(columns={"code": "gss_code", "region_code": "point_region"})
    table = table.merge(
        points[["gss_code", "point_region", "lat", "lon"]],
        on="gss_code",
        how="left",
        validate="one_to_one",
    )
    table = table.sort_values("gss_code", ignore_index=True)
    assert len(table) == N_AUTHORITIES, f"expected {N_AUTHORITIES} rows, got {len(table)}"
    assert table["gss_code"].is_unique
    assert tuple(sorted(table["region_code"].unique())) == REGIONS, "expected 9 regions"
    assert table["lat"].notna().all() and table["lon"].notna().all(), "authority without point"
    assert (table["region_code"] == table["point_region"]).all(), "region mismatch in points"
    return table.drop(columns="point_region")


def write_authorities(table: pd.DataFrame, path: Path) -> int:
    """Write ``authorities.csv``."""
    rows = (
        (r.gss_code, r.name, r.region_code, r.region_name, fmt(r.lat), fmt(r.lon))
        for r in table.itertuples(index=False)
    )
    header = ("gss_code", "name", "region_code", "region_name", "lat", "lon")
    return write_csv(path, header, rows)


# ---------------------------------------------------------------------------- adjacency


def read_adjacency(shared: Path, codes: set[str]) -> list[tuple[str, str]]:
    """Read adjoining pairs (land or across a river) within ``codes``, with a < b."""
    source = pd.read_csv(shared / ADJACENCY, dtype=str)
    pairs = {
        (min(a, b), max(a, b))
        for a, b in zip(source["code_a"], source["code_b"], strict=True)
        if a in codes and b in codes and a != b
    }
    dropped = len(source) - len(pairs)
    if dropped:
        print(f"adjacency: {dropped} source rows dropped (outside the 153 or duplicate)")
    print("adjacency basis:", source["basis"].value_counts().sort_index().to_dict())
    return sorted(pairs)


def read_beyond_england(shared: Path) -> list[tuple[str, str, str, str, str, str]]:
    """The Welsh and Scottish councils as (gss_code, name, country_code, country, lat, lon), by code."""
    utla = pd.read_csv(shared / UTLA_CODES, dtype=str, keep_default_na=False)
    utla = utla[utla["CTRYCD"].isin(list(BEYOND_ENGLAND))]
    points = pd.read_csv(shared / MYSOCIETY, dtype=str, keep_default_na=False)
    point = {
        code: (float(lat), float(lon))
        for code, lat, lon in zip(points["gss-code"], points["lat"], points["long"], strict=True)
        if lat and lon
    }
    rows = sorted(
        (code, name, country, BEYOND_ENGLAND[country], fmt(point[code][0]), fmt(point[code][1]))
        for code, name, country in zip(utla["UTLACD"], utla["UTLANM"], utla["CTRYCD"], strict=True)
    )
    assert len(rows) == N_BEYOND_ENGLAND, f"expected {N_BEYOND_ENGLAND} Welsh and Scottish councils, got {len(rows)}"
    assert all(row[0][:3] in ("W06", "S12") for row in rows), "unexpected council code"
    return rows


def read_cross_border(shared: Path, english: set[str], beyond: set[str]) -> list[tuple[str, str]]:
    """Adjoining (English, Welsh or Scottish) pairs, English code first, sorted."""
    source = pd.read_csv(shared / CROSS_BORDER, dtype=str)
    pairs = set()
    for a, b in zip(source["code_a"], source["code_b"], strict=True):
        if a in beyond:
            a, b = b, a
        assert a in english and b in beyond, f"cross-border pair {a}-{b} not England-Wales/Scotland"
        pairs.add((a, b))
    return sorted(pairs)


def neighbours(pairs: Iterable[tuple[str, str]], code: str) -> list[str]:
    """Codes adjoining ``code``."""
    return sorted({b if a == code else a for a, b in pairs if code in (a, b)})


# --------------------------------------------------------------------------- boundaries


def read_boundaries(shared: Path, codes: set[str]) -> dict[str, list[Polygon]]:
    """English polygons keyed by current GSS code (closed rings as float arrays)."""
    with (shared / BOUNDARIES).open(encoding="utf-8") as handle:
        collection = json.load(handle)
    shapes: dict[str, list[Polygon]] = {}
    for feature in collection["features"]:
        code = feature["properties"][BOUNDARY_CODE]
        code = RECODE.get(code, code)
        if not code.startswith("E"):
            continue
        geometry = feature["geometry"]
        parts = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            parts = [parts]
        assert code not in shapes, f"duplicate boundary {code}"
        shapes[code] = [[np.asarray(ring, dtype=float) for ring in part] for part in parts]
    assert set(shapes) == codes, f"boundary codes differ: {sorted(set(shapes) ^ codes)}"
    return shapes


def ring_area(ring: Ring) -> float:
    """Signed shoelace area in square degrees (positive = anticlockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2.0


def edge_key(a: Coord, b: Coord) -> Edge:
    """Direction-free key of an edge."""
    return (a, b) if a <= b else (b, a)


def ring_vertices(ring: Ring) -> list[Coord]:
    """Distinct vertices of a closed ring as tuples (closing point dropped)."""
    return [(float(x), float(y)) for x, y in ring[:-1]]


@dataclass(frozen=True)
class Arc:
    """A stretch of border between two fixed vertices.

    Stored in a canonical direction, so the two authorities sharing it hold the same key
    and points.
    """

    key: bytes
    points: np.ndarray
    reverse: bool


@dataclass
class Topology:
    """Which authorities use each edge and vertex, and each arc's current tolerance."""

    edges: dict[Edge, frozenset[str]]
    vertices: dict[Coord, frozenset[str]]
    tolerance: dict[bytes, float] = field(default_factory=dict)


def build_topology(shapes: dict[str, list[Polygon]]) -> Topology:
    """Index every edge and vertex by the authorities whose rings use it."""
    edges: dict[Edge, set[str]] = defaultdict(set)
    vertices: dict[Coord, set[str]] = defaultdict(set)
    for code, polygons in shapes.items():
        for polygon in polygons:
            for ring in polygon:
                verts = ring_vertices(ring)
                for i, vertex in enumerate(verts):
                    vertices[vertex].add(code)
                    edges[edge_key(vertex, verts[(i + 1) % len(verts)])].add(code)
    return Topology(
        {k: frozenset(v) for k, v in edges.items()},
        {k: frozenset(v) for k, v in vertices.items()},
    )


def fixed_vertices(verts: list[Coord], topology: Topology) -> list[int]:
    """Return the indices that must survive simplification.

    These are where the set of authorities on the border changes, plus vertices touched
    by a further authority. A ring with none (an island, or an enclave) gets its
    lexicographically smallest and largest vertices, which any neighbour sharing the
    whole ring picks too.
    """
    n = len(verts)
    fixed = []
    for i, vertex in enumerate(verts):
        owners_in = topology.edges[edge_key(verts[i - 1], vertex)]
        owners_out = topology.edges[edge_key(vertex, verts[(i + 1) % n])]
        if owners_in != owners_out or topology.vertices[vertex] != owners_in:
            fixed.append(i)
    if not fixed:
        fixed = sorted({verts.index(min(verts)), verts.index(max(verts))})
    return fixed


def split_ring(ring: Ring, topology: Topology) -> list[Arc]:
    """Cut a closed ring into arcs at its fixed vertices."""
    verts = ring_vertices(ring)
    fixed = fixed_vertices(verts, topology)
    points = np.asarray(verts)
    n = len(points)
    arcs = []
    for start, end in zip(fixed, [*fixed[1:], fixed[0] + n], strict=True):
        arc = points[np.arange(start, end + 1) % n]
        reverse = tuple(arc[0]) > tuple(arc[-1])
        canonical = np.ascontiguousarray(arc[::-1] if reverse else arc)
        arcs.append(Arc(canonical.tobytes(), canonical, reverse))
    return arcs


def segment_distance(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Distance from each point to the segment ``start``-``end`` (planar, degrees)."""
    direction = end - start
    length2 = float(np.dot(direction, direction))
    if length2 == 0.0:
        return np.asarray(np.hypot(*(points - start).T))
    t = np.clip((points - start) @ direction / length2, 0.0, 1.0)
    nearest = start + t[:, None] * direction
    return np.asarray(np.hypot(*(points - nearest).T))


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker line simplification; keeps both end points."""
    keep = np.zeros(len(points), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        distances = segment_distance(points[first + 1 : last], points[first], points[last])
        worst = int(np.argmax(distances))
        if distances[worst] > tolerance:
            split = first + 1 + worst
            keep[split] = True
            stack.extend(((first, split), (split, last)))
    return points[keep]


def round_line(points: np.ndarray) -> np.ndarray:
    """Round to ``OUTLINE_DECIMALS`` and drop repeated consecutive points."""
    points = np.round(points, OUTLINE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    repeated = np.all(points[1:] == points[:-1], axis=1)
    return np.vstack([points[:1], points[1:][~repeated]])


def simplify_arc(arc: Arc, topology: Topology) -> np.ndarray:
    """The arc simplified at its tolerance and rounded, in the ring's direction."""
    line = round_line(douglas_peucker(arc.points, topology.tolerance[arc.key]))
    return line[::-1] if arc.reverse else line


@dataclass
class SimpleRing:
    """A simplified closed ring and, per segment, the key of the arc it came from."""

    points: np.ndarray
    owners: list[bytes]


def assemble_ring(arcs: list[Arc], topology: Topology) -> SimpleRing | None:
    """Join simplified arcs into a closed ring; ``None`` if under 4 points remain."""
    pieces, owners = [], []
    for arc in arcs:
        line = simplify_arc(arc, topology)
        pieces.append(line[:-1])
        owners.extend([arc.key] * (len(line) - 1))
    body = np.vstack(pieces)
    ring = np.vstack([body, body[:1]])
    if len(ring) < 4 or ring_area(ring) == 0.0:
        return None
    return SimpleRing(ring, owners)


def assemble_shape(parts: list[list[list[Arc]]], topology: Topology) -> list[list[SimpleRing]]:
    """Simplify one authority; a polygon is dropped if its exterior collapses."""
    result = []
    for part in parts:
        rings = [assemble_ring(arcs, topology) for arcs in part]
        if rings[0] is not None:
            result.append([ring for ring in rings if ring is not None])
    return result


def side(o: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Cross product (p - o) x (q - o): which side of line o-p the point q is on."""
    op, oq = p - o, q - o
    return np.asarray(op[..., 0] * oq[..., 1] - op[..., 1] * oq[..., 0])


def crossing_arcs(polygons: list[list[SimpleRing]]) -> set[bytes]:
    """Return the keys of arcs whose segments cross another of the same authority."""
    rings = [ring for polygon in polygons for ring in polygon]
    if not rings:
        return set()
    start = np.vstack([ring.points[:-1] for ring in rings])
    end = np.vstack([ring.points[1:] for ring in rings])
    owners = [key for ring in rings for key in ring.owners]

    a, b, c, d = start[:, None], end[:, None], start[None], end[None]
    hits = (side(a, b, c) * side(a, b, d) < 0) & (side(c, d, a) * side(c, d, b) < 0)
    first, second = np.nonzero(hits)
    return {owners[i] for i in np.concatenate([first, second])}


def orient(ring: np.ndarray, exterior: bool) -> np.ndarray:
    """RFC 7946 winding: exterior anticlockwise, holes clockwise."""
    return ring if (ring_area(ring) > 0) == exterior else ring[::-1]


def geometry_json(polygons: list[list[np.ndarray]]) -> dict[str, object]:
    """GeoJSON geometry for simplified polygons."""
    coords = [[ring.tolist() for ring in polygon] for polygon in polygons]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


def fallback_ring(polygons: list[Polygon]) -> list[list[np.ndarray]]:
    """The authority's largest exterior ring, rounded but not simplified."""
    largest = max((polygon[0] for polygon in polygons), key=lambda r: abs(ring_area(r)))
    return [[round_line(largest)]]


def simplify_all(shapes: dict[str, list[Polygon]], topology: Topology) -> tuple[dict[str, list[list[SimpleRing]]], int]:
    """Simplify every authority; return the outlines and the refinement rounds used.

    Arcs that make an outline cross itself are simplified again at half the tolerance
    (for both authorities sharing them) until no outline crosses itself.
    """
    parts = {
        code: [[split_ring(ring, topology) for ring in polygon] for polygon in polygons]
        for code, polygons in shapes.items()
    }
    for arcs in (arc for p in parts.values() for poly in p for ring in poly for arc in ring):
        topology.tolerance.setdefault(arcs.key, TOLERANCE_DEG)
    for rounds in range(1, MAX_REFINE + 1):
        result = {code: assemble_shape(parts[code], topology) for code in sorted(parts)}
        offenders = set().union(*(crossing_arcs(polygons) for polygons in result.values()))
        if not offenders:
            return result, rounds - 1
        for key in offenders:
            topology.tolerance[key] /= 2.0
    raise AssertionError(f"outlines still cross themselves after {MAX_REFINE} refinements")


def write_outlines(shapes: dict[str, list[Polygon]], names: dict[str, str], path: Path) -> dict[str, int]:
    """Write ``outlines.geojson`` (compact) and return simplification statistics."""
    topology = build_topology(shapes)
    simplified, rounds = simplify_all(shapes, topology)
    stats = {
        "vertices_in": sum(len(r) for p in shapes.values() for poly in p for r in poly),
        "vertices_out": 0,
        "rings_in": sum(len(poly) for p in shapes.values() for poly in p),
        "rings_out": 0,
        "arcs": len(topology.tolerance),
        "arcs_refined": sum(t < TOLERANCE_DEG for t in topology.tolerance.values()),
        "refine_rounds": rounds,
        "fallback": 0,
    }
    features = []
    for code in sorted(simplified):
        polygons = [
            [orient(ring.points, index == 0) for index, ring in enumerate(polygon)] for polygon in simplified[code]
        ]
        if not polygons:
            polygons = fallback_ring(shapes[code])
            stats["fallback"] += 1
        stats["vertices_out"] += sum(len(r) for p in polygons for r in p)
        stats["rings_out"] += sum(len(p) for p in polygons)
        features.append(
            {
                "type": "Feature",
                "properties": {"gss_code": code, "name": names[code]},
                "geometry": geometry_json(polygons),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8", newline="\n")
    return stats


# -------------------------------------------------------------------------- LSOA points


def feature_edges(polygons: list[Polygon]) -> np.ndarray:
    """All edges of all rings as an (n, 4) array x1, y1, x2, y2."""
    rings = [ring for polygon in polygons for ring in polygon]
    return np.vstack([np.hstack([ring[:-1], ring[1:]]) for ring in rings])


def inside(points: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Even-odd ray casting of ``points`` against closed rings given as edges."""
    x1, y1, x2, y2 = (edges[:, i] for i in range(4))
    result = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), CHUNK):
        px = points[start : start + CHUNK, 0:1]
        py = points[start : start + CHUNK, 1:2]
        spans = (y1 > py) != (y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        crossings = np.count_nonzero(spans & (px < x_cross), axis=1)
        result[start : start + CHUNK] = crossings % 2 == 1
    return result


def distance_km(points: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Approximate distance (km) from each point to the nearest edge."""
    scale = np.cos(np.radians(points[:, 1:2]))
    px, py = points[:, 0:1] * scale, points[:, 1:2]
    x1, y1 = edges[:, 0] * scale, edges[:, 1]
    dx, dy = edges[:, 2] * scale - x1, edges[:, 3] - y1
    length2 = np.where(dx * dx + dy * dy == 0.0, 1.0, dx * dx + dy * dy)
    t = np.clip(((px - x1) * dx + (py - y1) * dy) / length2, 0.0, 1.0)
    gap = np.hypot(px - (x1 + t * dx), py - (y1 + t * dy))
    return np.asarray(gap.min(axis=1) * KM_PER_DEG)


def bbox_mask(points: np.ndarray, edges: np.ndarray, margin: float) -> np.ndarray:
    """Points within the edges' bounding box grown by ``margin`` degrees."""
    xs, ys = edges[:, [0, 2]], edges[:, [1, 3]]
    x, y = points[:, 0], points[:, 1]
    in_x = (x >= xs.min() - margin) & (x <= xs.max() + margin)
    in_y = (y >= ys.min() - margin) & (y <= ys.max() + margin)
    return np.asarray(in_x & in_y)


def locate(points: np.ndarray, shapes: dict[str, list[Polygon]]) -> tuple[np.ndarray, float]:
    """Authority code of each point, and the largest snapping distance used (km)."""
    codes = sorted(shapes)
    all_edges = {code: feature_edges(shapes[code]) for code in codes}
    found = np.full(len(points), -1)
    for index, code in enumerate(codes):
        candidates = np.flatnonzero(bbox_mask(points, all_edges[code], 0.0))
        hits = candidates[inside(points[candidates], all_edges[code])]
        assert (found[hits] == -1).all(), f"point in two authorities ({code})"
        found[hits] = index
    lost = np.flatnonzero(found == -1)
    best = np.full(len(lost), np.inf)
    margin = SNAP_KM / KM_PER_DEG * 2.0
    for index, code in enumerate(codes):
        near = np.flatnonzero(bbox_mask(points[lost], all_edges[code], margin))
        if near.size:
            gap = distance_km(points[lost[near]], all_edges[code])
            closer = gap < best[near]
            best[near[closer]] = gap[closer]
            found[lost[near[closer]]] = index
    worst = float(best.max()) if len(best) else 0.0
    assert worst <= SNAP_KM, f"a centroid is {worst:.2f} km from every authority"
    print(f"lsoa: {len(points)} English centroids, {len(lost)} snapped (max {worst:.3f} km)")
    return np.asarray(codes)[found], worst


def read_lsoa_points(shared: Path) -> pd.DataFrame:
    """English (E01) LSOA centroids."""
    table = pd.read_csv(
        shared / LSOA_POINTS,
        dtype={"LSOACD": str, "lsoa11cd": str, "latitude": float, "longitude": float},
    )
    table = table[table["LSOACD"].str.startswith("E01")]
    assert table["LSOACD"].is_unique
    return table.sort_values("LSOACD", ignore_index=True)


def write_lsoa_points(lsoa: pd.DataFrame, located: np.ndarray, region: dict[str, str], path: Path) -> pd.Series:
    """Write the North West LSOA points; return the row count per authority."""
    lsoa = lsoa.assign(gss_code=located)
    north_west = lsoa[lsoa["gss_code"].map(region) == NORTH_WEST]
    rows = ((r.LSOACD, r.gss_code, fmt(r.latitude), fmt(r.longitude)) for r in north_west.itertuples(index=False))
    write_csv(path, ("lsoa_code", "gss_code", "lat", "lon"), rows)
    counts = north_west["gss_code"].value_counts().sort_index()
    expected = sorted(code for code, rgn in region.items() if rgn == NORTH_WEST)
    missing = sorted(set(expected) - set(counts.index))
    assert not missing, f"North West authorities without LSOA points: {missing}"
    return counts


def write_lsoa_authorities(lsoa: pd.DataFrame, located: np.ndarray, codes: set[str], path: Path) -> int:
    """Write every English LSOA with the authority its centroid lies in; the row count."""
    assert set(located) <= codes, "an LSOA was placed outside the 153 authorities"
    rows = zip(lsoa["LSOACD"].tolist(), located.tolist(), strict=True)
    return write_csv(path, ("lsoa_code", "gss_code"), rows)


def read_district_authorities(shared: Path, codes: set[str]) -> list[tuple[str, str]]:
    """(district code, children's-services authority code) for every current UK district."""
    table = pd.read_csv(shared / LA_CODES, dtype=str, keep_default_na=False)
    table = table[table["Current"] == "TRUE"]
    assert table["LADCD"].is_unique, "a current district listed twice"
    pairs = sorted(zip(table["LADCD"], table["UTLACD"], strict=True))
    english = {upper for lower, upper in pairs if lower.startswith("E")}
    assert english == codes, "current English districts do not map onto exactly the 153 authorities"
    for lower, upper in pairs:
        # Wales, Scotland and Northern Ireland have one tier: each council is its own authority.
        assert lower.startswith("E") or lower == upper, f"{lower} has upper tier {upper}"
    return pairs


# ------------------------------------------------------------------------- checks, main


def check_points_inside(table: pd.DataFrame, shapes: dict[str, list[Polygon]]) -> None:
    """Assert each representative point lies inside its own (unsimplified) outline."""
    points = table[["lon", "lat"]].to_numpy(dtype=float)
    for point, code in zip(points, table["gss_code"], strict=True):
        assert inside(point[None, :], feature_edges(shapes[code]))[0], f"{code} point outside"


def size_text(path: Path) -> str:
    """Human-readable file size."""
    size = path.stat().st_size
    return f"{size:,} B ({size / 1024:.1f} KiB)"


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="public source data folder (default: ../shared/data from the repo root)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    parser.add_argument(
        "--nps-only", action="store_true", help="only the National Placement Standard shapes and context (quick)"
    )
    return parser.parse_args()


def write_beyond_england(shared: Path, english: set[str], out: Path) -> None:
    """Write ``authorities_wales_scotland.csv`` and ``adjacency_cross_border.csv``."""
    beyond = read_beyond_england(shared)
    header = ("gss_code", "name", "country_code", "country", "lat", "lon")
    write_csv(out / "authorities_wales_scotland.csv", header, beyond)
    pairs = read_cross_border(shared, english, {row[0] for row in beyond})
    write_csv(out / "adjacency_cross_border.csv", ("gss_code_england", "gss_code_beyond"), pairs)
    print(f"authorities_wales_scotland: {len(beyond)} rows; adjacency_cross_border: {len(pairs)} pairs")


def main() -> None:
    """Regenerate every reference table."""
    args = parse_args()
    shared: Path = args.shared
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    print(f"national-placement-standard: {', '.join(write_nps(shared, out))}")
    if args.nps_only:
        return

    table = read_authorities(shared)
    codes = set(table["gss_code"])
    names = dict(zip(table["gss_code"], table["name"], strict=True))
    region = dict(zip(table["gss_code"], table["region_code"], strict=True))
    print(f"authorities: {write_authorities(table, out / 'authorities.csv')} rows")

    pairs = read_adjacency(shared, codes)
    write_csv(out / "adjacency.csv", ("gss_code_a", "gss_code_b"), pairs)
    manchester = ", ".join(f"{c} {names[c]}" for c in neighbours(pairs, "E08000003"))
    print(f"adjacency: {len(pairs)} pairs; E08000003 Manchester adjoins {manchester}")

    write_beyond_england(shared, codes, out)

    shapes = read_boundaries(shared, codes)
    check_points_inside(table, shapes)
    stats = write_outlines(shapes, names, out / "outlines.geojson")
    print(f"outlines: {stats}, {size_text(out / 'outlines.geojson')}")

    lsoa = read_lsoa_points(shared)
    located, _ = locate(lsoa[["longitude", "latitude"]].to_numpy(), shapes)
    counts = write_lsoa_points(lsoa, located, region, out / "lsoa_points_north_west.csv")
    print(f"lsoa_points_north_west: {int(counts.sum())} rows in {len(counts)} authorities")
    for code, count in counts.items():
        print(f"  {code} {names[str(code)]}: {count}")
    print(f"lsoa_authorities: {write_lsoa_authorities(lsoa, located, codes, out / 'lsoa_authorities.csv')} rows")

    districts = read_district_authorities(shared, codes)
    write_csv(out / "district_authorities.csv", ("district_code", "authority_code"), districts)
    print(f"district_authorities: {len(districts)} rows")


NPS_SOURCE = "national-placement-standard"
NPS_FOLDER = "national-placement-standard"


def write_nps(shared: Path, out: Path) -> list[str]:
    """Copy the NPS v01 SHACL shapes and JSON-LD context into ``out/national-placement-standard``."""
    source = shared / NPS_SOURCE
    commit = (source / "SOURCE_COMMIT").read_text(encoding="utf-8").strip()
    shapes = (source / "shacl" / "shacl-shape.ttl").read_text(encoding="utf-8")
    context = json.loads((source / "shacl" / "context.jsonld").read_text(encoding="utf-8"))
    # The checks the import and export rely on: fail here, not at run time.
    assert ":PlacementShape" in shapes and "sh:targetClass pl:ActualPlacement" in shapes
    assert context["@context"]["pl"] == "https://ns.socialcaredata.io/placements/"
    target = out / NPS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    header = (
        "# National Placement Standard v01 SHACL shapes, from SocialCareData/standard\n"
        f"# (commit {commit}), assets/shacl/shacl-shape.ttl. Open Government Licence v3.0;\n"
        "# the repository's code is also offered under MIT. Derived by data/reference/derive.py:\n"
        "# do not edit by hand.\n"
    )
    (target / "shacl-shape.ttl").write_text(header + shapes.replace("\r\n", "\n"), encoding="utf-8", newline="\n")
    (target / "context.jsonld").write_text(
        json.dumps(context, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    # The MIT licence asks for its notice to travel with the copy.
    (target / "LICENSE.MIT").write_text((source / "LICENSE.MIT").read_text(encoding="utf-8"), encoding="utf-8")
    return ["shacl-shape.ttl", "context.jsonld", "LICENSE.MIT"]


if __name__ == "__main__":
    main()
