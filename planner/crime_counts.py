"""Counting police.uk street-level crime by LSOA, to suggest areas for a person to review.

The input is a police.uk street-level CSV (the official 12-column file: Crime ID, Month,
Reported by, Falls within, Longitude, Latitude, Location, LSOA code, LSOA name, Crime
type, Last outcome category, Context). Four offence families count: drugs, possession of
weapons, violence and sexual offences, and robbery. Each LSOA with at least
`min_offences` of them becomes a candidate; the `top_n` with the most are suggested,
in order of their counts and then LSOA code so the same file always gives the same
list. LSOAs with as many offences as the last one suggested are suggested too: a cut-off
that split a tie would choose between equal areas by their codes.

A force's file covers several authorities (Essex Police's covers Essex, Southend-on-Sea
and Thurrock). Given `lsoa_authorities` (LSOA code -> upper-tier authority) and the
importing `authority`, only that authority's LSOAs are counted towards suggestions; the
offences in other authorities' LSOAs are counted by authority, not suggested. An LSOA the
table does not know (a code newer than it) stays with the importing authority.

A suggestion is never an area: police.uk counts say where offences were recorded, not
where a group operates, and a person decides what (if anything) an LSOA's count means.

Rows without an LSOA or without coordinates cannot be placed; they are counted as
skipped, as police.uk itself publishes some that way. Every row is counted once: without
coordinates, else without an LSOA, else of another crime type, else in another
authority's LSOA, else an offence counted here. A missing required column, a Month
that is not YYYY-MM, a coordinate that is not a number in range or an LSOA code that is
not a GSS code is a problem with the row named (spreadsheet numbering: the header is
row 1), and a file with any problem gives no suggestions.

Text columns are read as categories, so each check and lookup runs once per distinct
value, and every count and mean is a whole-array operation: no Python loop over rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

# Family code -> police.uk "Crime type", in the order pages show them.
FAMILIES: dict[str, str] = {
    "drugs": "Drugs",
    "weapons": "Possession of weapons",
    "violence": "Violence and sexual offences",
    "robbery": "Robbery",
}
FAMILY_WORDS: dict[str, str] = {
    "drugs": "Drugs",
    "weapons": "Weapons",
    "violence": "Violence and sexual offences",
    "robbery": "Robbery",
}

# The columns the counting reads, by their official police.uk names.
MONTH, LONGITUDE, LATITUDE, LSOA_CODE, LSOA_NAME, CRIME_TYPE = (
    "Month",
    "Longitude",
    "Latitude",
    "LSOA code",
    "LSOA name",
    "Crime type",
)
REQUIRED_COLUMNS: tuple[str, ...] = (MONTH, LONGITUDE, LATITUDE, LSOA_CODE, LSOA_NAME, CRIME_TYPE)

DEFAULT_TOP_N = 25
DEFAULT_MIN_OFFENCES = 10
# Beyond this many, problems are only counted: a wrong file would otherwise produce a
# report as long as the file.
MAX_PROBLEMS = 1000

_MONTH = r"\d{4}-(0[1-9]|1[0-2])"
_GSS_CODE = r"[A-Z]\d{8}"
_FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1


def _column_key(name: str) -> str:
    """'LSOA code', 'lsoa_code' and ' Lsoa Code ' all read as the same column."""
    return re.sub(r"[\s_]+", "_", name.strip().lstrip("\ufeff").lower())


_WANTED = {_column_key(c): c for c in REQUIRED_COLUMNS}


@dataclass(frozen=True)
class CountProblem:
    """Why a file cannot be counted: a row (spreadsheet numbering) and a field, or the whole file."""

    row: int | None
    field: str | None
    message: str


@dataclass(frozen=True)
class LsoaCount:
    """One suggested LSOA: its offences by family, where they were, and over which months."""

    rank: int
    lsoa_code: str
    lsoa_name: str
    lat: float
    lon: float
    counts: dict[str, int]
    total: int
    first_month: str
    last_month: str


@dataclass(frozen=True)
class CrimeCounts:
    """The counting's result: the suggestions, the file's figures, and any problems.

    `rows` are the data rows read, each counted in exactly one of: `skipped_no_coordinates`
    (any crime type), `skipped_no_lsoa` (placed on the map, no LSOA), `other_crime_types`
    (placed, not in the four families), `other_authorities` (offences in another
    authority's LSOAs, by authority code) and `offences` (the four families, by family).
    `lsoas` is how many of the authority's LSOAs had any offence in the families and
    `lsoas_at_threshold` how many had at least the minimum.
    """

    rows: int = 0
    offences: dict[str, int] = field(default_factory=dict)
    skipped_no_coordinates: int = 0
    skipped_no_lsoa: int = 0
    other_crime_types: int = 0
    other_authorities: dict[str, int] = field(default_factory=dict)
    lsoas: int = 0
    lsoas_at_threshold: int = 0
    first_month: str | None = None
    last_month: str | None = None
    suggestions: tuple[LsoaCount, ...] = ()
    problems: tuple[CountProblem, ...] = ()
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more_problems

    def summary(self) -> dict[str, int | str | None]:
        """Counts only, for an import's record: never a row's content."""
        return {
            "rows": self.rows,
            **{f"offences_{family}": self.offences.get(family, 0) for family in FAMILIES},
            "skipped_no_coordinates": self.skipped_no_coordinates,
            "skipped_no_lsoa": self.skipped_no_lsoa,
            "other_crime_types": self.other_crime_types,
            "offences_other_authorities": sum(self.other_authorities.values()),
            "lsoas": self.lsoas,
            "lsoas_at_threshold": self.lsoas_at_threshold,
            "suggestions": len(self.suggestions),
            "first_month": self.first_month,
            "last_month": self.last_month,
        }


@dataclass(frozen=True)
class _Coded:
    """A text column as categories: each row's code (-1 for blank) and the distinct values."""

    codes: np.ndarray
    values: list[str]

    def lookup(self, table: list[Any], blank: Any) -> np.ndarray:
        """Each row's entry of `table` (one per distinct value), `blank` for a blank cell."""
        return np.asarray([*table, blank])[self.codes]


def _coded(column: pd.Series) -> _Coded:
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("category")
    values = [str(v).strip() for v in column.cat.categories.tolist()]
    codes = column.cat.codes.to_numpy(dtype=np.int64)
    if len(set(values)) != len(values) or "" in values:
        # Values differing only in surrounding spaces: merge them (rare, so done simply).
        merged = sorted({v for v in values if v})
        index = {v: i for i, v in enumerate(merged)}
        remap = np.asarray([index.get(v, -1) for v in values] + [-1], dtype=np.int64)
        return _Coded(remap[codes], merged)
    return _Coded(codes, values)


def _number(column: pd.Series, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """(values with NaN for blank or bad, rows whose cell is not blank but bad)."""
    if column.dtype.kind == "f":
        value = column.to_numpy(dtype=np.float64)
        given = ~np.isnan(value)
    else:  # text somewhere in the column: read each cell as a number where it is one
        text = column.astype(object).where(column.notna(), "").astype(str).str.strip()
        value = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        given = (text != "").to_numpy()
    with np.errstate(invalid="ignore"):
        bad = given & ~(np.abs(value) <= degrees)  # NaN from text fails the comparison too
    return np.where(bad, np.nan, value), bad


def _read(data: bytes) -> pd.DataFrame | CountProblem:
    """The required columns (text ones as categories), or the reason the file cannot be read."""
    if not data or data.isspace():  # isspace, unlike strip, copies nothing
        return CountProblem(None, None, "The file is empty")
    try:
        end = data.find(b"\n")
        # Slicing copies the header only; split would copy the rest of the file too.
        first_line = data[: end if end >= 0 else len(data)].decode("utf-8-sig")
    except UnicodeDecodeError:
        return CountProblem(None, None, "The file is not UTF-8 text")
    header = next(csv.reader([first_line]), [])
    keys = [_column_key(name) for name in header]
    missing = [name for key, name in _WANTED.items() if key not in keys]
    if missing:
        return CountProblem(1, None, f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    duplicated = sorted({_WANTED[k] for k in keys if k in _WANTED and keys.count(k) > 1})
    if duplicated:
        return CountProblem(1, None, f"Column given more than once: {', '.join(duplicated)}")
    # As pandas names them (skipinitialspace drops leading spaces); a column it names
    # otherwise is read as text and made categories afterwards.
    given = {name.lstrip(): _WANTED[_column_key(name)] for name in header if _column_key(name) in _WANTED}
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8-sig",
            usecols=lambda name: _column_key(name) in _WANTED,
            # Text as categories: checks and lookups then run once per distinct value.
            dtype={name: "category" for name, canonical in given.items() if canonical not in (LONGITUDE, LATITUDE)},
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except UnicodeDecodeError:
        return CountProblem(None, None, "The file is not UTF-8 text")
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+)", str(error))
        row = int(found.group(1)) if found else None
        return CountProblem(row, None, "The row does not have the same columns as the header (check its quotes)")
    frame.columns = [_WANTED[_column_key(name)] for name in frame.columns]
    return frame


def _problems(
    rows: np.ndarray, checks: list[tuple[str, np.ndarray, str]], limit: int
) -> tuple[list[CountProblem], int]:
    """The first `limit` problems in row order (then column order), and how many more there are."""
    found: list[tuple[int, int, CountProblem]] = []
    total = 0
    for order, (name, bad, message) in enumerate(checks):
        total += int(bad.sum())
        found.extend((int(row), order, CountProblem(int(row), name, message)) for row in rows[bad][:limit])
    # Each check kept its first `limit`, so the first `limit` of all are among them.
    found.sort(key=lambda item: (item[0], item[1]))
    kept = [problem for _row, _order, problem in found[:limit]]
    return kept, total - len(kept)


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def _owner(lsoa_code: str, lsoa_authorities: Mapping[str, str] | None, authority: str | None) -> str:
    """The LSOA's authority when it is another than `authority`, else "" (counted here)."""
    if lsoa_authorities is None or authority is None:
        return ""
    found = lsoa_authorities.get(lsoa_code)
    return found if found is not None and found != authority else ""


def count_offences(
    data: bytes,
    top_n: int = DEFAULT_TOP_N,
    min_offences: int = DEFAULT_MIN_OFFENCES,
    max_problems: int = MAX_PROBLEMS,
    lsoa_authorities: Mapping[str, str] | None = None,
    authority: str | None = None,
) -> CrimeCounts:
    """Count a police.uk street-level CSV's offences by LSOA and pick the LSOAs to suggest.

    Parameters
    ----------
    data:
        The file's bytes (UTF-8, with or without a byte-order mark).
    top_n:
        Suggest at most this many LSOAs, the most offences first.
    min_offences:
        Suggest only LSOAs with at least this many offences in the four families.
    max_problems:
        Keep at most this many problems in full (in row order); count the rest.
    lsoa_authorities, authority:
        LSOA code -> upper-tier authority code, and the authority the suggestions are
        for: offences in LSOAs of other authorities are counted in `other_authorities`
        instead. Without both, every LSOA counts.

    Returns
    -------
    CrimeCounts
        With `problems` (and no suggestions) when the file has a missing column or a
        malformed Month, coordinate or LSOA code; `more_problems` counts those beyond
        `max_problems`.
    """
    if top_n < 1 or min_offences < 1 or max_problems < 1:
        raise ValueError("top_n, min_offences and max_problems must be at least 1")
    read = _read(data)
    if isinstance(read, CountProblem):
        return CrimeCounts(problems=(read,))
    frame = read
    rows = len(frame)

    month, lsoa, name, crime = (_coded(frame[c]) for c in (MONTH, LSOA_CODE, LSOA_NAME, CRIME_TYPE))
    lon, bad_lon = _number(frame[LONGITUDE], 180.0)
    lat, bad_lat = _number(frame[LATITUDE], 90.0)
    month_ok = [re.fullmatch(_MONTH, v) is not None for v in month.values]
    lsoa_ok = [re.fullmatch(_GSS_CODE, v) is not None for v in lsoa.values]
    problems, more_problems = _problems(
        np.arange(rows) + _FIRST_DATA_ROW,
        [
            (MONTH, ~month.lookup(month_ok, False).astype(bool), "Month must be a year and month, as YYYY-MM"),
            (LONGITUDE, bad_lon, "Longitude must be a number between -180 and 180"),
            (LATITUDE, bad_lat, "Latitude must be a number between -90 and 90"),
            (
                LSOA_CODE,
                ~lsoa.lookup(lsoa_ok, True).astype(bool),
                "LSOA code must be a GSS code, a letter and eight digits like E01000001",
            ),
        ],
        max_problems,
    )
    if problems:
        return CrimeCounts(rows=rows, problems=tuple(problems), more_problems=more_problems)

    family_index = {crime_type: i for i, crime_type in enumerate(FAMILIES.values())}
    family = crime.lookup([family_index.get(v, -1) for v in crime.values], -1).astype(np.int64)
    month_number = month.lookup([_month_number(v) for v in month.values], 0).astype(np.int64)
    no_coordinates = np.isnan(lon) | np.isnan(lat)
    no_lsoa = ~no_coordinates & (lsoa.codes < 0)
    other_type = ~no_coordinates & ~no_lsoa & (family < 0)
    in_family = ~no_coordinates & ~no_lsoa & (family >= 0)
    # Each distinct LSOA's other authority (an index into `others`, -1 for the importing
    # one), spread to rows by code, so the rows are never compared as text.
    owners = [_owner(code, lsoa_authorities, authority) for code in lsoa.values]
    others = sorted({code for code in owners if code})
    index = {code: i for i, code in enumerate(others)}
    owner = lsoa.lookup([index.get(code, -1) for code in owners], -1).astype(np.int64)
    elsewhere = in_family & (owner >= 0)
    offence = in_family & ~elsewhere
    per_other = np.bincount(owner[elsewhere], minlength=len(others))
    other_authorities = {code: int(n) for code, n in zip(others, per_other, strict=True) if n}

    per_family = np.bincount(family[offence], minlength=len(FAMILIES))
    base = CrimeCounts(
        rows=rows,
        offences={code: int(n) for code, n in zip(FAMILIES, per_family, strict=True)},
        skipped_no_coordinates=int(no_coordinates.sum()),
        skipped_no_lsoa=int(no_lsoa.sum()),
        other_crime_types=int(other_type.sum()),
        other_authorities=other_authorities,
        first_month=_month_text(int(month_number.min())) if rows else None,
        last_month=_month_text(int(month_number.max())) if rows else None,
    )
    if not offence.any():
        return base

    # One slot per distinct LSOA code; every sum below is a whole-array numpy operation.
    where, kind = lsoa.codes[offence], family[offence]
    slots = len(lsoa.values)
    counts = np.bincount(where * len(FAMILIES) + kind, minlength=slots * len(FAMILIES)).reshape(slots, len(FAMILIES))
    total = counts.sum(axis=1)
    mean_lat = np.bincount(where, weights=lat[offence], minlength=slots) / np.maximum(total, 1)
    mean_lon = np.bincount(where, weights=lon[offence], minlength=slots) / np.maximum(total, 1)
    first = np.full(slots, np.iinfo(np.int64).max)
    last = np.full(slots, np.iinfo(np.int64).min)
    np.minimum.at(first, where, month_number[offence])
    np.maximum.at(last, where, month_number[offence])
    # The LSOA's name as its first offence with a name gives it.
    named = offence & (name.codes >= 0)
    seen, first_row = np.unique(lsoa.codes[named], return_index=True)
    names = dict(zip(seen.tolist(), name.codes[named][first_row].tolist(), strict=True))

    candidates = np.flatnonzero(total >= min_offences)
    ordered = sorted(candidates.tolist(), key=lambda slot: (-int(total[slot]), lsoa.values[slot]))
    # Keep every LSOA tied with the last one that fits: the cut-off never splits a tie.
    cut_off = int(total[ordered[top_n - 1]]) if len(ordered) > top_n else 0
    chosen = [slot for index, slot in enumerate(ordered) if index < top_n or int(total[slot]) == cut_off]
    suggestions = tuple(
        LsoaCount(
            rank=rank,
            lsoa_code=lsoa.values[slot],
            lsoa_name=name.values[names[slot]] if slot in names else "",
            lat=round(float(mean_lat[slot]), 6),
            lon=round(float(mean_lon[slot]), 6),
            counts={code: int(n) for code, n in zip(FAMILIES, counts[slot], strict=True)},
            total=int(total[slot]),
            first_month=_month_text(int(first[slot])),
            last_month=_month_text(int(last[slot])),
        )
        for rank, slot in enumerate(chosen, start=1)
    )
    return replace(base, lsoas=int((total > 0).sum()), lsoas_at_threshold=len(candidates), suggestions=suggestions)
