"""Polygon areas: buffers count from the polygon's edge (0 inside, holes outside), everywhere the engine measures."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import assume, given
from hypothesis import strategies as st

import planner
from planner.case_json import polygon_problems
from planner.explain import explain_no_option
from planner.geometry import AreaShapes, Polygon, distance_km
from tests.unit.conftest import (
    area,
    case,
    codes,
    exclusion,
    group,
    option,
    option_ids,
    placement,
    rank,
    referral,
    where,
    young_person,
)

GeoJSON = dict[str, Any]


def ring(*corners: tuple[float, float]) -> list[list[float]]:
    """A closed ring through points given as (km north, km east) of home."""
    points = [where(n, e) for n, e in corners]
    return [[p["lon"], p["lat"]] for p in [*points, points[0]]]


def box(south: float, west: float, north: float, east: float) -> list[list[float]]:
    return ring((south, west), (south, east), (north, east), (north, west))


def polygon(*rings: list[list[float]]) -> GeoJSON:
    return {"type": "Polygon", "coordinates": list(rings)}


# A 2 km wide strip running 60 km east from home: its centre is 30 km from either end.
STRIP = polygon(box(-1, 0, 1, 60))
# A 20 km square around home with a 10 km square hole in the middle.
FRAME = polygon(box(-10, -10, 10, 10), box(-5, -5, 5, 5))


def polygon_area(shape: GeoJSON, **fields: Any) -> dict[str, Any]:
    """An area drawn as `shape`; its representative point is home (the west end of the strip)."""
    return area(polygon=shape, **fields)


def high_case(shape: GeoJSON, *placements: dict[str, Any], **area_fields: Any) -> dict[str, Any]:
    return case(placements=list(placements), areas=[polygon_area(shape, severity="high", **area_fields)])


def linked_case(shape: GeoJSON, *placements: dict[str, Any], **area_fields: Any) -> dict[str, Any]:
    return case(
        ref=referral(people=[young_person(groups=["G-1"])]),
        placements=list(placements),
        areas=[polygon_area(shape, groups=["G-1"], **area_fields)],
        groups=[group("G-1")],
    )


# --- the rules ----------------------------------------------------------------------


def test_a_placement_inside_a_high_severity_polygon_is_excluded():
    """A placement inside the polygon is inside the high-severity area, however far from its point."""
    result = rank(high_case(STRIP, placement("P-1", **where(0, 45))))
    assert codes(result, "P-1") == ["in_high_severity_area"]
    assert exclusion(result, "P-1")[0]["detail"].startswith("Inside a high-severity area (Area A-1)")


def test_a_placement_inside_a_linked_polygon_is_excluded():
    """Inside a polygon linked to the child's group: near_linked_area, at 0 km."""
    result = rank(linked_case(STRIP, placement("P-1", **where(0, 45))))
    assert codes(result, "P-1") == ["near_linked_area"]
    assert exclusion(result, "P-1")[0]["detail"].startswith("0.0 miles (0.0 km) from Area A-1")


def test_just_beyond_the_buffer_from_the_edge_is_an_option():
    """1.5 km north of the strip's edge clears the 1 km high-severity buffer; 21 km clears the 20 km linked one."""
    high = rank(high_case(STRIP, placement("P-1", **where(2.5, 30))))
    assert option_ids(high) == ["P-1"]
    assert option(high, "P-1")["facts"]["nearest_high_severity_km"] == pytest.approx(1.5, abs=0.05)
    linked = rank(linked_case(STRIP, placement("P-1", **where(22, 30))))
    assert option_ids(linked) == ["P-1"]
    assert option(linked, "P-1")["facts"]["nearest_linked_km"] == pytest.approx(21, abs=0.1)


def test_within_the_buffer_of_the_edge_but_far_from_the_point_is_excluded():
    """30 km from the strip's point but 10 km past its east end: inside the 20 km buffer, as a circle would not be."""
    beyond_the_end = placement("P-1", **where(0, 70))
    as_polygon = rank(linked_case(STRIP, beyond_the_end))
    assert codes(as_polygon, "P-1") == ["near_linked_area"]
    assert exclusion(as_polygon, "P-1")[0]["detail"].startswith("6.2 miles (10.0 km) from Area A-1")
    as_point = linked_case(STRIP, beyond_the_end)
    del as_point["areas"][0]["polygon"]
    assert option_ids(rank(as_point)) == ["P-1"]


