"""Working days for statutory deadlines (Care Planning Regulations 2010 regs 9 and 13(4)).

A working day is a weekday that is not a bank holiday in England and Wales.
The bank holidays come from the `holidays` library (England and Wales subdivisions of GB),
which computes any year (Easter, substitute days when Christmas falls at a weekend) and
lists the one-off holidays announced so far (for example the 2023 Coronation). A hand-kept
list ran out at the end of 2027, so deadlines after it silently counted weekdays only.
Callers and tests may still pass their own set of holidays.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_library

# Bank holidays are the same in England and in Wales; both are asked for so that a
# day the library ever lists for only one of them still counts as a holiday here.
_SUBDIVISIONS = ("ENG", "WLS")


@lru_cache(maxsize=256)
def bank_holidays_in(year: int) -> frozenset[date]:
    """England and Wales bank holidays in `year`, substitute days included."""
    days: set[date] = set()
    for subdivision in _SUBDIVISIONS:
        days.update(holidays_library.country_holidays("GB", subdiv=subdivision, years=year).keys())
    return frozenset(days)


def bank_holiday_names(year: int) -> dict[date, str]:
    """Each England and Wales bank holiday in `year` with the library's name for it."""
    table = holidays_library.country_holidays("GB", subdiv="ENG", years=year)
    return {day: str(name) for day, name in sorted(table.items())}


class _EnglandAndWales(Container[date]):
    """Every England and Wales bank holiday, for any year, looked up a year at a time."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in bank_holidays_in(day.year)


ENGLAND_AND_WALES: Container[date] = _EnglandAndWales()


def is_working_day(day: date, holidays: Container[date] | None = None) -> bool:
    off = ENGLAND_AND_WALES if holidays is None else holidays
    return day.weekday() < 5 and day not in off


def add_working_days(start: date, days: int, holidays: Container[date] | None = None) -> date:
    """The date `days` working days after `start` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    off = ENGLAND_AND_WALES if holidays is None else holidays
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in off:
            counted += 1
    return day
