"""The reach of a change of intelligence: points within a buffer of where areas are or were."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.nearby import Shape, edge_km, edge_km_each, near, polygon_parts, reach_km
from planner.policy import load_policy

# Manchester city centre, and points due north of it (1 degree of latitude is about 111.2 km).
LAT, LON = 53.4794, -2.2453


def test_a_circle_is_measured_from_its_edge() -> None:
    """A point 11.1 km north of the centre of a 1 km circle is about 10.1 km from its edge."""
    km = edge_km([Shape(LAT, LON, 1.0)], [LAT + 0.1], [LON])
    assert math.isclose(float(km[0]), 10.1, abs_tol=0.1)


def test_points_beyond_the_reach_are_not_near() -> None:
    """Within 20 km of the edge: near; 30 km away: not."""
    result = near([Shape(LAT, LON, 0.5)], [LAT + 0.1, LAT + 0.3], [LON, LON], 20)
    assert result.tolist() == [True, False]


def test_no_shapes_means_nothing_is_near() -> None:
    """An import that changed nothing reaches nobody."""
    assert near([], [LAT], [LON], 20).tolist() == [False]


def test_a_polygon_counts_from_its_boundary_and_zero_inside() -> None:
    """A square around the centre: a point inside is 0 km from it."""
    square = {
        "type": "Polygon",
        "coordinates": [[[LON - 0.05, LAT - 0.05], [LON + 0.05, LAT - 0.05], [LON + 0.05, LAT + 0.05],
                         [LON - 0.05, LAT + 0.05], [LON - 0.05, LAT - 0.05]]],
    }  # fmt: skip
    shape = Shape(LAT, LON, 0.0, polygon_parts(square))
    km = edge_km([shape], [LAT, LAT + 0.15], [LON, LON])
    assert km[0] == 0.0
    assert math.isclose(float(km[1]), 11.1, abs_tol=0.2)


def test_the_reach_is_the_largest_hard_buffer_of_the_policy() -> None:
    """20 km around linked areas beats 1 km around high-severity ones."""
    policy = load_policy()
    assert reach_km(policy) == max(policy.min_km_from_linked_areas, policy.min_km_from_high_severity_areas)


@settings(max_examples=60, deadline=None)
@given(
    point=st.tuples(st.floats(49.5, 58.5), st.floats(-6.0, 1.8)),
    circles=st.lists(
        st.tuples(st.floats(49.5, 58.5), st.floats(-6.0, 1.8), st.floats(0.0, 5.0)), min_size=0, max_size=30
    ),
)
def test_edge_km_each_is_edge_km_of_each_shape_alone(
    point: tuple[float, float], circles: list[tuple[float, float, float]]
) -> None:
    """The re-check measures thousands of areas at once; each figure must be exactly the engine's."""
    square = [[[-2.30, 53.40], [-2.20, 53.40], [-2.20, 53.50], [-2.30, 53.50], [-2.30, 53.40]]]
    shapes = [Shape(lat, lon, radius) for lat, lon, radius in circles] + [Shape(53.45, -2.25, 0.5, [square])]
    lat, lon = point
    each = edge_km_each(shapes, lat, lon)
    alone = [float(edge_km([s], [lat], [lon])[0]) for s in shapes]
    assert each.tolist() == alone
