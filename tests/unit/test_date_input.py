"""The one GOV.UK date input reader: what each mistake says, and which box it points at."""

from __future__ import annotations

from datetime import date

import pytest

from planner.wording import words
from web.shared.services.date_input import date_values, enter, read_date


def _boxes(day: str, month: str, year: str) -> dict[str, str]:
    return {"start-day": day, "start-month": month, "start-year": year}


def test_three_boxes_make_a_date() -> None:
    """Day, month and year, with or without leading zeros, read as the date."""
    assert read_date(_boxes("03", "2", "2027"), "start", "Start date").value == date(2027, 2, 3)
    assert read_date(date_values("start", date(2028, 2, 29)), "start", "Start date").value == date(2028, 2, 29)


def test_blank_is_fine_unless_required() -> None:
    """An optional date left blank is no date and no problem; a required one asks for it."""
    assert read_date({}, "start", "Start date", required=False).blank
    reading = read_date({}, "start", "Start date")
    assert (reading.field, reading.message) == ("start-day", "Enter the start date")


@pytest.mark.parametrize(
    ("boxes", "field", "message"),
    [
        (_boxes("", "2", "2027"), "start-day", "Start date must include a day"),
        (_boxes("3", "", ""), "start-month", "Start date must include a month and year"),
        (_boxes("3", "2", "27"), "start-year", "The year of start date must include 4 numbers"),
        (_boxes("3", "2", "9" * 31), "start-year", "The year of start date must include 4 numbers"),
        (_boxes("30", "2", "2027"), "start-day", "Start date must be a real date"),
        (_boxes("1_0", "2", "2027"), "start-day", "Start date must be a real date"),
        (_boxes("3", "13", "2027"), "start-day", "Start date must be a real date"),
        (_boxes("3", "2", "0000"), "start-day", "Start date must be a real date"),
    ],
)
def test_each_mistake_names_the_field_and_the_box(boxes: dict[str, str], field: str, message: str) -> None:
    """A mistake never raises (not even a 31-digit year): it says what is wrong and where."""
    reading = read_date(boxes, "start", "Start date")
    assert reading.value is None
    assert (reading.field, reading.message) == (field, message)


def test_a_label_that_is_a_phrase_takes_no_article() -> None:
    """'Enter who they are', never 'Enter the who they are'."""
    assert enter("Who they are") == "Enter who they are"
    assert enter("Their reference") == "Enter their reference"
    assert enter("Review date") == "Enter the review date"


def test_codes_read_as_words() -> None:
    """'drugs_alcohol' is 'drugs or alcohol', not 'drugs alcohol'."""
    assert words("drugs_alcohol") == "drugs or alcohol"
    assert words("going_missing") == "going missing"
