"""Working-day deadlines: weekends and England and Wales bank holidays do not count, in any year."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.working_days import add_working_days, bank_holiday_names, bank_holidays_in, is_working_day


def test_five_working_days_from_a_monday_is_the_next_monday() -> None:
    """A plain week: Monday plus five working days is the next Monday."""
    assert add_working_days(date(2026, 11, 23), 5) == date(2026, 11, 30)


def test_five_working_days_from_a_friday_skips_the_weekend() -> None:
    """A weekend does not count."""
    assert add_working_days(date(2026, 11, 27), 5) == date(2026, 12, 4)


def test_christmas_and_boxing_day_substitute_are_skipped() -> None:
    """24 Dec 2026 is a Thursday; 25 Dec (Fri) and 28 Dec (Mon, substitute for Boxing Day) are off."""
    assert add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)  # 29, 30, 31 Dec, 4, 5 Jan (1 Jan off)


def test_easter_2027_is_skipped() -> None:
    """Good Friday and Easter Monday 2027."""
    assert not is_working_day(date(2027, 3, 26))
    assert not is_working_day(date(2027, 3, 29))
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


# Easter Sunday for each year, from the Church of England tables; Good Friday is two days
# before and Easter Monday the day after.
EASTER_SUNDAYS = {
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
    2030: date(2030, 4, 21),
    2031: date(2031, 4, 13),
    2032: date(2032, 3, 28),
    2033: date(2033, 4, 17),
    2034: date(2034, 4, 9),
    2035: date(2035, 3, 25),
}


@pytest.mark.parametrize("year", range(2026, 2036))
def test_every_year_to_2035_has_the_eight_regular_bank_holidays_and_easter(year: int) -> None:
    """Years after the old hand-kept list (which ended in 2027) are known too."""
    off = bank_holidays_in(year)
    easter = EASTER_SUNDAYS[year]
    assert date.fromordinal(easter.toordinal() - 2) in off  # Good Friday
    assert date.fromordinal(easter.toordinal() + 1) in off  # Easter Monday
    assert not is_working_day(date.fromordinal(easter.toordinal() - 2))
    # New Year, Good Friday, Easter Monday, early May, spring, summer, Christmas, Boxing Day;
    # substitutes can add days (weekend Christmas) but never remove one.
    weekday_holidays = [d for d in off if d.weekday() < 5]
    assert len(weekday_holidays) == 8
    assert all(d.year == year for d in off)


def test_christmas_on_a_weekend_moves_to_the_next_monday_and_tuesday() -> None:
    """Christmas 2027 is a Saturday: 27 and 28 December are the substitute days."""
    assert date(2027, 12, 27) in bank_holidays_in(2027)
    assert date(2027, 12, 28) in bank_holidays_in(2027)
    assert add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)


def test_christmas_on_a_sunday_gives_a_tuesday_substitute() -> None:
    """Christmas 2033 is a Sunday: Boxing Day is Monday 26th and Christmas's substitute Tuesday 27th."""
    assert date(2033, 12, 26) in bank_holidays_in(2033)
    assert date(2033, 12, 27) in bank_holidays_in(2033)
    assert add_working_days(date(2033, 12, 23), 1) == date(2033, 12, 28)


def test_new_year_on_a_saturday_moves_to_monday() -> None:
    """1 January 2033 is a Saturday; Monday 3 January is the bank holiday."""
    assert not is_working_day(date(2033, 1, 3))
    assert add_working_days(date(2032, 12, 31), 1) == date(2033, 1, 4)


def test_a_one_off_bank_holiday_the_library_knows_is_skipped() -> None:
    """The Coronation of King Charles III, Monday 8 May 2023, was a one-off bank holiday."""
    assert "Coronation" in bank_holiday_names(2023)[date(2023, 5, 8)]
    assert not is_working_day(date(2023, 5, 8))
    assert add_working_days(date(2023, 5, 5), 1) == date(2023, 5, 9)


def test_a_deadline_after_2027_is_right() -> None:
    """Easter 2030: Thursday 18 April plus five working days skips Good Friday and Easter Monday."""
    assert add_working_days(date(2030, 4, 18), 5) == date(2030, 4, 29)


def test_a_caller_may_pass_its_own_holidays() -> None:
    """Tests and callers can use any set of holidays instead of the library's."""
    assert add_working_days(date(2026, 11, 23), 1, holidays={date(2026, 11, 24)}) == date(2026, 11, 25)
    assert add_working_days(date(2026, 12, 24), 1, holidays=set()) == date(2026, 12, 25)


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 1)), st.integers(min_value=1, max_value=20))
def test_the_deadline_is_a_working_day_with_exactly_n_working_days_counted(start: date, n: int) -> None:
    """Property: the deadline is a working day and exactly n working days lie after the start."""
    end = add_working_days(start, n)
    assert is_working_day(end)
    counted = sum(
        1 for k in range(1, (end - start).days + 1) if is_working_day(date.fromordinal(start.toordinal() + k))
    )
    assert counted == n
