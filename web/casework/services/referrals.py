"""Referrals as placement teams and social workers see them: own authority only.

Placement officers and social workers make and change referrals; the other
casework roles (nominated officers, directors, admins) see them. Only an open
referral can be changed or closed, and only while no decision awaiting
approval or approved holds places for it.

A young person can be on only one open referral at a time: a second open
referral would let two rankings and two decisions compete for the same child.
The form refuses it and names the open referral to edit or close instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from planner.case import SETTINGS, URGENCY
from web import db
from web.accounts.services.accounts import CASEWORK_ROLES, SignedInUser
from web.casework.repositories import referrals as referral_repository
from web.casework.services.referral_form import (
    CLOSE_REASONS,
    MAX_NOTES,
    CleanReferral,
    FormData,
    FormInvalid,
    ReferralForm,
    clean,
)
from web.models import Referral, YoungPerson
from web.shared.services import audit
from web.shared.services.errors import Forbidden, NotFound
from web.shared.services.people import SEX_WORDS, age_on

# Roles that make, change and close referrals.
EDITOR_ROLES = ("placement_officer", "social_worker")
STATUSES = ("open", "placed", "closed")
STATUS_FILTERS = (*STATUSES, "all")
MAX_SEARCH = 40
# Two people creating referrals at the same moment can pick the same next
# reference; the unique constraint refuses the second, which tries the next one.
_REFERENCE_ATTEMPTS = 5
_OLDEST_AGE = 17


class NotOpen(Exception):
    """The referral cannot be changed: it is placed or closed, or a decision holds places for it."""

    def __init__(self, reference: str, status: str, reason: str):
        super().__init__(reason)
        self.reference = reference
        self.status = status
        self.reason = reason


class ChangedMeanwhile(Exception):
    """Someone else changed or closed the referral after this form was opened."""


@dataclass(frozen=True)
class ReferralRow:
    reference: str
    needed_by: str
    young_people: int
    ages: str
    created: date
    status: str


@dataclass(frozen=True)
class ListFilters:
    status: str = "open"
    urgencies: tuple[str, ...] = ()
    search: str = ""

    @classmethod
    def from_query(cls, args: FormData) -> ListFilters:
        """Filters from a query string; unknown values are ignored, not errors."""
        status = args.get("status", "open")
        return cls(
            status=status if status in STATUS_FILTERS else "open",
            urgencies=tuple(u for u in URGENCY if u in args.getlist("needed_by")),
            search=args.get("q", "").strip()[:MAX_SEARCH],
        )

    @property
    def active(self) -> bool:
        return self != ListFilters()


@dataclass(frozen=True)
class ReferralList:
    rows: list[ReferralRow]
    counts: dict[str, int]  # by status, and "all"
    filters: ListFilters


@dataclass(frozen=True)
class Candidate:
    """A young person the user could choose on the referral form."""

    reference: str
    age: int
    open_referrals: tuple[str, ...]  # other open referrals this young person is on


@dataclass(frozen=True)
class Choices:
    candidates: list[Candidate]
    people: dict[str, YoungPerson]
    refused: dict[str, str]


def require_casework(user: SignedInUser) -> None:
    if user.role not in CASEWORK_ROLES:
        raise Forbidden("commissioners see aggregates only, not children's records")


def may_edit(user: SignedInUser) -> bool:
    return user.role in EDITOR_ROLES


def require_editor(user: SignedInUser) -> None:
    require_casework(user)
    if not may_edit(user):
        raise Forbidden("only placement officers and social workers make and change referrals")


def _row(referral: Referral, today: date) -> ReferralRow:
    return ReferralRow(
        referral.reference,
        referral.needed_by,
        len(referral.young_people),
        ", ".join(str(age_on(p.date_of_birth, today)) for p in referral.young_people),
        referral.created_at.date(),
        referral.status,
    )


def list_open(user: SignedInUser) -> list[ReferralRow]:
    return list_referrals(user, ListFilters()).rows


def list_referrals(user: SignedInUser, filters: ListFilters) -> ReferralList:
    """The authority's referrals matching the filters, most urgent first, with counts by status."""
    require_casework(user)
    today = date.today()
    found = referral_repository.list_referrals(
        user.authority_code,
        None if filters.status == "all" else filters.status,
        urgencies=filters.urgencies,
        search=filters.search,
    )
    counts = referral_repository.count_by_status(
        user.authority_code, urgencies=filters.urgencies, search=filters.search
    )
    counts = {s: counts.get(s, 0) for s in STATUSES} | {"all": sum(counts.values())}
    return ReferralList([_row(r, today) for r in found], counts, filters)


