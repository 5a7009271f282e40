"""Reviewing the areas a police.uk import suggests: confirm one as an area, or dismiss it.

A suggestion is an LSOA where police.uk recorded many drug, weapon, violence or robbery
offences (`web.data_exchange.services.imports.police_uk`). It is never used by a ranking as it is:
police.uk counts say where offences were recorded, not where a group operates. A
placement officer or administrator of the importing authority reviews each one and
either confirms it, which creates an `Area` with a generic label, the kind, radius,
severity, linked groups, source, confidence and review date they give, or dismisses it
with a note. Both are audited, by the suggestion's id and never with the note's words.
Another authority's suggestions are not found (404); other roles are refused (403).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from planner import load_policy
from planner.case import AREA_KINDS, SEVERITY
from planner.crime_counts import FAMILIES, FAMILY_WORDS
from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.services import young_people
from web.data_exchange.repositories import suggested_areas as repository
from web.models import CONFIDENCE, Area, SuggestedArea
from web.relocation.services import relocation
from web.shared.services import audit
from web.shared.services import groups as group_service
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

REVIEW_ROLES = ("admin", "placement_officer")
MAX_RADIUS_KM = 50.0
MAX_NOTE = 2000
AREA_CODE_PREFIX = "A-PUK-"

KIND_WORDS = {
    "gang_territory": "Gang territory",
    "county_lines_destination": "County lines destination",
    "exploitation_hotspot": "Exploitation hotspot",
    "other": "Other",
}
SEVERITY_WORDS = {"high": "High", "medium": "Medium", "low": "Low"}
CONFIDENCE_WORDS = {"high": "High", "medium": "Medium", "low": "Low"}
STATUS_WORDS = {"suggested": "To review", "confirmed": "Confirmed as an area", "dismissed": "Dismissed"}

# An LSOA name is its district and a code, like "Testshire 012B": the district is a place name.
_LSOA_SUFFIX = re.compile(r"\s*\d{3}[A-Z]$")


class FormInvalid(InvalidInput):
    """A review form's problems, keyed by the id of the field each belongs to."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(list(errors.values()), errors)
        self.errors = errors


@dataclass(frozen=True)
class SuggestionView:
    id: int
    import_id: int
    rank: int
    lsoa_code: str
    lsoa_name: str
    lat: float
    lon: float
    counts: list[tuple[str, int]]  # (family in words, offences), in the families' order
    total: int
    months: str
    status: str
    status_words: str
    area_code: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    dismissed_note: str | None


@dataclass(frozen=True)
class ImportView:
    id: int
    filename: str
    at: datetime
    months: str
    skipped: dict[str, int]
    suggestions: list[SuggestionView] = field(default_factory=list)

    @property
    def to_review(self) -> int:
        return sum(1 for s in self.suggestions if s.status == "suggested")


@dataclass(frozen=True)
class ConfirmForm:
    suggestion: SuggestionView
    values: dict[str, Any]
    group_options: list[tuple[str, str]]


def may_review(user: SignedInUser) -> bool:
    return user.role in REVIEW_ROLES


def _require_review(user: SignedInUser) -> None:
    if not may_review(user):
        raise Forbidden("only placement officers and administrators review suggested areas")


def month_words(month: str) -> str:
    """'2018-01' as 'January 2018'."""
    year, number = month.split("-")
    return f"{calendar.month_name[int(number)]} {year}"


def months_words(first: str, last: str) -> str:
    """The months a count covers, in words: 'January 2018' or 'January to March 2018'."""
    if first == last:
        return month_words(first)
    if first[:4] == last[:4]:
        return f"{calendar.month_name[int(first[5:])]} to {month_words(last)}"
    return f"{month_words(first)} to {month_words(last)}"


def default_source(suggestion: SuggestedArea | SuggestionView) -> str:
    months = (
        suggestion.months
        if isinstance(suggestion, SuggestionView)
        else months_words(suggestion.first_month, suggestion.last_month)
    )
    return f"police.uk street-level crime, {months}"


