"""England's figures as DfE publishes them, read from DfE's open data files, year by year.

Two publications' layouts are read, each as DfE publishes it, so a newer download drops in
as it is: "Children looked after: a focus on placement location" (one row per year and
category, `child_count` and `percent_count`) and "Children looked after in England
including adoptions" (`cla_group`, `characteristic`, `number`, `percentage`; its 2022 and
2024 releases). Where two give a year, the later release (with DfE's revisions) wins: the
placement-location release over both CLA releases, the 2024 CLA release over the 2022 one.
Only what the files hold is used: a year or a figure they lack is "not available", never
filled in, and no percentage is worked out from counts (DfE's own rounded percentage or
none). DfE rounds national counts to the nearest 10 and percentages to whole numbers, and
marks figures it withholds with symbols (c, k, x, z, u): those read as missing.
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
PLACEMENT_LOCALITY_SOURCE = (
    "DfE, Children looked after: a focus on placement location, reporting year 2024, "
    "data set 'Placement locality for CLA'",
    "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/74bb0c4a-6a88-4694-a10f-476404ec31b6",
)
# A year's figures from the placement-location release name the release: its over-20-miles
# figure is from the distance data set, its outside-the-boundary one from the locality data set.
PLACEMENT_LOCATION_RELEASE = "DfE, Children looked after: a focus on placement location, reporting year 2024"
CLA_SOURCE = (
    "DfE, Children looked after in England including adoptions, reporting year 2022, "
    "file national_cla_on_31_march_by_placement_distance_and_locality_of_placement.csv",
    "https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions/2022",
)
CLA_2024_SOURCE = (
    "DfE, Children looked after in England including adoptions, reporting year 2024, "
    "file national_cla_on_31_march_by_placement_distance_and_placement_locality.csv",
    "https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions/2024",
)
_OVER_20 = "over 20 miles"
_NOT_KNOWN = "not known or not recorded"
_TOTAL = "total"
_OUTSIDE = "outside the la boundary"


@dataclass(frozen=True)
class EnglandYear:
    """England at 31 March of one year, as published (None where the files do not say)."""

    year: int
    children: int | None  # children looked after at 31 March, short breaks excluded
    over_20_miles: int | None
    over_20_miles_percent: int | None  # DfE's own rounded percentage
    outside: int | None  # placed outside the responsible authority's boundary
    outside_percent: int | None  # DfE's own rounded percentage, never worked out from counts
    source: str  # the DfE release (and file) the year's figures come from

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


def _rows(text: str) -> csv.DictReader[str]:
    """A DfE CSV's rows. DfE's downloads start with a byte-order mark, which would otherwise
    stick to the first column's name (and so hide every row's year)."""
    return csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))


def _column(row: dict[str, str], name: str) -> str:
    """A column by name whatever its case: DfE names the locality filter `Location`."""
    for key, value in row.items():
        if (key or "").strip().lower() == name:
            return value or ""
    return ""


def _national_rows(text: str, category: str) -> dict[int, dict[str, tuple[float | None, float | None]]]:
    """Year -> category (lower case) -> (count, percent), England's national rows only."""
    out: dict[int, dict[str, tuple[float | None, float | None]]] = {}
    for row in _rows(text):
        if (row.get("geographic_level") or "").strip().lower() != "national":
            continue
        year = _number(row.get("time_period"))
        name = _column(row, category).strip().lower()
        if year is None or not name:
            continue
        out.setdefault(int(year), {})[name] = (_number(row.get("child_count")), _number(row.get("percent_count")))
    return out


# The CLA release's group for every child looked after at 31 March, as DfE labels it: "All new
# placements" in the 2022 release (its totals are the year's headline figures), "All children" in 2024.
_CLA_EVERYONE = ("all new placements", "all children")
_CLA_OVER_20 = "2. over 20 miles"


def _cla_release(text: str, source: str) -> dict[int, EnglandYear]:
    """England by year from a CLA-in-England release's distance and locality file.

    Its locality rows split only the children whose distance is known, so the share
    outside the boundary is not worked out from it (it would leave some out).
    """
    out: dict[int, EnglandYear] = {}
    by_year: dict[int, dict[str, tuple[float | None, float | None]]] = {}
    for row in _rows(text):
        if (row.get("geographic_level") or "").strip().lower() != "national":
            continue
        if (row.get("cla_group") or "").strip().lower() not in _CLA_EVERYONE:
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
            source,
        )
    return out


def england_series(
    distance_csv: str, placement_locality_csv: str = "", cla_csv: str = "", cla_2024_csv: str = ""
) -> dict[int, EnglandYear]:
    """England's figures by year from DfE's files: the placement-location release's distance file
    and (optional) placement-locality file, and (optional) the CLA-in-England releases' distance and
    locality files, 2022's and 2024's.

    England's share outside the boundary is DfE's own percentage from the placement-locality data
    set; it is not summed from the distance-locality data set's parts (DfE's rounded counts).
    """
    # Oldest release first; each later one replaces the years it gives a figure for.
    releases = (
        _cla_release(cla_csv, CLA_SOURCE[0]) if cla_csv else {},
        _cla_release(cla_2024_csv, CLA_2024_SOURCE[0]) if cla_2024_csv else {},
        _placement_location_release(distance_csv, placement_locality_csv),
    )
    series: dict[int, EnglandYear] = {}
    for release in releases:
        for year, found in release.items():
            if found.has_any or year not in series:
                series[year] = found
    return dict(sorted(series.items()))


def _placement_location_release(distance_csv: str, placement_locality_csv: str) -> dict[int, EnglandYear]:
    distance = _national_rows(distance_csv, "distance")
    locality = _national_rows(placement_locality_csv, "location") if placement_locality_csv else {}
    series: dict[int, EnglandYear] = {}
    for year in sorted(set(distance) | set(locality)):
        rows = distance.get(year, {})
        total = rows.get(_TOTAL, locality.get(year, {}).get(_TOTAL, (None, None)))[0]
        over, over_percent = rows.get(_OVER_20, (None, None))
        outside, outside_percent = locality.get(year, {}).get(_OUTSIDE, (None, None))
        series[year] = EnglandYear(
            year,
            None if total is None else int(total),
            None if over is None else int(over),
            None if over_percent is None else round(over_percent),
            None if outside is None else int(outside),
            None if outside_percent is None else round(outside_percent),
            PLACEMENT_LOCATION_RELEASE,
        )
    return series


def latest(series: dict[int, EnglandYear], figure: str) -> EnglandYear | None:
    """The latest year with `figure` ("over_20_miles_percent" or "outside_percent") published."""
    found = [y for y in series.values() if getattr(y, figure) is not None]
    return max(found, key=lambda y: y.year) if found else None


__all__ = [
    "CLA_2024_SOURCE",
    "CLA_SOURCE",
    "DISTANCE_SOURCE",
    "PLACEMENT_LOCALITY_SOURCE",
    "PLACEMENT_LOCATION_RELEASE",
    "EnglandYear",
    "england_series",
    "latest",
]
