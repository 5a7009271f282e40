"""The care plan behind a placement decision: what it holds, how it is checked, how versions differ.

A care plan is stored as a JSON document per version (`CarePlanVersion.content`).
This module is the single description of that document: the pages, the API and
the history all read the field list below, so a new field is added in one place.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

SCHOOL_CONTINUITY = {
    "same_school": "Stays at the same school",
    "new_school": "Moves to a new school",
    "not_in_education": "Not in education, employment or training",
}
CONTACT_FREQUENCY = {
    "daily": "Daily",
    "weekly": "Weekly",
    "fortnightly": "Fortnightly",
    "monthly": "Monthly",
    "less_often": "Less often than monthly",
    "none": "No contact",
}
SUPERVISION = {
    "unsupervised": "Unsupervised",
    "supervised": "Supervised",
    "not_applicable": "Not applicable",
}
# (key, label, required) for the free-text parts, in the order pages show them.
TEXT_FIELDS = (
    ("rationale", "Why this placement", True),
    ("why_not_top", "Why not the top-ranked option", False),
    ("why_not_closer", "Why this option and not the closer one", False),
    ("wishes_and_feelings", "The child's wishes and feelings", True),
    ("risks_and_safety_plan", "Risks and the safety plan for the new area", True),
    ("education_detail", "Education: how it will work", False),
    ("health", "Health", False),
    ("rhi_provider", "Who does return home interviews in the host area", True),
)
DATE_FIELDS = (
    ("host_authority_notified_on", "Host authority notified (reg 13(4))"),
    ("host_police_notified_on", "Host police notified"),
    ("host_consulted_on", "Host authority consulted (at a distance, reg 11)"),
    ("care_plan_sent_to_host_on", "Care plan sent to the host authority"),
    ("placement_plan_agreed_on", "Placement plan agreed (reg 9)"),
)
MAX_TEXT = 10_000
# Parts asked only in some decisions: left out of the readable plan when empty.
ASKED_SOMETIMES = frozenset({"why_not_closer"})


@dataclass(frozen=True)
class SupportLinkRef:
    """A support link as the ranking run saw it: the contact plan has one entry per link."""

    id: str
    label: str
    young_person: str


def check(
    raw: Mapping[str, Any],
    option_rank: int,
    support: list[SupportLinkRef],
    today: date,
    closer_warning: str | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The care plan content from `raw` (content-shaped), and problems by field path.

    `closer_warning` is the ranking's warning that the chosen option is much further
    from an essential person than another safe option (None when it did not warn about
    this option); then `why_not_closer` is required.

    Field paths are the content keys, `contact.<link id>.<part>` and
    `education_school`; pages map them to form field ids.
    """
    problems: dict[str, str] = {}
    content: dict[str, Any] = {}
    for key, label, required in TEXT_FIELDS:
        value = str(raw.get(key) or "").strip()
        if len(value) > MAX_TEXT:
            problems[key] = f"{label} must be {MAX_TEXT:,} characters or fewer"
        if required and not value:
            problems[key] = f"Enter {label[0].lower() + label[1:]}"
        content[key] = value
    if option_rank == 1:
        content["why_not_top"] = ""  # only asked when the top-ranked option was not chosen
    elif not content["why_not_top"]:
        problems["why_not_top"] = f"Say why you chose option {option_rank} and not the top-ranked option"
    if closer_warning is None:
        content["why_not_closer"] = ""  # only asked when the options page warned about this option
    elif not content["why_not_closer"]:
        problems["why_not_closer"] = "Say why you chose this option and not the one closer to the essential person"

    school = raw.get("education_school")
    if school not in SCHOOL_CONTINUITY:
        problems["education_school"] = "Select what happens to the child's school"
    content["education_school"] = school if school in SCHOOL_CONTINUITY else None
    content["education_key_stage_4"] = bool(raw.get("education_key_stage_4"))

    contact_in = raw.get("contact") or {}
    if not isinstance(contact_in, Mapping):
        contact_in = {}
    contact: list[dict[str, str]] = []
    for link in support:
        entry = contact_in.get(link.id) or {}
        if not isinstance(entry, Mapping):
            entry = {}
        frequency = entry.get("frequency")
        supervision = entry.get("supervision")
        travel = str(entry.get("travel") or "").strip()[:500]
        if frequency not in CONTACT_FREQUENCY:
            problems[f"contact.{link.id}.frequency"] = f"Select how often {link.label} and the child will be in contact"
        if supervision not in SUPERVISION:
            problems[f"contact.{link.id}.supervision"] = f"Select whether contact with {link.label} is supervised"
        contact.append(
            {
                "support_id": link.id,
                "label": link.label,
                "young_person": link.young_person,
                "frequency": frequency if frequency in CONTACT_FREQUENCY else "",
                "supervision": supervision if supervision in SUPERVISION else "",
                "travel": travel,
            }
        )
    content["contact"] = contact

    for key, label in DATE_FIELDS:
        given = raw.get(key)
        if given in (None, ""):
            content[key] = None
            continue
        try:
            day = date.fromisoformat(str(given))
        except ValueError:
            problems[key] = f"{label} must be a real date, like 2026-11-25"
            content[key] = str(given)
            continue
        if day > today:
            problems[key] = f"{label} must be today or in the past"
        content[key] = day.isoformat()
    return content, problems


