"""Relocation review: re-checking where children live when the intelligence changes.

When an area is added or changed, or a young person's groups or risk locations
change, the current placement of every young person it could affect is checked again
against the hard rules that intelligence drives (near a linked area, near a personal
risk location, inside a high-severity area). A placement that now breaks one opens a
review: the reasons, a ranked set of alternatives from the engine, and a task for the
child's social worker. Nothing moves a child: a person reads the review and records
what they decided and why.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from planner import rank
from planner.case import SETTINGS
from web import db
from web.models import Placement, Referral, ReferralExclusion, RelocationReview, YoungPerson
from web.repositories import relocation as repository
from web.repositories import young_people as young_people_repository
from web.services import audit
from web.services.accounts import CASEWORK_ROLES, SignedInUser
from web.services.batch_case import build_case
from web.services.errors import Forbidden, InvalidInput, NotFound

# The hard rules a change of intelligence can newly break for a child already placed.
INTELLIGENCE_RULES = ("near_linked_area", "near_risk_location", "in_high_severity_area")
CLOSE_ROLES = ("social_worker",)
RECHECK_ROLES = ("placement_officer", "social_worker", "admin")
OUTCOMES = {
    "kept": "Stays where they are, with the safety plan changed",
    "moving": "A move is being planned (a referral for a new placement)",
}
ALTERNATIVES = 5


@dataclass
class _StandIn:
    """A referral-shaped question for one young person: "where could they live safely now?".

    It keeps what the young person's latest referral asked for (settings,
    specialisms, limits) and leaves out siblings, who may live elsewhere now.
    """

    reference: str
    authority_code: str
    needed_by: str
    settings: dict[str, Any]
    required_specialisms: list[str]
    preferred_specialisms: list[str]
    solo: bool
    max_km_from_home: float | None
    young_people: list[YoungPerson]
    exclusions: list[ReferralExclusion] = field(default_factory=list)


def _stand_in(person: YoungPerson, placement: Placement) -> _StandIn:
    latest: Referral | None = next(iter(young_people_repository.referrals_naming(person.id)), None)
    if latest is not None:
        settings = dict(latest.settings)
        required, preferred = list(latest.required_specialisms), list(latest.preferred_specialisms)
        solo, max_km = latest.solo, latest.max_km_from_home
    else:
        settings = {s: "suitable" for s in SETTINGS}
        settings["secure"] = "unsuitable"  # a secure placement needs a court order, never a re-check
        required, preferred, solo, max_km = [], [], False, None
    settings[placement.setting] = "preferred"
    return _StandIn(
        reference=f"RECHECK-{person.reference}",
        authority_code=person.responsible_authority_code,
        needed_by="within_5_days",
        settings=settings,
        required_specialisms=required,
        preferred_specialisms=preferred,
        solo=solo,
        max_km_from_home=max_km,
        young_people=[person],
    )


def recheck(
    trigger: str,
    by_user_id: int | None,
    young_person_ids: Collection[int] | None = None,
    authority_code: str | None = None,
    as_of: date | None = None,
) -> list[int]:
    """Re-check the current placements of the young people given (all when None).

    Opens a review for each placement that now breaks an intelligence rule, unless an
    open review already says the same; returns the ids of the reviews opened. Commits.
    """
    pairs = repository.housed(young_person_ids, authority_code)
    if not pairs:
        return []
    stand_ins = [_stand_in(person, placement) for person, placement in pairs]
    try:
        built = build_case(stand_ins, as_of or date.today(), batch=True)
    except InvalidInput as error:
        # The change that set this off is saved already; a stored record the engine cannot
        # read must not undo it. The failure is audited (counts only) for an administrator,
        # and the re-check can be run again from the relocation review page once it is fixed.
        audit.record(
            by_user_id, "relocation_recheck_failed", "relocation", "stored records", f"{len(error.problems)} problems"
        )
        db.commit()
        return []
    labels = {p["id"]: p for p in built.document["placements"]}
    opened = []
    for (person, placement), question in zip(pairs, built.parsed.referrals, strict=True):
        ranking = rank(built.world, question, built.policy)
        here = next((e for e in ranking.excluded if e.placement_id == placement.code), None)
        reasons = [
            {"code": r.code, "detail": r.detail} for r in (here.reasons if here else ()) if r.code in INTELLIGENCE_RULES
        ]
        if not reasons:
            continue
        codes = sorted({r["code"] for r in reasons})
        earlier = repository.open_reviews_of(person.id, placement.id)
        if any(sorted({r["code"] for r in e.reasons}) == codes for e in earlier):
            continue  # already under review for the same reasons
        now = datetime.now()
        for review in earlier:
            review.status, review.closed_at = "superseded", now
            review.outcome_note = "Superseded by a later re-check with different reasons."
        alternatives = [
            {
                "placement_id": o.placement_id,
                "label": labels[o.placement_id]["label"],
                "setting": labels[o.placement_id]["setting"],
                "score": o.score,
                "miles_from_home": round(o.facts["distance_from_home_km"] / 1.609344, 1),
                "in_area": o.facts["in_area"],
                "reasons": list(o.reasons[:3]),
            }
            for o in ranking.options
            if o.placement_id != placement.code
        ][:ALTERNATIVES]
        decision = repository.decision_behind(person.id, placement.id)
        review = RelocationReview(
            young_person_id=person.id,
            decision_id=decision.id if decision else None,
            placement_id=placement.id,
            authority_code=person.responsible_authority_code,
            trigger=trigger[:200],
            reasons=reasons,
            alternatives=alternatives,
            status="open",
            opened_at=now,
            assigned_to_id=decision.decided_by_id if decision else None,
        )
        repository.add_review(review)
        audit.record(
            by_user_id,
            "relocation_review_opened",
            "young_person",
            person.reference,
            ", ".join(codes),
            authority_code=person.responsible_authority_code,
        )
        opened.append(review.id)
    db.commit()
    return opened


def recheck_young_person(user: SignedInUser, person: YoungPerson, what: str) -> list[int]:
    """After a change to one young person's groups or risk locations."""
    return recheck(f"{what} changed", user.id, [person.id])