def get_for(user: SignedInUser, reference: str, records: bool = True) -> Referral:
    """The referral if the user may see it; another authority's is not found (404, not 403).

    `records=False` when only the referral itself is read (a stored run's pages): its young
    people's records then load only if touched.
    """
    require_casework(user)
    # Looked up within the user's authority only: another authority may use the same reference.
    referral = referral_repository.get_referral(user.authority_code, reference, records)
    if referral is None:
        raise NotFound(reference)
    return referral


def view(user: SignedInUser, reference: str) -> Referral:
    """The referral for display, with the view audited."""
    referral = get_for(user, reference)
    audit.record(user.id, "view", "referral", referral.reference)
    for person in referral.young_people:
        audit.record(user.id, "view", "young_person", person.reference)
    db.commit()
    return referral


def sex_words(code: str) -> str:
    return SEX_WORDS.get(code, "not recorded")


def can_change(user: SignedInUser, referral: Referral) -> bool:
    """Whether the page should offer to edit or close this referral."""
    return may_edit(user) and referral.status == "open" and not referral_repository.has_standing_decision(referral.id)


def _eighteen_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - (_OLDEST_AGE + 1))
    except ValueError:  # 29 February
        return day.replace(year=day.year - (_OLDEST_AGE + 1), day=28)


def choices(user: SignedInUser, editing: Referral | None = None) -> Choices:
    """The young people the user may put on a referral, and those to refuse (with why).

    The authority's young people under 18, plus (when editing) those already on the
    referral; each with the other open referrals they are on.
    """
    today = date.today()
    people = {
        p.reference: p
        for p in referral_repository.list_young_people_born_after(user.authority_code, _eighteen_years_before(today))
    }
    if editing is not None:
        people.update({p.reference: p for p in editing.young_people})
    on_open = referral_repository.open_referrals_by_young_person(user.authority_code)
    candidates = []
    refused = {}
    for reference in sorted(people):
        person = people[reference]
        others = tuple(r for r in on_open.get(person.id, []) if editing is None or r != editing.reference)
        candidates.append(Candidate(reference, age_on(person.date_of_birth, today), others))
        if others:
            refused[reference] = (
                f"{reference} is already on open referral {others[0]}: edit or close that referral instead"
            )
    return Choices(candidates, people, refused)


def create(user: SignedInUser, form: ReferralForm) -> str:
    """Store a new open referral from a valid form, audited; returns its reference.

    Raises `FormInvalid` naming each field with a problem, `Forbidden` for the wrong role.
    """
    require_editor(user)
    for _attempt in range(_REFERENCE_ATTEMPTS):
        options = choices(user)
        values = clean(form, options.people.keys(), options.refused)
        reference = f"R-{referral_repository.highest_generated_number(user.authority_code) + 1:04d}"
        referral = Referral(
            reference=reference,
            authority_code=user.authority_code,
            status="open",
            created_at=datetime.now(),
            created_by_id=user.id,
            young_people=[options.people[r] for r in values.young_people],
        )
        _apply(referral, values)
        referral_repository.add_referral(referral)
        audit.record(user.id, "create", "referral", reference, detail=f"young people: {len(values.young_people)}")
        for person in values.young_people:
            audit.record(user.id, "add_to_referral", "young_person", person, detail=reference)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            continue
        return reference
    raise RuntimeError("no free referral reference after several attempts")


def editable(user: SignedInUser, reference: str) -> Referral:
    """The referral if this user may change it now.

    Raises `Forbidden` (wrong role), `NotFound` (absent or another authority's),
    `NotOpen` (placed, closed, or a decision holds places for it).
    """
    require_editor(user)
    referral = get_for(user, reference)
    if referral.status != "open":
        raise NotOpen(reference, referral.status, f"This referral is {referral.status}, so it cannot be changed.")
    if referral_repository.has_standing_decision(referral.id):
        raise NotOpen(
            reference,
            referral.status,
            "A decision holds a place for this referral, so it cannot be changed. "
            "Amend the care plan, or refuse the decision, instead.",
        )
    return referral


def version_of(referral: Referral) -> str:
    """A token for the referral as it is now; a form sends it back so a lost update is refused."""
    return (referral.updated_at or referral.created_at).isoformat()


