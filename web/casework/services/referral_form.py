"""The referral form: what a person typed, checked field by field.

The vocabularies (settings, suitability, urgency, specialisms) are the engine's
(`planner.case`), so a referral saved through this form is one the engine
accepts. Rules that depend on the young people's ages (no supported
accommodation under 16, for instance) stay with the engine, which explains them
as exclusions; the form does not repeat them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from planner import wording
from planner.ascii_numbers import read_float
from planner.case import SECURE_BASES, SETTINGS, SPECIALISMS, SUITABILITY, URGENCY
from planner.geometry import KM_PER_MILE
from web.models import Referral
from web.shared.services.errors import InvalidInput

# The case format takes 1 to 6 young people on one referral.
MAX_YOUNG_PEOPLE = 6
MAX_NOTES = 4000
# Further than this is not a limit anyone means (Land's End to John o' Groats is about 600).
MAX_MILES = 1000

URGENCY_WORDS = {"today": "Today", "within_5_days": "Within 5 days", "later": "Later (more than 5 days)"}
SETTING_WORDS = wording.SETTING_WORDS
SUITABILITY_WORDS = {"preferred": "Preferred", "suitable": "Suitable", "unsuitable": "Unsuitable"}
SPECIALISM_WORDS = {s: wording.words(s).capitalize() for s in SPECIALISMS}
SECURE_BASIS_WORDS = {
    "s25_order": "A secure accommodation order (Children Act 1989 section 25)",
    "authorisation": "An authorisation to place without an order (up to 72 hours)",
}
CLOSE_REASONS = {
    "no_longer_needed": "No longer needed",
    "placed_outside_the_service": "Placed without this service",
    "made_in_error": "Made in error",
    "other": "Another reason",
}

# What the form and the referral page need to show the choices in words.
VOCABULARY = {
    "settings_list": SETTINGS,
    "suitability_list": SUITABILITY,
    "urgency_list": URGENCY,
    "specialisms_list": SPECIALISMS,
    "urgency_words": URGENCY_WORDS,
    "setting_words": SETTING_WORDS,
    "suitability_words": SUITABILITY_WORDS,
    "specialism_words": SPECIALISM_WORDS,
    "secure_basis_words": SECURE_BASIS_WORDS,
}
DATE_PARTS = ("day", "month", "year")


class FormData(Protocol):
    """What a submitted form offers (werkzeug's MultiDict has both)."""

    def get(self, key: str, default: str) -> str: ...

    def getlist(self, key: str) -> list[str]: ...


class FormInvalid(InvalidInput):
    """The form has problems; `errors` maps each field's id to its message, in page order."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(list(errors.values()))
        self.errors = errors


@dataclass
class ReferralForm:
    """The form's fields as text and choices, exactly as typed (so nothing is lost on an error)."""

    young_people: list[str] = field(default_factory=list)
    needed_by: str = ""
    settings: dict[str, str] = field(default_factory=lambda: {s: "suitable" for s in SETTINGS})
    required_specialisms: list[str] = field(default_factory=list)
    preferred_specialisms: list[str] = field(default_factory=list)
    solo: bool = False
    max_miles: str = ""
    notes: str = ""
    secure_basis: str = ""  # "" none recorded | s25_order | authorisation
    secure_start: dict[str, str] = field(default_factory=dict)  # day, month, year as typed
    secure_end: dict[str, str] = field(default_factory=dict)
    fostering_exemption: bool = False

    @classmethod
    def from_submission(cls, data: FormData) -> ReferralForm:
        return cls(
            young_people=_unique(data.getlist("young_people")),
            needed_by=data.get("needed_by", "").strip(),
            settings={s: data.get(f"setting_{s}", "").strip() for s in SETTINGS},
            required_specialisms=_unique(data.getlist("required_specialisms")),
            preferred_specialisms=_unique(data.getlist("preferred_specialisms")),
            solo=data.get("solo", "") == "yes",
            max_miles=data.get("max_miles", "").strip(),
            notes=data.get("notes", "").replace("\r\n", "\n").strip(),
            secure_basis=data.get("secure_basis", "").strip(),
            secure_start={part: data.get(f"secure_start-{part}", "").strip() for part in DATE_PARTS},
            secure_end={part: data.get(f"secure_end-{part}", "").strip() for part in DATE_PARTS},
            fostering_exemption=data.get("fostering_exemption", "") == "yes",
        )

    @classmethod
    def from_referral(cls, referral: Referral) -> ReferralForm:
        return cls(
            young_people=[p.reference for p in referral.young_people],
            needed_by=referral.needed_by,
            settings={s: referral.settings.get(s, "suitable") for s in SETTINGS},
            required_specialisms=list(referral.required_specialisms),
            preferred_specialisms=list(referral.preferred_specialisms),
            solo=referral.solo,
            max_miles=miles_text(referral.max_km_from_home),
            notes=referral.notes or "",
            secure_basis=referral.secure_basis or "",
            secure_start=date_parts(referral.secure_start),
            secure_end=date_parts(referral.secure_end),
            fostering_exemption=bool(referral.fostering_exemption),
        )


@dataclass(frozen=True)
class CleanReferral:
    """A valid form, in the stored referral's terms (young people still by reference)."""

    young_people: tuple[str, ...]
    needed_by: str
    settings: dict[str, str]
    required_specialisms: list[str]
    preferred_specialisms: list[str]
    solo: bool
    max_km_from_home: float | None
    notes: str
    secure_basis: str | None = None
    secure_start: date | None = None
    secure_end: date | None = None
    fostering_exemption: bool = False


def date_parts(day: date | None) -> dict[str, str]:
    """A stored date as the form's day, month and year boxes."""
    if day is None:
        return {}
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def miles_text(km: float | None) -> str:
    """A stored distance as the form shows it: miles, to one decimal place, without a trailing .0."""
    if km is None:
        return ""
    return f"{km / KM_PER_MILE:.1f}".removesuffix(".0")


def clean(
    form: ReferralForm, eligible: Iterable[str], refused: dict[str, str], stored_km: float | None = None
) -> CleanReferral:
    """The form's values ready to store, or `FormInvalid` naming every problem.

    `eligible` are the references the user may choose; `refused` maps a reference to
    why it may not be chosen (already on another open referral). `stored_km` is the
    referral's current maximum distance: an unchanged miles figure keeps it exactly
    rather than rounding it through miles.
    """
    errors: dict[str, str] = {}
    allowed = set(eligible)
    if not form.young_people:
        errors["young_people"] = "Choose the young person or the sibling group this referral is for"
    elif any(ref not in allowed for ref in form.young_people):
        errors["young_people"] = "Choose young people from the list"
    elif len(form.young_people) > MAX_YOUNG_PEOPLE:
        errors["young_people"] = f"Choose no more than {MAX_YOUNG_PEOPLE} young people for one referral"
    else:
        clashes = [refused[ref] for ref in form.young_people if ref in refused]
        if clashes:
            errors["young_people"] = "; ".join(clashes)

    if form.needed_by not in URGENCY:
        errors["needed_by"] = "Select when the placement is needed"

    bad_settings = [s for s in SETTINGS if form.settings.get(s) not in SUITABILITY]
    for setting in bad_settings:
        errors[f"setting_{setting}"] = (
            f"Select whether {SETTING_WORDS[setting].lower()} is preferred, suitable or unsuitable"
        )
    if not bad_settings and all(form.settings[s] == "unsuitable" for s in SETTINGS):
        errors[f"setting_{SETTINGS[0]}"] = "At least one setting must be preferred or suitable"

    if any(s not in SPECIALISMS for s in form.required_specialisms):
        errors["required_specialisms"] = "Choose required specialisms from the list"
    if any(s not in SPECIALISMS for s in form.preferred_specialisms):
        errors["preferred_specialisms"] = "Choose preferred specialisms from the list"
    both = [s for s in form.required_specialisms if s in form.preferred_specialisms]
    if both and "preferred_specialisms" not in errors:
        words = ", ".join(s.replace("_", " ") for s in both)
        errors["preferred_specialisms"] = (
            f"A specialism cannot be both required and preferred: untick {words} in one of the lists"
        )

    max_km = _max_km(form.max_miles, stored_km, errors)
    secure_start, secure_end = _secure_dates(form, errors)

    if len(form.notes) > MAX_NOTES:
        errors["notes"] = f"Notes must be {MAX_NOTES} characters or fewer"

    if errors:
        raise FormInvalid(errors)
    return CleanReferral(
        young_people=tuple(sorted(form.young_people)),
        needed_by=form.needed_by,
        settings={s: form.settings[s] for s in SETTINGS},
        required_specialisms=[s for s in SPECIALISMS if s in form.required_specialisms],
        preferred_specialisms=[s for s in SPECIALISMS if s in form.preferred_specialisms],
        solo=form.solo,
        max_km_from_home=max_km,
        notes=form.notes,
        secure_basis=form.secure_basis or None,
        secure_start=secure_start,
        secure_end=secure_end,
        fostering_exemption=form.fostering_exemption,
    )


def _secure_dates(form: ReferralForm, errors: dict[str, str]) -> tuple[date | None, date | None]:
    """The secure accommodation order's or authorisation's dates: both, with a basis, or neither."""
    typed = any(form.secure_start.get(p) or form.secure_end.get(p) for p in DATE_PARTS)
    if not form.secure_basis:
        if typed:
            errors["secure_basis"] = "Select what allows a secure children's home, or clear the order's dates"
        return None, None
    if form.secure_basis not in SECURE_BASES:
        errors["secure_basis"] = "Select what allows a secure children's home from the list"
        return None, None
    start = _date(form.secure_start, "secure_start", "Start date of the order or authorisation", errors)
    end = _date(form.secure_end, "secure_end", "End date of the order or authorisation", errors)
    if start is not None and end is not None and end < start:
        errors["secure_end-day"] = "End date of the order or authorisation must be the same as or after the start date"
        return None, None
    return start, end


def _date(parts: dict[str, str], name: str, words: str, errors: dict[str, str]) -> date | None:
    values = [parts.get(p, "") for p in DATE_PARTS]
    if not any(values):
        errors[f"{name}-day"] = f"Enter the {words[0].lower() + words[1:]}"
        return None
    try:
        day, month, year = (int(v) for v in values)
        if year < 1900:
            raise ValueError(year)
        return date(year, month, day)
    except ValueError:
        errors[f"{name}-day"] = f"{words} must be a real date, like 27 3 2027"
        return None


def _max_km(text: str, stored_km: float | None, errors: dict[str, str]) -> float | None:
    if not text:
        return None
    if stored_km is not None and text == miles_text(stored_km):
        return stored_km
    try:
        miles = read_float(text.replace(",", ""))
    except ValueError:
        errors["max_miles"] = "Maximum distance from home must be a number of miles, like 20 or 12.5"
        return None
    if not math.isfinite(miles) or miles <= 0:
        errors["max_miles"] = "Maximum distance from home must be more than 0 miles"
        return None
    if miles > MAX_MILES:
        errors["max_miles"] = f"Maximum distance from home must be {MAX_MILES} miles or less"
        return None
    return round(miles * KM_PER_MILE, 3)


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value.strip():
            seen.setdefault(value.strip(), None)
    return list(seen)
