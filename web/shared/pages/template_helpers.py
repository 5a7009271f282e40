"""Filters and globals for templates: distances in miles with km, dates, words for codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from flask import Flask

from planner import wording
from planner.geometry import km_to_miles

REASON_WORDS = {
    "no_vacancy": "No vacancy",
    "setting_unsuitable": "Setting unsuitable",
    "unlawful_setting": "Unlawful setting for age",
    "no_secure_order": "No secure accommodation order",
    "fostering_limit": "Over the usual fostering limit",
    "age_out_of_range": "Age out of range",
    "sex_not_accepted": "Sex not accepted",
    "missing_specialism": "Missing a required specialism",
    "near_linked_area": "Near an area linked to the child's groups",
    "near_risk_location": "Near a personal risk location",
    "in_high_severity_area": "In or near a high-severity area",
    "resident_conflict": "Lives with someone to keep apart",
    "not_solo": "Not a solo placement",
    "support_out_of_reach": "Support link out of reach",
    "too_far_from_home": "Too far from home",
    "inadequate_provider": "Rated inadequate",
    "excluded_by_worker": "Excluded by a worker",
}
APPROVAL_WORDS = {
    "none": "None (in area)",
    "nominated_officer": "Nominated officer",
    "director": "Director",
    None: "Unknown",
}
# Which reg 11 rule applied (an option's `approval_rule`, a decision's), in words.
APPROVAL_RULE_WORDS = {
    "in_area": "None: inside the responsible authority's area",
    "adjoining": "A nominated officer: outside the area, in an adjoining authority (reg 11)",
    "at_a_distance": "The director of children's services: outside the area and at a distance (reg 11)",
    "reg_11_4_own_foster_carer": "None: exempt under reg 11(4), the authority's own approved foster carers",
    "reg_11_4_connected_person": "None: exempt under reg 11(4), a connected person (reg 24)",
}


# The same, short, for a table cell.
APPROVAL_RULE_SHORT = {
    "reg_11_4_own_foster_carer": "None (reg 11(4): own foster carers)",
    "reg_11_4_connected_person": "None (reg 11(4): connected person)",
}


def approval_short(rule: str | None, level: str | None) -> str:
    """An option's approval for a table: the level, or the reg 11(4) exception that removed it."""
    return APPROVAL_RULE_SHORT.get(rule or "") or APPROVAL_WORDS.get(level, APPROVAL_WORDS[None])


def approval_rule_words(rule: str | None, level: str | None) -> str:
    """The reg 11 rule that applied in words, or the approval level where no rule is recorded."""
    if rule in APPROVAL_RULE_WORDS:
        return APPROVAL_RULE_WORDS[rule]
    return APPROVAL_WORDS.get(level, APPROVAL_WORDS[None])


def miles(km: float | None) -> str:
    if km is None:
        return "–"
    return f"{km_to_miles(km):.1f}"


def words(code: Any) -> str:
    return wording.words(str(code)) if code is not None else ""


def setting(code: Any) -> str:
    """A placement setting code in the words the referral form uses ("Children's home")."""
    return wording.SETTING_WORDS.get(str(code), words(code).capitalize())


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def moment(value: datetime) -> str:
    return f"{value.day} {value:%B %Y} at {value:%H:%M}"


def pairs(options: Mapping[str, str] | Sequence[str]) -> list[tuple[str, str]]:
    """(value, words) for a select, radios or checkboxes: a dict's items, or codes in words."""
    if isinstance(options, Mapping):
        return [(str(k), str(v)) for k, v in options.items()]
    return [(code, code.replace("_", " ").capitalize()) for code in options]


def options_items(options: Mapping[str, str] | Sequence[str], current: str, flag: str) -> list[dict[str, Any]]:
    """GOV.UK macro items for `options`, with `flag` ("selected" or "checked") on the current value."""
    return [{"value": value, "text": text, flag: value == current} for value, text in pairs(options)]


def register(app: Flask) -> None:
    app.jinja_env.filters.update(miles=miles, words=words, setting=setting, day=day, moment=moment)
    app.jinja_env.globals.update(
        REASON_WORDS=REASON_WORDS,
        APPROVAL_WORDS=APPROVAL_WORDS,
        approval_rule_words=approval_rule_words,
        approval_short=approval_short,
        pairs=pairs,
        options_items=options_items,
    )