def test_the_radius_is_taken_off_the_distance_from_the_edge():
    """3 km from the edge with radius_km 2.5 is 0.5 km: inside the 1 km high-severity buffer."""
    near = placement("P-1", **where(4, 30))
    assert option_ids(rank(high_case(STRIP, near))) == ["P-1"]
    assert codes(rank(high_case(STRIP, near, radius_km=2.5)), "P-1") == ["in_high_severity_area"]


def test_a_hole_is_not_inside_the_area():
    """In the middle of the hole, 5 km from its edge, a placement clears the 1 km buffer; in the frame it does not."""
    result = rank(high_case(FRAME, placement("P-1", **where(0, 0)), placement("P-2", **where(0, 7.5))))
    assert option_ids(result) == ["P-1"]
    assert option(result, "P-1")["facts"]["nearest_high_severity_km"] == pytest.approx(5, abs=0.05)
    assert codes(result, "P-2") == ["in_high_severity_area"]


def test_a_multipolygon_counts_every_part():
    """Inside the second part of a MultiPolygon is inside the area."""
    shape = {"type": "MultiPolygon", "coordinates": [[box(-1, -1, 1, 1)], [box(-1, 39, 1, 41)]]}
    result = rank(high_case(shape, placement("P-1", **where(0, 40)), placement("P-2", **where(0, 20))))
    assert codes(result, "P-1") == ["in_high_severity_area"]
    assert option_ids(result) == ["P-2"]


def test_a_circle_nearer_than_a_polygon_is_still_the_nearest():
    """A point area and a polygon area together: each placement is measured to the nearer of the two."""
    c = high_case(STRIP, placement("P-1", **where(-30, 30)), placement("P-2", **where(5, 30)))
    c["areas"].append(area("A-2", label="Point area", severity="high", **where(-31, 30)))
    result = rank(c)
    assert option(result, "P-1")["facts"]["nearest_high_severity_km"] == pytest.approx(1.0, abs=0.05)
    assert option(result, "P-2")["facts"]["nearest_high_severity_km"] == pytest.approx(4.0, abs=0.05)


def test_lowering_the_buffer_is_offered_from_the_edge_and_never_inside():
    """Relaxations read the polygon distance: 10 km past the edge, the buffer goes to 10 km; inside, no buffer helps."""
    beyond_the_end = linked_case(STRIP, placement("P-1", **where(0, 70)))
    details = [c["detail"] for c in _explained(beyond_the_end)["changes"]]
    assert "lowering the linked-area buffer from 20 km to 10 km gives 1 option" in details
    inside = linked_case(STRIP, placement("P-1", **where(0, 45)))
    assert not [c for c in _explained(inside)["changes"] if "near_linked_area" in c["codes"]]


def _explained(c: dict[str, Any]) -> dict[str, Any]:
    parsed = planner.parse_case(c, require="rank")
    policy = planner.effective_policy(parsed)
    assert parsed.referral is not None
    return explain_no_option(planner.world_for(parsed, policy), parsed.referral, policy).to_dict()


def test_the_batch_allocation_measures_polygons_as_the_ranking_does():
    """assign (shared per-group measures) excludes the placement inside a linked polygon, as rank does."""
    c = linked_case(STRIP, placement("P-1", **where(0, 45)), placement("P-2", **where(30, 30)))
    c["referrals"] = [c.pop("referral")]
    result = planner.assign_case(c)
    assert [(a["referral_id"], a["placement_id"]) for a in result["assignments"]] == [("R-1", "P-2")]


# --- the distance itself ---------------------------------------------------------------

ORIGIN = (53.0, -2.0)


@st.composite
def star_polygons(draw: st.DrawFn) -> list[list[tuple[float, float]]]:
    """A star-shaped ring (possibly very concave) of 3 to 24 corners within about 15 km of ORIGIN."""
    n = draw(st.integers(3, 24))
    radii = draw(st.lists(st.floats(0.3, 15), min_size=n, max_size=n))
    turn = draw(st.floats(0, 2 * math.pi))
    points = []
    for k, r in enumerate(radii):
        angle = turn + 2 * math.pi * k / n
        p = where(r * math.sin(angle), r * math.cos(angle), ORIGIN)
        points.append((p["lon"], p["lat"]))
    return [[*points, points[0]]]


points_near = st.tuples(st.floats(-40, 40), st.floats(-40, 40))
points_far = st.tuples(st.floats(-400, 400), st.floats(-400, 400))