def _view(suggestion: SuggestedArea, names: Mapping[int, str], area_codes: Mapping[int, str]) -> SuggestionView:
    return SuggestionView(
        id=suggestion.id,
        import_id=suggestion.import_id,
        rank=suggestion.rank,
        lsoa_code=suggestion.lsoa_code,
        lsoa_name=suggestion.lsoa_name,
        lat=suggestion.lat,
        lon=suggestion.lon,
        counts=[(FAMILY_WORDS[f], int(suggestion.counts.get(f, 0))) for f in FAMILIES],
        total=suggestion.total,
        months=months_words(suggestion.first_month, suggestion.last_month),
        status=suggestion.status,
        status_words=STATUS_WORDS.get(suggestion.status, suggestion.status),
        area_code=area_codes.get(suggestion.area_id) if suggestion.area_id else None,
        reviewed_by=names.get(suggestion.reviewed_by_id) if suggestion.reviewed_by_id else None,
        reviewed_at=suggestion.reviewed_at,
        dismissed_note=suggestion.review_note if suggestion.status == "dismissed" else None,
    )


def _area_codes(suggestions: Sequence[SuggestedArea]) -> dict[int, str]:
    return repository.area_codes(s.area_id for s in suggestions if s.area_id is not None)


def list_for(user: SignedInUser) -> list[ImportView]:
    """The authority's recent police.uk imports, newest first, each with its suggestions by rank."""
    _require_review(user)
    found = repository.list_for_authority(user.authority_code)
    names = repository.user_names(s.reviewed_by_id for _run, items in found for s in items if s.reviewed_by_id)
    area_codes = _area_codes([s for _run, items in found for s in items])
    out = []
    for run, items in found:
        first = min(s.first_month for s in items)
        last = max(s.last_month for s in items)
        out.append(
            ImportView(
                id=run.id,
                filename=run.filename,
                at=run.at,
                months=months_words(first, last),
                skipped=dict((run.summary or {}).get("skipped", {})),
                suggestions=[_view(s, names, area_codes) for s in items],
            )
        )
    return out


def _visible(user: SignedInUser, suggestion_id: int, for_update: bool = False) -> SuggestedArea:
    _require_review(user)
    suggestion = repository.get(suggestion_id, for_update=for_update)
    if suggestion is None or suggestion.authority_code != user.authority_code:
        raise NotFound(str(suggestion_id))
    return suggestion


def _open(user: SignedInUser, suggestion_id: int, for_update: bool = False) -> SuggestedArea:
    suggestion = _visible(user, suggestion_id, for_update)
    if suggestion.status != "suggested":
        raise Conflict(f"This suggestion was already {suggestion.status}.")
    return suggestion


def get_for(user: SignedInUser, suggestion_id: int) -> SuggestionView:
    """One of the user's authority's suggestions, as the review pages show it."""
    suggestion = _visible(user, suggestion_id)
    names = repository.user_names([suggestion.reviewed_by_id] if suggestion.reviewed_by_id else [])
    return _view(suggestion, names, _area_codes([suggestion]))


def group_options(user: SignedInUser) -> list[tuple[str, str]]:
    """The groups the user's authority may link its areas to: its own and those shared with it."""
    return [(g.code, g.label) for g in group_service.readable_for(user.authority_code)]


def vocabulary() -> dict[str, Any]:
    """Words for the form's choices, and the buffers the engine keeps around areas."""
    policy = load_policy()
    return {
        "kinds": KIND_WORDS,
        "severity": SEVERITY_WORDS,
        "confidence": CONFIDENCE_WORDS,
        "linked_km": policy.min_km_from_linked_areas,
        "high_km": policy.min_km_from_high_severity_areas,
    }


def confirm_form(user: SignedInUser, suggestion_id: int) -> ConfirmForm:
    """The confirm form for a suggestion still to review, with its source filled in."""
    suggestion = _open(user, suggestion_id)
    view = _view(suggestion, {}, {})
    return ConfirmForm(view, {"source": default_source(view)}, group_options(user))


def confirm_context(user: SignedInUser, suggestion_id: int) -> ConfirmForm:
    """The same form's surroundings for re-showing what was typed (no values)."""
    suggestion = _visible(user, suggestion_id)
    return ConfirmForm(_view(suggestion, {}, {}), {}, group_options(user))


class _Form(young_people._Form):
    """The young person forms' reader (every problem collected before anything changes),
    raising this page's `FormInvalid` and reading a required number as a float."""

    def number(self, name: str, label: str, low: float, high: float, required: bool = True) -> float:
        value = super().number(name, label, low, high, required)
        return 0.0 if value is None else value

    def done(self) -> None:
        if self.errors:
            raise FormInvalid(self.errors)


def _neighbourhood_words(suggestion: SuggestedArea) -> list[str]:
    district = _LSOA_SUFFIX.sub("", suggestion.lsoa_name).strip()
    return [w for w in (district.lower(), suggestion.lsoa_name.lower(), suggestion.lsoa_code.lower()) if w]


