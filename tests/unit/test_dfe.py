"""The DfE's PL_DISTANCE and PL_LOCATION, computed as the SSDA903 guidance defines them."""

from __future__ import annotations

import pytest

from planner.dfe import miles_from_coordinates, placement_distance_miles, placement_location


def test_distance_uses_dfe_formula_and_one_decimal() -> None:
    """A 3-4-5 triangle of 30 km and 40 km is 50 km, which DfE reads as 31.1 miles."""
    assert placement_distance_miles(400_000, 300_000, 430_000, 340_000) == 31.1


def test_distance_is_zero_for_the_same_grid_reference() -> None:
    """Home and placement at the same postcode are 0.0 miles apart."""
    assert placement_distance_miles(530_000, 180_000, 530_000, 180_000) == 0.0


def test_distance_is_symmetric() -> None:
    """Swapping home and placement gives the same distance."""
    a = placement_distance_miles(512_345, 187_654, 498_765, 201_234)
    b = placement_distance_miles(498_765, 201_234, 512_345, 187_654)
    assert a == b


def test_distance_rounds_half_up() -> None:
    """A distance exactly halfway between tenths rounds up, as a spreadsheet would."""
    # 0.25 miles in DfE's mile is 402.325 metres.
    assert placement_distance_miles(0, 0, 402.325, 0) == 0.3


def test_twenty_miles_boundary() -> None:
    """32.186 km is 20.0 miles on DfE's mile (the 'more than 20 miles' threshold)."""
    assert placement_distance_miles(0, 0, 32_186, 0) == 20.0
    assert placement_distance_miles(0, 0, 32_400, 0) == 20.1


def test_miles_from_coordinates_matches_grid_distance() -> None:
    """Coordinates of two London points give the same miles as their grid references, to 0.1."""
    # Trafalgar Square and Greenwich Observatory: about 5.9 miles apart.
    by_coordinates = miles_from_coordinates(51.5080, -0.1281, 51.4769, -0.0005)
    by_grid = placement_distance_miles(530_000, 180_430, 538_890, 177_230)
    assert by_coordinates == pytest.approx(by_grid, abs=0.15)


def test_miles_from_coordinates_is_zero_for_the_same_point() -> None:
    """The same point is 0.0 miles from itself."""
    assert miles_from_coordinates(52.0, -1.0, 52.0, -1.0) == 0.0


@pytest.mark.parametrize(
    ("responsible", "placement", "expected"),
    [
        ("E09000001", "E09000001", "IN"),
        ("E09000001", "E09000002", "OUT"),
        ("e09000001", " E09000001 ", "IN"),
        ("", "", "OUT"),
    ],
)
def test_placement_location(responsible: str, placement: str, expected: str) -> None:
    """IN only when the placement's authority is the responsible authority."""
    assert placement_location(responsible, placement) == expected
