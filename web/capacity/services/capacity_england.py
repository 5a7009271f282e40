"""England's published figures beside ours: DfE's series by year, read from the shipped DfE files.

The files are in data/reference/dfe/ in DfE's own open-data layout (see its PROVENANCE.md
for which years they hold and where from); a newer DfE download replaces them as it is.
"""

from __future__ import annotations

from functools import cache

from planner.authorities import REFERENCE_DIR
from planner.dfe_published import DISTANCE_SOURCE, LOCALITY_SOURCE, EnglandYear, england_series, latest

DFE_DIR = REFERENCE_DIR / "dfe"
DISTANCE_FILE = DFE_DIR / "cla_placement_distance.csv"
LOCALITY_FILE = DFE_DIR / "cla_placement_distance_locality.csv"
NOT_AVAILABLE = "x"


@cache
def england() -> dict[int, EnglandYear]:
    """England's figures by year (read once: the files change only with a release of the product)."""
    distance = DISTANCE_FILE.read_text(encoding="utf-8") if DISTANCE_FILE.exists() else ""
    locality = LOCALITY_FILE.read_text(encoding="utf-8") if LOCALITY_FILE.exists() else ""
    return england_series(distance, locality)


def percent(value: int | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value}%"


def latest_far() -> tuple[str, str]:
    """England's latest published share more than 20 miles from home, and what it is ("2015, DfE ...")."""
    found = latest(england(), "over_20_miles_percent")
    if found is None:
        return NOT_AVAILABLE, "not available"
    return percent(found.over_20_miles_percent), f"31 March {found.year}; {DISTANCE_SOURCE[0]}"


def latest_outside() -> tuple[str, str]:
    """England's latest share placed outside the responsible authority, and what it is, or not available."""
    found = latest(england(), "outside_percent")
    if found is None:
        return NOT_AVAILABLE, "not available in the DfE files the product holds"
    return percent(found.outside_percent), f"31 March {found.year}; {LOCALITY_SOURCE[0]}"


def source_notes() -> tuple[str, ...]:
    """Where England's figures come from, and which years the product holds."""
    series = england()
    far = [y for y, e in sorted(series.items()) if e.over_20_miles_percent is not None]
    outside = [y for y, e in sorted(series.items()) if e.outside_percent is not None]
    return (
        f"England, more than 20 miles: {DISTANCE_SOURCE[0]} ({DISTANCE_SOURCE[1]}); "
        f"years held: {', '.join(map(str, far)) or 'none'}.",
        f"England, outside the authority: {LOCALITY_SOURCE[0]} ({LOCALITY_SOURCE[1]}), worked out from DfE's "
        f"counts rounded to 10; years held: {', '.join(map(str, outside)) or 'none'}.",
        f"{NOT_AVAILABLE}: England's figure for that year is not in the DfE files the product holds.",
    )


__all__ = ["england", "latest_far", "latest_outside", "percent", "source_notes"]