def _inside_reference(ring: list[tuple[float, float]], lon: float, lat: float) -> bool:
    """Crossing number in lon/lat, written out point by point: the oracle for `inside`."""
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _densified_km(ring: list[tuple[float, float]], lat: float, lon: float) -> float:
    """Ellipsoidal distance to the ring sampled every few metres along each edge (an upper bound)."""
    a = np.array(ring[:-1])
    b = np.array(ring[1:])
    t = np.linspace(0, 1, 2001)[:, None, None]
    samples = (a + t * (b - a)).reshape(-1, 2)
    return float(distance_km(lat, lon, samples[:, 1], samples[:, 0]).min())


@given(star_polygons(), st.one_of(points_near, points_far))
def test_edge_distance_is_zero_exactly_inside_and_matches_a_dense_boundary(parts, offset):
    """Distance >= 0; 0 iff inside (crossing-number oracle); outside, what a boundary sampled every few metres gives."""
    p = where(*offset, ORIGIN)
    km = float(Polygon.build([parts]).edge_distance(p["lat"], p["lon"])[0])
    assert km >= 0
    inside = _inside_reference(parts[0], p["lon"], p["lat"])
    if inside:
        assert km == 0
    else:
        dense = _densified_km(parts[0], p["lat"], p["lon"])
        assert km > 0 or dense < 1e-6
        assert dense * 0.9999 - 0.001 <= km <= dense * 1.00002 + 0.00001


@given(star_polygons(), points_near, st.floats(0.05, 0.95))
def test_moving_a_placement_away_from_the_polygon_never_lowers_safety(parts, offset, fraction):
    """From a point part-way between the nearest boundary point and P-2, moving out to P-2 never lowers safety."""
    far = where(*offset, ORIGIN)
    shape = Polygon.build([parts])
    km, foot_lat, foot_lon, inside = shape.nearest_boundary(far["lat"], far["lon"])
    # A point inside, or on the boundary, has no way out to move along: draw another
    # (a bare `return` would count it as a pass and hide how few examples were tried).
    assume(not inside[0] and km[0] >= 0.01)
    nearer = {
        "lat": float(foot_lat[0] + fraction * (far["lat"] - foot_lat[0])),
        "lon": float(foot_lon[0] + fraction * (far["lon"] - foot_lon[0])),
    }
    c = case(
        ref=referral(people=[young_person(groups=["G-1"], home=where(0, 0, ORIGIN))]),
        placements=[placement("P-1", **nearer), placement("P-2", **far)],
        areas=[area(polygon=_geojson(parts), groups=["G-1"], severity="high", **where())],
        groups=[group("G-1")],
        policy={"min_km_from_linked_areas": 0, "min_km_from_high_severity_areas": 0, "safe_km": 60},
    )
    result = rank(c)
    assert option(result, "P-2")["components"]["safety"] >= option(result, "P-1")["components"]["safety"]


def _geojson(parts: list[list[tuple[float, float]]]) -> GeoJSON:
    return {"type": "Polygon", "coordinates": [[list(p) for p in r] for r in parts]}


def _circle_ring(centre: tuple[float, float], radius_km: float, corners: int) -> list[tuple[float, float]]:
    points = []
    for k in range(corners):
        at = geodesic(kilometers=radius_km).destination(centre, 360 * k / corners)
        points.append((at.longitude, at.latitude))
    return [*points, points[0]]


CIRCLE = _circle_ring(ORIGIN, 5.0, 256)


@given(points_near)
def test_a_polygon_approximating_a_circle_gives_the_circles_distances(offset):
    """A 256-corner polygon on a 5 km circle measures like the circle: within 10 m everywhere."""
    p = where(*offset, ORIGIN)
    lat, lon = np.array([p["lat"]]), np.array([p["lon"]])
    as_circle = AreaShapes.build([ORIGIN[0]], [ORIGIN[1]], [5.0]).nearest_edge(lat, lon)[0]
    as_polygon = AreaShapes.build([ORIGIN[0]], [ORIGIN[1]], [0.0], [[[CIRCLE]]]).nearest_edge(lat, lon)[0]
    assert float(as_polygon[0]) == pytest.approx(float(as_circle[0]), abs=0.01)


@st.composite
def mixed_areas(draw: st.DrawFn) -> tuple[list[float], list[float], list[float], list[Any]]:
    """Up to 6 areas near ORIGIN, each a circle or a small box, with radii (some equal, to make ties)."""
    lat, lon, radius, shapes = [], [], [], []
    for _ in range(draw(st.integers(1, 6))):
        north, east = draw(st.floats(-30, 30)), draw(st.floats(-30, 30))
        p = where(north, east, ORIGIN)
        lat.append(p["lat"])
        lon.append(p["lon"])
        radius.append(draw(st.sampled_from([0.0, 0.0, 1.0, 3.0])))
        if draw(st.booleans()):
            half = draw(st.floats(0.5, 8))
            corners = [where(north + dn, east + de, ORIGIN) for dn, de in ((-half, -half), (-half, half), (half, half))]
            coords = [(c["lon"], c["lat"]) for c in corners]
            shapes.append([[[*coords, coords[0]]]])
        else:
            shapes.append(None)
    return lat, lon, radius, shapes


