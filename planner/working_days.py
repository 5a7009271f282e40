"""Working days for statutory deadlines (Care Planning Regulations 2010 regs 9 and 13(4)).

A working day is a weekday that is not a bank holiday in England and Wales.
The holidays are passed in, so the engine stays pure and tests can use any set.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

_HOLIDAYS_CSV = Path(__file__).resolve().parent.parent / "data" / "reference" / "bank-holidays-england-and-wales.csv"


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    """England and Wales bank holidays from data/reference (2025 to 2027)."""
    with open(_HOLIDAYS_CSV, newline="", encoding="utf-8") as handle:
        return frozenset(date.fromisoformat(row["date"]) for row in csv.DictReader(handle))


def last_listed_year(holidays: Iterable[date] | None = None) -> int:
    return max(d.year for d in (bank_holidays() if holidays is None else holidays))


def is_working_day(day: date, holidays: Iterable[date] | None = None) -> bool:
    off = bank_holidays() if holidays is None else holidays
    return day.weekday() < 5 and day not in off


def add_working_days(start: date, days: int, holidays: Iterable[date] | None = None) -> date:
    """The date `days` working days after `start` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    off = frozenset(bank_holidays() if holidays is None else holidays)
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in off:
            counted += 1
    return day
