"""The DfE's derived placement fields, as the SSDA903 return defines them.

PL_DISTANCE is the straight line between the home and placement postcode grid
references (OS National Grid eastings and northings, in metres), in miles to one
decimal, computed exactly as the DfE does: ``sqrt((E1-E2)^2 + (N1-N2)^2) / 1000 / 1.6093``.
PL_LOCATION is ``IN`` when the placement lies inside the responsible authority, else
``OUT``. Figures the product reports ("more than 20 miles from home", "outside the
authority") use these functions so they compare with DfE's statistics.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from planner.geometry import distance_km

# The DfE divides kilometres by this figure, not by the exact 1.609344.
DFE_KM_PER_MILE = 1.6093
# "Placed more than 20 miles from home" in DfE's tables.
DFE_FAR_FROM_HOME_MILES = 20.0
IN_AREA = "IN"
OUT_OF_AREA = "OUT"


def _one_decimal(value: float) -> float:
    # Half-up, not Python's round-half-even, so 0.25 reads as 0.3 as in a spreadsheet.
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def placement_distance_miles(
    home_easting: float, home_northing: float, placement_easting: float, placement_northing: float
) -> float:
    """PL_DISTANCE: straight-line miles between two grid references, to one decimal."""
    metres = math.hypot(home_easting - placement_easting, home_northing - placement_northing)
    return _one_decimal(metres / 1000 / DFE_KM_PER_MILE)


def miles_from_coordinates(home_lat: float, home_lon: float, placement_lat: float, placement_lon: float) -> float:
    """Straight-line miles between two WGS84 points, to one decimal, on DfE's mile.

    For records that have coordinates but no postcode grid reference. The line is the
    ellipsoidal distance from `planner.geometry`, which over the length of England
    differs from the grid-reference distance by well under 0.1 mile in 20.
    """
    km = float(distance_km(home_lat, home_lon, placement_lat, placement_lon))
    return _one_decimal(km / DFE_KM_PER_MILE)


def placement_location(responsible_authority: str, placement_authority: str) -> str:
    """PL_LOCATION: ``"IN"`` when the placement's authority is the responsible one, else ``"OUT"``."""
    same = responsible_authority.strip().upper() == placement_authority.strip().upper()
    return IN_AREA if same and responsible_authority.strip() else OUT_OF_AREA
