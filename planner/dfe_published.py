"""England's figures as DfE publishes them, read from DfE's open data files, year by year.

Two releases' layouts are read, each as DfE publishes it, so a newer download drops in as
it is: "Children looked after: a focus on placement location" (one row per year and
category, `child_count` and `percent_count`) and "Children looked after in England
including adoptions" (`cla_group`, `characteristic`, `number`, `percentage`). Where both
give a year, the placement-location release (the later one, with DfE's revisions) wins.
Only what the files hold is used: a year or a figure they lack is "not available", never
filled in. DfE rounds national counts to the nearest 10 and percentages to whole numbers,
and marks figures it withholds with symbols (c, k, x, z, u): those read as missing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

DISTANCE_SOURCE = (
    "DfE, Children looked after: a focus on placement location, reporting year 2024, "
    "data set 'Placement distance for CLA'",
    "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/9114fc39-03a0-4cb5-a4d6-75bf9b5413af",
)
LOCALITY_SOURCE = (
    "DfE, Children looked after: a focus on placement location, reporting year 2024, "
    "data set 'Placement distance locality for CLA'",
    "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/7644a2f8-0297-4ce1-9c3e-7988849ac3ce",
)
CLA_SOURCE = (
    "DfE, Children looked after in England including adoptions, reporting year 2022, "
    "file national_cla_on_31_march_by_placement_distance_and_locality_of_placement.csv",
    "https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions/2022",
)
_OVER_20 = "over 20 miles"
_NOT_KNOWN = "not known or not recorded"
_TOTAL = "total"
_OUTSIDE_PARTS = (
    "outside boundary - 20 miles or less",
    "outside boundary - over 20 miles",
    "outside boundary - distance not known or not recorded",
)


@dataclass(frozen=True)
class EnglandYear:
    """England at 31 March of one year, as published (None where the files do not say)."""

    year: int
    children: int | None  # children looked after at 31 March, short breaks excluded
    over_20_miles: int | None
    over_20_miles_percent: int | None  # DfE's own rounded percentage
    outside: int | None  # placed outside the responsible authority's boundary
    outside_percent: int | None  # worked out from DfE's rounded counts, so to the nearest whole number
    source: str  # the DfE release and file the year's figures come from

    @property
    def has_any(self) -> bool:
        return self.over_20_miles_percent is not None or self.outside_percent is not None


def _number(text: str | None) -> float | None:
    """A published figure, or None for DfE's symbols (c suppressed, k < 0.5%, x, z, u) and blanks."""
    cleaned = (text or "").replace(",", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


def _national_rows(text: str, category: str) -> dict[int, dict[str, tuple[float | None, float | None]]]:
    """Year -> category (lower case) -> (count, percent), England's national rows only."""
    out: dict[int, dict[str, tuple[float | None, float | None]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if (row.get("geographic_level") or "").strip().lower() != "national":
            continue
        year = _number(row.get("time_period"))
        name = (row.get(category) or "").strip().lower()
        if year is None or not name:
            continue
        out.setdefault(int(year), {})[name] = (_number(row.get("child_count")), _number(row.get("percent_count")))
    return out


# The CLA release's group for every child looked after at 31 March (DfE's own label).
_CLA_EVERYONE = "all new placements"
_CLA_OVER_20 = "2. over 20 miles"


def _cla_release(text: str) -> dict[int, EnglandYear]:
    """England by year from the CLA-in-England release's distance and locality file.

    Its locality rows split only the children whose distance is known, so the share
    outside the boundary is not worked out from it (it would leave some out).
    """
    out: dict[int, EnglandYear] = {}
    by_year: dict[int, dict[str, tuple[float | None, float | None]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if (row.get("geographic_level") or "").strip().lower() != "national":
            continue
        if (row.get("cla_group") or "").strip().lower() != _CLA_EVERYONE:
            continue
        year = _number(row.get("time_period"))
        if year is None:
            continue
        name = (row.get("characteristic") or "").strip().lower()
        by_year.setdefault(int(year), {})[name] = (_number(row.get("number")), _number(row.get("percentage")))
    for year, rows in by_year.items():
        total = rows.get(_TOTAL, (None, None))[0]
        over, over_percent = rows.get(_CLA_OVER_20, (None, None))
        out[year] = EnglandYear(
            year,
            None if total is None else int(total),
            None if over is None else int(over),
            None if over_percent is None else round(over_percent),
            None,
            None,
            CLA_SOURCE[0],
        )
    return out


def england_series(distance_csv: str, locality_csv: str = "", cla_csv: str = "") -> dict[int, EnglandYear]:
    """England's figures by year from DfE's files: the placement-location release's distance and
    (optional) distance-locality files, and (optional) the CLA-in-England release's file."""
    series = _cla_release(cla_csv) if cla_csv else {}
    for year, found in _placement_location_release(distance_csv, locality_csv).items():
        if found.has_any or year not in series:
            series[year] = found
    return dict(sorted(series.items()))


def _placement_location_release(distance_csv: str, locality_csv: str) -> dict[int, EnglandYear]:
    distance = _national_rows(distance_csv, "distance")
    locality = _national_rows(locality_csv, "distance_locality") if locality_csv else {}
    series: dict[int, EnglandYear] = {}
    for year in sorted(set(distance) | set(locality)):
        rows = distance.get(year, {})
        total = rows.get(_TOTAL, (None, None))[0]
        over, over_percent = rows.get(_OVER_20, (None, None))
        parts = [locality.get(year, {}).get(name, (None, None))[0] for name in _OUTSIDE_PARTS]
        outside = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
        outside_percent = None
        if outside is not None and total:
            outside_percent = round(100 * outside / total)
        series[year] = EnglandYear(
            year,
            None if total is None else int(total),
            None if over is None else int(over),
            None if over_percent is None else round(over_percent),
            None if outside is None else int(outside),
            outside_percent,
            DISTANCE_SOURCE[0],
        )
    return series


def latest(series: dict[int, EnglandYear], figure: str) -> EnglandYear | None:
    """The latest year with `figure` ("over_20_miles_percent" or "outside_percent") published."""
    found = [y for y in series.values() if getattr(y, figure) is not None]
    return max(found, key=lambda y: y.year) if found else None


__all__ = ["CLA_SOURCE", "DISTANCE_SOURCE", "LOCALITY_SOURCE", "EnglandYear", "england_series", "latest"]
