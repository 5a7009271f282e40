"""Reading numbers and dates typed by people or written in files: ASCII digits only.

Python's `int()` and `float()` also read Arabic-Indic and other Unicode digits
(`int("١٢")` is 12), underscores (`int("1_000")` is 1000) and surrounding spaces, and
`date()` given a 31-digit day raises OverflowError rather than ValueError. A form or a
file that says `1_000` is more likely a mistake than a thousand, so every reader of a
number or date from outside uses these, which raise ValueError for anything else.
"""

from __future__ import annotations

import math
import re
from datetime import date

# Beyond 18 digits a whole number no longer fits the database's 64-bit columns.
MAX_INTEGER_DIGITS = 18
_INTEGER = re.compile(rf"[+-]?[0-9]{{1,{MAX_INTEGER_DIGITS}}}")
# A plain decimal (no exponent, no underscores): what a person or a spreadsheet writes.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})")
_DATE_PART = re.compile(r"[0-9]{1,4}")


def read_int(text: str) -> int:
    """A whole number of ASCII digits, optionally signed; ValueError otherwise."""
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"not a whole number: {text[:20]!r}")
    return int(text)


def read_float(text: str) -> float:
    """A decimal number of ASCII digits (like 12, -0.5, 3.25), optionally signed; ValueError otherwise."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a number: {text[:20]!r}")
    value = float(text)
    if not math.isfinite(value):  # cannot happen with 30 digits, but a NaN must never pass
        raise ValueError(f"not a number: {text[:20]!r}")
    return value


def read_date(year: str, month: str, day: str) -> date:
    """The date of three parts of at most 4 ASCII digits each; ValueError when they are not a real date."""
    if not all(_DATE_PART.fullmatch(part) for part in (year, month, day)):
        raise ValueError("not a date")
    return date(int(year), int(month), int(day))
