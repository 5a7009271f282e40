"""Where a scenario puts commissioned places: the authority's point farthest from the areas."""

from __future__ import annotations

from datetime import date

from planner.case import Area
from planner.siting import neighbourhood_points, safest_point

TODAY = date(2026, 11, 25)


def _area(lat: float, lon: float, review_by: date | None = None) -> Area:
    return Area("A", "Area", "gang_territory", lat, lon, 1.0, ("G",), "high", review_by)


def test_the_point_farthest_from_every_area_is_chosen() -> None:
    points = [(53.48, -2.24), (53.40, -2.10), (53.60, -2.50)]
    assert safest_point(points, [_area(53.48, -2.24), _area(53.59, -2.49)], TODAY) == (53.40, -2.10)


def test_expired_areas_do_not_count_and_no_area_keeps_the_first_point() -> None:
    points = [(53.48, -2.24), (53.40, -2.10)]
    assert safest_point(points, [_area(53.40, -2.10, review_by=date(2026, 1, 1))], TODAY) == (53.48, -2.24)
    assert safest_point(points, [], TODAY) == (53.48, -2.24)
    assert safest_point([], [_area(53.4, -2.1)], TODAY) is None


def test_north_west_authorities_have_neighbourhood_points_and_others_none() -> None:
    assert len(neighbourhood_points("E08000009")) > 100  # Trafford
    assert neighbourhood_points("E09000001") == ()  # City of London: outside the table
