"""Reading a GOV.UK date input (three boxes: day, month, year) from a submitted form.

One reader for every page that asks for a date, so each says the same thing
about the same mistake. Problems are keyed by the id of the box to fix
(`<prefix>-day`, `-month` or `-year`), which is what the error summary links to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

PARTS = ("day", "month", "year")
# ASCII digits only: int() would also take "1_0" or Arabic-Indic digits, and a
# 31-digit year would overflow date() rather than raise ValueError.
_DAY_OR_MONTH = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")


# A label that is already a phrase ("Who they are", "Their reference") takes no "the".
_NO_ARTICLE = ("who ", "where ", "when ", "what ", "how ", "why ", "their ", "your ")


def enter(label: str) -> str:
    """The message for a blank required field: "Enter the review date", "Enter who they are"."""
    phrase = label.lower()
    return f"Enter {phrase}" if phrase.startswith(_NO_ARTICLE) else f"Enter the {phrase}"


@dataclass(frozen=True)
class DateReading:
    """What a date input held: the date, or the box to fix and what to say."""

    value: date | None
    field: str | None = None
    message: str | None = None

    @property
    def blank(self) -> bool:
        return self.value is None and self.field is None


def _part(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def read_date(data: Mapping[str, Any], prefix: str, label: str, required: bool = True) -> DateReading:
    """The date in boxes `<prefix>-day`, `-month`, `-year` of `data`.

    Blank boxes give DateReading(None) unless `required`. `label` names the field
    in messages ("Date of birth must be a real date").
    """
    parts = {p: _part(data, f"{prefix}-{p}") for p in PARTS}
    first = f"{prefix}-day"
    if not any(parts.values()):
        if required:
            return DateReading(None, first, enter(label))
        return DateReading(None)
    missing = [p for p, v in parts.items() if not v]
    if missing:
        return DateReading(None, f"{prefix}-{missing[0]}", f"{label} must include a {' and '.join(missing)}")
    if not _YEAR.fullmatch(parts["year"]):
        return DateReading(None, f"{prefix}-year", f"The year of {label[0].lower() + label[1:]} must include 4 numbers")
    if not _DAY_OR_MONTH.fullmatch(parts["day"]) or not _DAY_OR_MONTH.fullmatch(parts["month"]):
        return DateReading(None, first, f"{label} must be a real date")
    try:
        return DateReading(date(int(parts["year"]), int(parts["month"]), int(parts["day"])))
    except ValueError:
        return DateReading(None, first, f"{label} must be a real date")


def date_values(prefix: str, value: date | None) -> dict[str, str]:
    """The three boxes' values for a stored date, to fill a form with."""
    if value is None:
        return {}
    return {f"{prefix}-day": str(value.day), f"{prefix}-month": str(value.month), f"{prefix}-year": str(value.year)}
