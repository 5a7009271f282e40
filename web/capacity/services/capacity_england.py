"""England's published figures beside ours: DfE's series by year, read from the shipped DfE files.

The files are in data/reference/dfe/ in DfE's own open-data layout (see its PROVENANCE.md
for which years they hold and where from); a newer DfE download replaces them as it is.
"""

from __future__ import annotations

from functools import cache

from planner.authorities import REFERENCE_DIR
from planner.dfe_published import CLA_SOURCE, DISTANCE_SOURCE, LOCALITY_SOURCE, EnglandYear, england_series, latest

DFE_DIR = REFERENCE_DIR / "dfe"
DISTANCE_FILE = DFE_DIR / "cla_placement_distance.csv"
LOCALITY_FILE = DFE_DIR / "cla_placement_distance_locality.csv"
CLA_FILE = DFE_DIR / "national_cla_on_31_march_by_placement_distance_and_locality_of_placement.csv"
_ADDRESSES = {source: address for source, address in (DISTANCE_SOURCE, LOCALITY_SOURCE, CLA_SOURCE)}
NOT_AVAILABLE = "x"


@cache
def england() -> dict[int, EnglandYear]:
    """England's figures by year (read once: the files change only with a release of the product)."""
    distance, locality, cla = (
        path.read_text(encoding="utf-8") if path.exists() else "" for path in (DISTANCE_FILE, LOCALITY_FILE, CLA_FILE)
    )
    return england_series(distance, locality, cla)


def percent(value: int | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value}%"


def latest_far() -> tuple[str, str]:
    """England's latest published share more than 20 miles from home, and what it is ("2015, DfE ...")."""
    found = latest(england(), "over_20_miles_percent")
    if found is None:
        return NOT_AVAILABLE, "not available"
    return percent(found.over_20_miles_percent), f"31 March {found.year}; {found.source}"


def latest_outside() -> tuple[str, str]:
    """England's latest share placed outside the responsible authority, and what it is, or not available."""
    found = latest(england(), "outside_percent")
    if found is None:
        return NOT_AVAILABLE, "not available in the DfE files the product holds"
    return percent(found.outside_percent), f"31 March {found.year}; {found.source}"


def _years(years: list[int]) -> str:
    """Years as ranges: 2015, 2018 to 2022."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


def source_notes() -> tuple[str, ...]:
    """Where England's figures come from, year by year, and what the product does not hold."""
    by_source: dict[str, list[int]] = {}
    outside: list[int] = []
    for year, found in england().items():
        if found.over_20_miles_percent is not None:
            by_source.setdefault(found.source, []).append(year)
        if found.outside_percent is not None:
            outside.append(year)
    far = "; ".join(
        f"{_years(years)} from {source} ({_ADDRESSES.get(source, '')})" for source, years in by_source.items()
    )
    return (
        f"England, over 20 miles (DfE: looked after at 31 March, short breaks excluded): {far or 'none held'}.",
        "England, outside the boundary: "
        + (
            f"{_years(outside)}, worked out from DfE's counts rounded to 10 ({LOCALITY_SOURCE[0]})."
            if outside
            else "no year held (DfE's full figure is not in the files the product holds)."
        ),
        f"{NOT_AVAILABLE}: England's figure for that year is not in the DfE files the product holds.",
    )


__all__ = ["england", "latest_far", "latest_outside", "percent", "source_notes"]