def recheck_after_area_change(by_user_id: int | None, what: str) -> list[int]:
    """After areas were added or changed: every young person placed anywhere may be affected."""
    return recheck(what, by_user_id)


def recheck_authority(user: SignedInUser) -> list[int]:
    """Re-check every current placement of the user's authority's young people, on request."""
    if user.role not in RECHECK_ROLES:
        raise Forbidden(user.role)
    return recheck("re-check asked for from the relocation review page", user.id, authority_code=user.authority_code)


def _require_casework(user: SignedInUser) -> None:
    if user.role not in CASEWORK_ROLES:
        raise Forbidden(user.role)


@dataclass(frozen=True)
class ReviewRow:
    id: int
    young_person: str
    placement: str
    reasons: list[str]
    trigger: str
    opened_at: datetime
    assigned_to: str | None
    yours: bool
    status: str
    closed_by: str | None
    closed_at: datetime | None


def _row(review: RelocationReview, user: SignedInUser) -> ReviewRow:
    return ReviewRow(
        review.id,
        review.young_person.reference,
        review.placement.label,
        [r["detail"] for r in review.reasons],
        review.trigger,
        review.opened_at,
        review.assigned_to.name if review.assigned_to else None,
        review.assigned_to_id == user.id,
        review.status,
        review.closed_by.name if review.closed_by else None,
        review.closed_at,
    )


@dataclass(frozen=True)
class ReviewList:
    open: list[ReviewRow]
    closed: list[ReviewRow]


def list_reviews(user: SignedInUser) -> ReviewList:
    """The authority's reviews: open ones (the user's own first), then the recently closed."""
    _require_casework(user)
    opened = [_row(r, user) for r in repository.list_reviews(user.authority_code, ("open",))]
    opened.sort(key=lambda r: (not r.yours, -r.opened_at.timestamp()))
    closed = [_row(r, user) for r in repository.list_reviews(user.authority_code, ("kept", "moving", "superseded"))]
    return ReviewList(opened, closed[:50])


def open_for_tasks(user: SignedInUser) -> list[ReviewRow]:
    """Open reviews for the tasks page, without auditing each child (the list names references only)."""
    return list_reviews(user).open


@dataclass(frozen=True)
class ReviewView:
    row: ReviewRow
    placement_code: str
    decision_reference: str | None
    decision_id: int | None
    alternatives: list[dict[str, Any]]
    outcome: str | None
    outcome_note: str | None


def _review_for(user: SignedInUser, review_id: int) -> RelocationReview:
    _require_casework(user)
    review = repository.get_review(review_id)
    if review is None or review.authority_code != user.authority_code:
        raise NotFound(str(review_id))
    return review


def get_review(user: SignedInUser, review_id: int) -> ReviewView:
    """One review, with the view of the child's record audited."""
    review = _review_for(user, review_id)
    audit.record(user.id, "view", "young_person", review.young_person.reference, f"relocation review {review.id}")
    db.commit()
    decision = review.decision
    return ReviewView(
        _row(review, user),
        review.placement.code,
        decision.referral.reference if decision else None,
        decision.id if decision else None,
        list(review.alternatives),
        OUTCOMES.get(review.status),
        review.outcome_note,
    )


def close_review(user: SignedInUser, review_id: int, outcome: str, note: str) -> None:
    """Record what the social worker decided, and why. The review is then closed; nothing else changes."""
    if user.role not in CLOSE_ROLES:
        raise Forbidden(user.role)
    review = _review_for(user, review_id)
    fields: dict[str, str] = {}
    if review.status != "open":
        fields["outcome"] = "This review is already closed"
    elif outcome not in OUTCOMES:
        fields["outcome"] = "Select what you decided"
    note = note.strip()
    if not note:
        fields["note"] = "Enter why: what you weighed up and what changes for the young person"
    elif len(note) > 4000:
        fields["note"] = "The reason must be 4,000 characters or fewer"
    if fields:
        raise InvalidInput(list(fields.values()), fields)
    review.status = outcome
    review.closed_by_id = user.id
    review.closed_at = datetime.now()
    review.outcome_note = note
    audit.record(user.id, "relocation_review_closed", "young_person", review.young_person.reference, outcome)
    db.commit()