@given(mixed_areas(), st.lists(points_near, min_size=1, max_size=20))
def test_nearest_edge_over_circles_and_polygons_is_the_least_of_each(areas, offsets):
    """The pruned search gives each point the least edge distance of any area, ties to the lowest index."""
    lat, lon, radius, shapes = areas
    pts = [where(*o, ORIGIN) for o in offsets]
    plat = np.array([p["lat"] for p in pts])
    plon = np.array([p["lon"] for p in pts])
    km, idx = AreaShapes.build(lat, lon, radius, shapes).nearest_edge(plat, plon)
    each = np.column_stack(
        [
            np.maximum(
                0.0,
                (
                    Polygon.build(shape).edge_distance(plat, plon)
                    if shape is not None
                    else distance_km(plat, plon, lat[k], lon[k])
                )
                - radius[k],
            )
            for k, shape in enumerate(shapes)
        ]
    )
    assert np.array_equal(km, each.min(axis=1))
    assert np.array_equal(idx, np.argmin(each, axis=1))


# --- the case format -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "problem"),
    [
        ("a polygon", "areas[0].polygon: must be a GeoJSON geometry object with type and coordinates"),
        ({"type": "Point", "coordinates": [0, 0]}, "areas[0].polygon.type: must be Polygon or MultiPolygon"),
        ({"type": "Polygon"}, "areas[0].polygon.coordinates: is required"),
        (
            {"type": "Polygon", "coordinates": [box(0, 0, 1, 1)[:-1]]},
            "areas[0].polygon.coordinates[0]: must be closed: the last position must repeat the first",
        ),
        (
            {"type": "Polygon", "coordinates": [[[-2, 53], [-1.9, 53], [-2, 53]]]},
            "areas[0].polygon.coordinates[0]: must have at least 4 positions (a closed ring), not 3",
        ),
        (
            {"type": "Polygon", "coordinates": [[[-2, 53], [-1.9, 53], [-1.9, 93], [-2, 53]]]},
            "areas[0].polygon.coordinates[0][2]: latitude (second number) must be between -90 and 90",
        ),
        (
            {"type": "Polygon", "coordinates": [[[-2, 53], [181, 53], [-1.9, 53.1], [-2, 53]]]},
            "areas[0].polygon.coordinates[0][1]: longitude (first number) must be between -180 and 180",
        ),
        (
            {"type": "Polygon", "coordinates": [[[-2, 53], ["east", 53], [-1.9, 53.1], [-2, 53]]]},
            "areas[0].polygon.coordinates[0][1]: must be a position [lon, lat] of two numbers",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [box(0, 0, 1, 1)]},
            "areas[0].polygon.coordinates[0]: must be a list of rings, not one ring (check the nesting for type)",
        ),
        (
            {"type": "Polygon", "coordinates": [box(0, 0, 1, 1)], "properties": {}},
            "areas[0].polygon.properties: is not a member of a GeoJSON Polygon or MultiPolygon",
        ),
    ],
)
def test_a_bad_polygon_is_reported_naming_the_field(shape, problem):
    """Each kind of bad polygon gives one line naming the member at fault."""
    assert planner.validate_case(high_case(shape, placement())) == [problem]


def test_a_polygon_with_a_hole_and_a_bbox_is_valid_and_null_means_none():
    """Holes and a GeoJSON bbox are accepted; `polygon: null` is an area without one."""
    assert planner.validate_case(high_case({**FRAME, "bbox": [-2.2, 52.9, -1.8, 53.1]}, placement())) == []
    without = high_case(STRIP, placement())
    without["areas"][0]["polygon"] = None
    assert planner.parse_case(without).areas[0].polygon is None


def test_an_importer_can_check_a_polygon_alone():
    """polygon_problems reports as a case would, under the path it is given; a good polygon has none."""
    assert polygon_problems(FRAME) == []
    assert polygon_problems({"type": "Polygon", "coordinates": [box(0, 0, 1, 1)[:-1]]}, "row 3: geometry") == [
        "row 3: geometry.coordinates[0]: must be closed: the last position must repeat the first"
    ]
    assert polygon_problems(None) == ["polygon: must not be null"]