def open_edit_form(user: SignedInUser, reference: str) -> tuple[Referral, ReferralForm]:
    """The referral and its form, pre-filled; opening it is audited as a view."""
    referral = editable(user, reference)
    audit.record(user.id, "view", "referral", reference, detail="edit form")
    db.commit()
    return referral, ReferralForm.from_referral(referral)


def open_close_form(user: SignedInUser, reference: str) -> Referral:
    """The referral, for the close form (which shows its casework); opening it is audited as a view."""
    referral = editable(user, reference)
    audit.record(user.id, "view", "referral", reference, detail="close form")
    db.commit()
    return referral


def _apply(referral: Referral, values: CleanReferral) -> list[str]:
    """Copy the form's values onto the referral; returns the names of the fields that changed."""
    changed = []
    for name in (
        "needed_by",
        "solo",
        "max_km_from_home",
        "notes",
        "secure_basis",
        "secure_start",
        "secure_end",
        "fostering_exemption",
    ):
        if getattr(referral, name) != getattr(values, name):
            setattr(referral, name, getattr(values, name))
            changed.append(name)
    stored = referral.settings or {}
    if stored != values.settings:
        # Older referrals may leave out a setting (meaning suitable): not a change.
        if {s: stored.get(s, "suitable") for s in SETTINGS} != values.settings:
            changed.append("settings")
        referral.settings = dict(values.settings)
    for name in ("required_specialisms", "preferred_specialisms"):
        if sorted(getattr(referral, name) or []) != sorted(getattr(values, name)):
            setattr(referral, name, list(getattr(values, name)))
            changed.append(name)
    return changed


def save_changes(user: SignedInUser, reference: str, form: ReferralForm, version: str) -> list[str]:
    """Save an edited referral; returns the names of the fields that changed (audited).

    Raises as `editable` does, `FormInvalid` for bad input, and `ChangedMeanwhile`
    when `version` is not the referral's current one (nothing is written).
    """
    referral = editable(user, reference)
    if version != version_of(referral):
        raise ChangedMeanwhile(reference)
    options = choices(user, editing=referral)
    values = clean(form, options.people.keys(), options.refused, stored_km=referral.max_km_from_home)
    before = {p.reference for p in referral.young_people}
    after = set(values.young_people)
    changed = _apply(referral, values)
    if before != after:
        changed.insert(0, "young_people")
    if not changed:
        return []
    now = datetime.now()
    # Claim the row: refused if someone changed or closed it since `version` was read.
    if not referral_repository.claim_open(referral.id, referral.updated_at, now):
        db.rollback()
        raise ChangedMeanwhile(reference)
    referral.updated_at = now
    if before != after:
        referral.young_people = [options.people[r] for r in sorted(after)]
        for person in sorted(after - before):
            audit.record(user.id, "add_to_referral", "young_person", person, detail=reference)
        for person in sorted(before - after):
            audit.record(user.id, "remove_from_referral", "young_person", person, detail=reference)
    audit.record(user.id, "edit", "referral", reference, detail=("changed: " + ", ".join(changed))[:200])
    db.commit()
    return changed


def close(user: SignedInUser, reference: str, data: Mapping[str, str], version: str) -> None:
    """Close an open referral with a reason, kept in its notes; the audit keeps the reason's code.

    Raises as `editable` does, `FormInvalid` when the reason is missing, and
    `ChangedMeanwhile` when the referral changed after the form was opened.
    """
    referral = editable(user, reference)
    if version != version_of(referral):
        raise ChangedMeanwhile(reference)
    reason = data.get("reason", "").strip()
    details = data.get("details", "").replace("\r\n", "\n").strip()
    errors = {}
    if reason not in CLOSE_REASONS:
        errors["reason"] = "Select why the referral is being closed"
    elif reason == "other" and not details:
        errors["details"] = "Enter the reason for closing the referral"
    if len(details) > MAX_NOTES:
        errors["details"] = f"Details must be {MAX_NOTES} characters or fewer"
    if errors:
        raise FormInvalid(errors)
    now = datetime.now()
    if not referral_repository.claim_open(referral.id, referral.updated_at, now):
        db.rollback()
        raise ChangedMeanwhile(reference)
    line = f"Closed on {now.day} {now:%B %Y} by {user.name}: {CLOSE_REASONS[reason]}."
    if details:
        line += f" {details}"
    referral.notes = f"{referral.notes}\n\n{line}".strip() if referral.notes else line
    referral.status = "closed"
    referral.updated_at = now
    audit.record(user.id, "close", "referral", reference, detail=f"reason: {reason}")
    db.commit()