def readable(content: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs for display and comparison, in page order."""
    rows: list[tuple[str, str]] = []
    for key, label, _required in TEXT_FIELDS:
        if key in ASKED_SOMETIMES and not content.get(key):
            continue
        rows.append((label, str(content.get(key) or "")))
    rows.append(("School", SCHOOL_CONTINUITY.get(str(content.get("education_school")), "")))
    rows.append(("Key Stage 4 pupil", "Yes" if content.get("education_key_stage_4") else "No"))
    for entry in content.get("contact") or []:
        parts = [
            CONTACT_FREQUENCY.get(entry.get("frequency", ""), ""),
            SUPERVISION.get(entry.get("supervision", ""), "").lower(),
        ]
        if entry.get("travel"):
            parts.append(f"travel: {entry['travel']}")
        rows.append(
            (f"Contact with {entry.get('label')} ({entry.get('young_person')})", ", ".join(p for p in parts if p))
        )
    for key, label in DATE_FIELDS:
        value = content.get(key)
        rows.append((label, _day_words(value) if value else "Not yet"))
    return rows


def _day_words(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Change:
    label: str
    kind: str  # added | removed | changed | same
    before: str
    after: str
    # Word-level pieces of the change: (op, text) with op in {"same", "removed", "added"}.
    pieces: tuple[tuple[str, str], ...]


def differences(before: Mapping[str, Any], after: Mapping[str, Any], include_same: bool = False) -> list[Change]:
    """A readable difference between two versions, field by field, words marked."""
    old = dict(readable(before))
    new = dict(readable(after))
    labels = list(dict.fromkeys([label for label, _ in readable(before)] + [label for label, _ in readable(after)]))
    changes: list[Change] = []
    for label in labels:
        a, b = old.get(label), new.get(label)
        if a == b:
            if include_same:
                changes.append(Change(label, "same", a or "", b or "", (("same", b or ""),)))
            continue
        if a is None:
            changes.append(Change(label, "added", "", b or "", (("added", b or ""),)))
        elif b is None:
            changes.append(Change(label, "removed", a, "", (("removed", a),)))
        else:
            changes.append(Change(label, "changed", a, b, _word_diff(a, b)))
    return changes


def _word_diff(a: str, b: str) -> tuple[tuple[str, str], ...]:
    old, new = a.split(" "), b.split(" ")
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", " ".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(("removed", " ".join(old[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(("added", " ".join(new[j1:j2])))
    return tuple(pieces)
