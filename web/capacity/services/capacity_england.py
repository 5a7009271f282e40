"""England's published figures beside ours: DfE's series by year, read from the shipped DfE files.

The files are in data/reference/dfe/ in DfE's own open-data layout (see its PROVENANCE.md
for which years they hold and where from); a newer DfE download replaces them as it is.
"""

from __future__ import annotations

from functools import cache

from planner.authorities import REFERENCE_DIR
from planner.dfe_published import (
    CLA_2024_SOURCE,
    CLA_SOURCE,
    DISTANCE_SOURCE,
    PLACEMENT_LOCALITY_SOURCE,
    PLACEMENT_LOCATION_RELEASE,
    EnglandYear,
    england_series,
    latest,
)

DFE_DIR = REFERENCE_DIR / "dfe"
DISTANCE_FILE = DFE_DIR / "cla_placement_distance.csv"
PLACEMENT_LOCALITY_FILE = DFE_DIR / "cla_placement_locality.csv"
CLA_FILE = DFE_DIR / "national_cla_on_31_march_by_placement_distance_and_locality_of_placement.csv"
CLA_2024_FILE = DFE_DIR / "national_cla_on_31_march_by_placement_distance_and_placement_locality.csv"
# Which DfE file (name, address) each figure of a year came from, by the release the year names:
# the placement-location release's two figures are in two different data sets.
_FAR_SOURCES = {
    PLACEMENT_LOCATION_RELEASE: DISTANCE_SOURCE,
    CLA_SOURCE[0]: CLA_SOURCE,
    CLA_2024_SOURCE[0]: CLA_2024_SOURCE,
}
_OUTSIDE_SOURCES = {PLACEMENT_LOCATION_RELEASE: PLACEMENT_LOCALITY_SOURCE}
NOT_AVAILABLE = "x"


@cache
def england() -> dict[int, EnglandYear]:
    """England's figures by year (read once: the files change only with a release of the product)."""
    distance, locality, cla, cla_2024 = (
        path.read_text(encoding="utf-8") if path.exists() else ""
        for path in (DISTANCE_FILE, PLACEMENT_LOCALITY_FILE, CLA_FILE, CLA_2024_FILE)
    )
    return england_series(distance, locality, cla, cla_2024)


def _named(sources: dict[str, tuple[str, str]], release: str) -> tuple[str, str]:
    return sources.get(release, (release, ""))


def percent(value: int | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value}%"


def latest_far() -> tuple[str, str]:
    """England's latest published share more than 20 miles from home, and what it is ("2015, DfE ...")."""
    found = latest(england(), "over_20_miles_percent")
    if found is None:
        return NOT_AVAILABLE, "not available"
    return percent(found.over_20_miles_percent), f"31 March {found.year}; {_named(_FAR_SOURCES, found.source)[0]}"


def latest_outside() -> tuple[str, str]:
    """England's latest share placed outside the responsible authority, and what it is, or not available."""
    found = latest(england(), "outside_percent")
    if found is None:
        return NOT_AVAILABLE, "not available in the DfE files the product holds"
    return percent(found.outside_percent), f"31 March {found.year}; {_named(_OUTSIDE_SOURCES, found.source)[0]}"


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
    far: dict[tuple[str, str], list[int]] = {}
    outside: dict[tuple[str, str], list[int]] = {}
    for year, found in england().items():
        if found.over_20_miles_percent is not None:
            far.setdefault(_named(_FAR_SOURCES, found.source), []).append(year)
        if found.outside_percent is not None:
            outside.setdefault(_named(_OUTSIDE_SOURCES, found.source), []).append(year)

    def listed(by_source: dict[tuple[str, str], list[int]]) -> str:
        return "; ".join(f"{_years(years)} from {name} ({address})" for (name, address), years in by_source.items())

    return (
        f"England, over 20 miles (DfE: looked after at 31 March, short breaks excluded): {listed(far) or 'none held'}.",
        "England, outside the boundary (DfE's own percentage of every child looked after at 31 March): "
        + (f"{listed(outside)}." if outside else "no year held."),
        f"{NOT_AVAILABLE}: England's figure for that year is not in the DfE files the product holds "
        "(never worked out from DfE's counts).",
    )


__all__ = ["england", "latest_far", "latest_outside", "percent", "source_notes"]