@dataclass(frozen=True)
class _Confirmed:
    label: str
    kind: str
    radius_km: float
    severity: str
    groups: list[str]
    source: str
    confidence: str
    review_by: date


def _read_confirm(user: SignedInUser, suggestion: SuggestedArea, data: Mapping[str, Any], today: date) -> _Confirmed:
    form = _Form(data)
    label = form.text("label", "Label", 120)
    if label and any(words in label.lower() for words in _neighbourhood_words(suggestion)):
        form.fail("label", "Use a generic label, like Area 12, never the neighbourhood's name or code")
    kind = form.choice("kind", AREA_KINDS, "Choose what kind of area it is")
    radius_km = form.number("radius_km", "Radius in km", 0, MAX_RADIUS_KM)
    severity = form.choice("severity", SEVERITY, "Choose the severity")
    chosen = data.get("groups", [])
    groups = [chosen] if isinstance(chosen, str) else [str(g) for g in chosen or []]
    known = {code for code, _label in group_options(user)}
    if any(code not in known for code in groups):
        form.fail("groups", "Choose only from the listed groups")
    source = form.text("source", "Source", 120)
    confidence = form.choice("confidence", CONFIDENCE, "Choose how confident you are in the source")
    review_by = form.day("review_by", "Review date")
    if review_by is not None and review_by <= today:
        form.fail("review_by-day", "Review date must be in the future")
    form.done()
    assert review_by is not None
    return _Confirmed(label, kind, radius_km, severity, sorted(set(groups)), source, confidence, review_by)


@dataclass(frozen=True)
class Confirmed:
    """The area a confirmation made, and the relocation reviews the re-check near it opened."""

    code: str
    label: str
    reviews: relocation.Opened


def confirm(user: SignedInUser, suggestion_id: int, data: Mapping[str, Any], today: date | None = None) -> Confirmed:
    """Confirm a suggestion as an area: create the `Area`, mark the suggestion, audit, commit.

    Then re-checks the current placements near the new area. Nothing is written if the form
    has a problem (FormInvalid), the suggestion was already reviewed (Conflict) or is not the
    user's authority's (NotFound).
    """
    try:
        suggestion = _open(user, suggestion_id, for_update=True)
        values = _read_confirm(user, suggestion, data, today or date.today())
        code = f"{AREA_CODE_PREFIX}{suggestion.id}"
        if repository.area_code_taken(code):
            raise Conflict(f"An area with the code {code} already exists.")
        now = datetime.now()
        groups = repository.groups_by_code(values.groups)
        area = Area(
            code=code,
            label=values.label,
            kind=values.kind,
            lat=suggestion.lat,
            lon=suggestion.lon,
            radius_km=values.radius_km,
            severity=values.severity,
            source=values.source,
            confidence=values.confidence,
            review_by=values.review_by,
            updated_at=now,
            # Confirmed by this authority's officer, so the authority owns the area (decision 0080).
            owner_code=user.authority_code,
        )
        area.groups = [groups[c] for c in values.groups]
        repository.create_area(area)
        suggestion.status = "confirmed"
        suggestion.area_id = area.id
        suggestion.reviewed_by_id = user.id
        suggestion.reviewed_at = now
        audit.record(user.id, "confirm", "suggested_area", str(suggestion.id), f"created area {code}")
        db.commit()
    except Exception:
        # Also releases the suggestion's row lock when the form had a problem.
        db.rollback()
        raise
    # A new area can make where children live now unsafe: re-check the placements near it,
    # never move anyone.
    result = relocation.recheck_near_areas(
        user.id, f"area {code} confirmed from a police.uk suggestion", [relocation.shape_of(area)], [area.code]
    )
    return Confirmed(area.code, area.label, relocation.opened_for(user.authority_code, result))


def dismiss(user: SignedInUser, suggestion_id: int, data: Mapping[str, Any]) -> None:
    """Dismiss a suggestion with a note saying why; audited without the note's words."""
    try:
        suggestion = _open(user, suggestion_id, for_update=True)
        form = _Form(data)
        note = form.raw("note")
        if not note:
            form.fail("note", "Enter why this suggestion is dismissed")
        elif len(note) > MAX_NOTE:
            form.fail("note", f"The note must be {MAX_NOTE} characters or fewer")
        form.done()
        suggestion.status = "dismissed"
        suggestion.review_note = note
        suggestion.reviewed_by_id = user.id
        suggestion.reviewed_at = datetime.now()
        audit.record(user.id, "dismiss", "suggested_area", str(suggestion.id), "dismissed with a note")
        db.commit()
    except Exception:
        db.rollback()
        raise
