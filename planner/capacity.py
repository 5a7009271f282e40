"""Groupings the commissioners' capacity review counts by: age bands, ethnicity groups, sex, months.

Pure: the web service hands in plain values and gets plain values back.
Decision 0050 says why the age bands are 10-13, 14-15 and 16-17 (with under 10).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date

# (key, words, youngest, eldest). Cut at the ages the law and guidance turn on:
# 14-15 is Key Stage 4 (reg 10 approval for a move that disrupts it); from 16,
# supported accommodation is lawful.
AGE_BANDS: tuple[tuple[str, str, int, int], ...] = (
    ("under_10", "Under 10", 0, 9),
    ("10_13", "10 to 13", 10, 13),
    ("14_15", "14 to 15", 14, 15),
    ("16_17", "16 to 17", 16, 17),
)
AGE_BAND_WORDS = {key: words for key, words, _, _ in AGE_BANDS}

# SSDA903 ETHNIC codes grouped as DfE's children-looked-after tables group them.
ETHNICITY_GROUPS = ("White", "Mixed", "Asian", "Black", "Other", "Not recorded")
_ETHNICITY_PREFIX = {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black"}
_OTHER_ETHNICITIES = {"CHNE", "OOTH"}

SEX_GROUPS = ("Male", "Female", "Not recorded")
_SEX_WORDS = {"1": "Male", "2": "Female"}


def age_band(age: int) -> str:
    """The key of the band `age` falls in (ages over 17 join the eldest band)."""
    for key, _, youngest, eldest in AGE_BANDS:
        if youngest <= age <= eldest:
            return key
    return AGE_BANDS[-1][0] if age > AGE_BANDS[-1][3] else AGE_BANDS[0][0]


def band_overlaps(band: str, age_min: int, age_max: int) -> bool:
    """True if a placement taking ages `age_min`..`age_max` takes some age in `band`."""
    for key, _, youngest, eldest in AGE_BANDS:
        if key == band:
            return age_min <= eldest and youngest <= age_max
    raise ValueError(f"unknown age band {band!r}")


def ethnicity_group(code: str | None) -> str:
    """'White', 'Mixed', 'Asian', 'Black', 'Other' or 'Not recorded' for an SSDA903 ETHNIC code."""
    code = (code or "").strip().upper()
    if code in _OTHER_ETHNICITIES:
        return "Other"
    if code in ("REFU", "NOBT") or len(code) != 4:
        return "Not recorded"
    return _ETHNICITY_PREFIX.get(code[0], "Not recorded")


def sex_group(code: str | None) -> str:
    return _SEX_WORDS.get((code or "").strip(), "Not recorded")


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(lower quartile, median, upper quartile), by the inclusive method; needs one value or more."""
    if not values:
        raise ValueError("quartiles of nothing")
    if len(values) == 1:
        return (float(values[0]),) * 3
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return float(q1), float(q2), float(q3)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_back(last: date, n: int) -> list[str]:
    """The `n` months ending with `last`'s month, oldest first, as YYYY-MM."""
    year, month = last.year, last.month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


def month_words(key: str) -> str:
    """'2026-11' as 'Nov 2026'."""
    year, month = key.split("-")
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{names[int(month) - 1]} {year}"
