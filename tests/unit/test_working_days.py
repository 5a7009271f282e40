"""Working-day deadlines: weekends and bank holidays do not count."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from planner.working_days import add_working_days, bank_holidays, is_working_day


def test_five_working_days_from_a_monday_is_the_next_monday() -> None:
    assert add_working_days(date(2026, 11, 23), 5) == date(2026, 11, 30)


def test_five_working_days_from_a_friday_skips_the_weekend() -> None:
    assert add_working_days(date(2026, 11, 27), 5) == date(2026, 12, 4)


def test_christmas_and_boxing_day_substitute_are_skipped() -> None:
    # 24 Dec 2026 is a Thursday; 25 Dec (Fri) and 28 Dec (Mon, substitute) are bank holidays.
    assert add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)  # 29, 30, 31 Dec, 4, 5 Jan (1 Jan off)


def test_easter_2027_is_skipped() -> None:
    assert not is_working_day(date(2027, 3, 26))
    assert not is_working_day(date(2027, 3, 29))
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_the_holiday_list_is_loaded() -> None:
    assert date(2026, 12, 25) in bank_holidays()
    assert len(bank_holidays()) == 24


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 1)), st.integers(min_value=1, max_value=20))
def test_the_deadline_is_a_working_day_with_exactly_n_working_days_counted(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert is_working_day(end)
    counted = sum(
        1 for k in range(1, (end - start).days + 1) if is_working_day(date.fromordinal(start.toordinal() + k))
    )
    assert counted == n
