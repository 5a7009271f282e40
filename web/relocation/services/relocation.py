"""Relocation review: re-checking where children live when the intelligence changes.

When an area is added or changed, or a young person's groups or risk locations
change, the current placement of every young person it could affect is checked again
against the hard rules that intelligence drives (near a linked area, near a personal
risk location, inside a high-severity area). A placement that now breaks one opens a
review: the reasons, a ranked set of alternatives from the engine, and a task for the
child's social worker. Nothing moves a child: a person reads the review and records
what they decided and why.

An area change re-checks only the placements within the policy's largest hard buffer of
where the changed areas are or were (`planner.nearby`): nothing farther can have changed. It
opens a review only where the changed areas alone break a rule: a placement that another,
unchanged area already ruled out was unsafe before, and the change did not make it so.
Each review keeps the intelligence behind its reasons (each area's rule-relevant content,
the child's linked groups, each risk location's place), so a review a person closed is not
opened again for the same, unchanged intelligence; only a change to it reopens the question.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from planner import load_policy, rank
from planner.case import SETTINGS
from planner.case import Area as CaseArea
from planner.case import Referral as CaseReferral
from planner.measures import measure
from planner.nearby import Shape, edge_km, edge_km_each, near, polygon_parts, reach_km
from web import db
from web.accounts.services.accounts import CASEWORK_ROLES, SignedInUser
from web.casework.repositories import young_people as young_people_repository
from web.jobs.services import jobs
from web.matching.repositories import placements as placement_repository
from web.matching.services.batch_case import BuiltCase, audit_shared, build_case
from web.models import Area, Placement, Referral, ReferralExclusion, RelocationReview, YoungPerson
from web.relocation.repositories import relocation as repository
from web.shared.repositories import authorities
from web.shared.services import audit, signals
from web.shared.services.errors import Forbidden, InvalidInput, NotFound

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
    # The latest referral's secure accommodation order and fostering-limit exemption, so the
    # alternatives offered are lawful for this young person too.
    secure_basis: str | None = None
    secure_start: date | None = None
    secure_end: date | None = None
    fostering_exemption: bool = False


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
        secure_basis=latest.secure_basis if latest else None,
        secure_start=latest.secure_start if latest else None,
        secure_end=latest.secure_end if latest else None,
        fostering_exemption=bool(latest.fostering_exemption) if latest else False,
    )


@dataclass(frozen=True)
class Recheck:
    """What one re-check did."""

    checked: int  # current placements looked at
    opened: list[int]  # ids of the reviews it opened
    not_reopened: int  # placements a person had already reviewed for the same, unchanged intelligence


def shape_of(area: Area) -> Shape:
    """Where a stored area is, as `planner.nearby` measures it."""
    return Shape(area.lat, area.lon, area.radius_km, polygon_parts(area.polygon))


def area_fingerprint(area: CaseArea) -> str:
    """The version of what an area says to the hard rules: where it is, how severe, whose.

    Its source, confidence and review date are left out: re-confirming an area, or moving
    its review date, is not new intelligence about the placement.
    """
    content = [area.lat, area.lon, area.radius_km, area.polygon, area.severity, sorted(area.groups)]
    return hashlib.sha256(json.dumps(content, default=list).encode()).hexdigest()[:16]


def _within(areas: Sequence[CaseArea], placement: Placement, km: float) -> list[CaseArea]:
    """The areas whose edge is less than `km` from the placement, measured as the engine does."""
    shapes = [Shape(a.lat, a.lon, a.radius_km, a.polygon) for a in areas]
    edges = edge_km_each(shapes, placement.lat, placement.lon)
    return [a for a, edge in zip(areas, edges.tolist(), strict=True) if edge < km]


def _intelligence(
    built: BuiltCase, question: CaseReferral, person: YoungPerson, placement: Placement, codes: Sequence[str]
) -> dict[str, Any]:
    """The intelligence behind the reasons, each item with its version (see `RelocationReview.intelligence`)."""
    policy = built.policy
    areas: dict[str, str] = {}
    groups: list[str] = []
    rules: dict[str, list[str]] = {}  # each area rule broken, and the areas that break it
    if "near_linked_area" in codes:
        measured = measure(built.world, question)
        groups = sorted(measured.linked_groups)
        for area in _within(measured.linked_areas, placement, policy.min_km_from_linked_areas):
            areas[area.id] = area_fingerprint(area)
            rules.setdefault("near_linked_area", []).append(area.id)
    if "in_high_severity_area" in codes:
        for area in _within(built.world.high.areas, placement, policy.min_km_from_high_severity_areas):
            areas[area.id] = area_fingerprint(area)
            rules.setdefault("in_high_severity_area", []).append(area.id)
    risks: dict[str, str] = {}
    if "near_risk_location" in codes:
        for place in person.risk_locations:
            shape = Shape(place.lat, place.lon, place.radius_km)
            if float(edge_km([shape], [placement.lat], [placement.lon])[0]) < policy.min_km_from_linked_areas:
                risks[str(place.id)] = f"{place.lat},{place.lon},{place.radius_km}"
    return {
        "areas": dict(sorted(areas.items())),
        "rules": {rule: sorted(set(found)) for rule, found in sorted(rules.items())},
        "groups": groups,
        "risk_locations": dict(sorted(risks.items())),
    }


def _caused_by(intelligence: Mapping[str, Any], changed: frozenset[str]) -> bool:
    """Whether the changed areas alone break one of the area rules here.

    A placement some other, unchanged area already ruled out was unsafe before the change;
    the change did not make it so, and the re-check on the relocation page finds it.
    """
    return any(found and set(found) <= changed for found in intelligence.get("rules", {}).values())


def _closed_for_the_same(earlier: RelocationReview, codes: list[str], intelligence: Mapping[str, Any]) -> bool:
    """Whether a person already closed a review of these reasons on this same intelligence."""
    if sorted({r["code"] for r in earlier.reasons}) != codes:
        return False
    if earlier.intelligence:
        return dict(earlier.intelligence) == dict(intelligence)
    # Closed before reviews kept their intelligence: the same unless an area behind the
    # reasons changed, or a risk location was added, after the review was closed.
    closed = earlier.closed_at or earlier.opened_at
    changed = repository.area_versions(list(intelligence.get("areas", {})))
    if any(at > closed for at in changed.values()):
        return False
    added = {str(r.id): r.created_at for r in earlier.young_person.risk_locations}
    return not any(added.get(key, closed) > closed for key in intelligence.get("risk_locations", {}))


def recheck(
    trigger: str,
    by_user_id: int | None,
    young_person_ids: Collection[int] | None = None,
    authority_code: str | None = None,
    as_of: date | None = None,
) -> list[int]:
    """Re-check the current placements of the young people given (all when None).

    Opens a review for each placement that now breaks an intelligence rule, unless an
    open review already says the same, or a person closed one on the same intelligence;
    returns the ids of the reviews opened. Commits.
    """
    return _recheck(trigger, by_user_id, repository.housed(young_person_ids, authority_code), as_of).opened


def _recheck(
    trigger: str,
    by_user_id: int | None,
    pairs: list[tuple[YoungPerson, Placement]],
    as_of: date | None = None,
    behind: frozenset[str] | None = None,
) -> Recheck:
    """Re-check `pairs`; with `behind`, open reviews only where those areas alone break an area rule.

    Each placing authority's children are judged on what that authority may use (its own
    intelligence and what is shared with it), so the re-check runs once per authority.
    """
    if not pairs:
        return Recheck(0, [], 0)
    by_authority: dict[str, list[tuple[YoungPerson, Placement]]] = {}
    for person, placement in pairs:
        by_authority.setdefault(person.responsible_authority_code, []).append((person, placement))
    opened: list[int] = []
    not_reopened = 0
    for authority in sorted(by_authority):
        done = _recheck_for_authority(trigger, by_user_id, by_authority[authority], as_of, behind)
        opened += done.opened
        not_reopened += done.not_reopened
    return Recheck(len(pairs), opened, not_reopened)


def _recheck_for_authority(
    trigger: str,
    by_user_id: int | None,
    pairs: list[tuple[YoungPerson, Placement]],
    as_of: date | None,
    behind: frozenset[str] | None,
) -> Recheck:
    stand_ins = [_stand_in(person, placement) for person, placement in pairs]
    try:
        built = build_case(
            stand_ins, as_of or date.today(), batch=True, keep_placements={p.code for _person, p in pairs}
        )
    except InvalidInput as error:
        # The change that set this off is saved already; a stored record the engine cannot
        # read must not undo it. The failure is audited (counts only) for an administrator,
        # and the re-check can be run again from the relocation review page once it is fixed.
        audit.record(
            by_user_id, "relocation_recheck_failed", "relocation", "stored records", f"{len(error.problems)} problems"
        )
        db.commit()
        return Recheck(len(pairs), [], 0)
    # The re-check read what other owners share for intelligence and placement finding.
    audit_shared(built, by_user_id, "relocation", trigger[:120])
    labels = {p["id"]: p for p in built.document["placements"]}
    opened = []
    not_reopened = 0
    for (person, placement), question in zip(pairs, built.parsed.referrals, strict=True):
        ranking = rank(built.world, question, built.policy)
        # Words only this placement's exclusions, not the whole pool's.
        reasons = [
            {"code": r.code, "detail": r.detail}
            for r in ranking.exclusions.of(placement.code)
            if r.code in INTELLIGENCE_RULES
        ]
        if not reasons:
            continue
        codes = sorted({r["code"] for r in reasons})
        earlier = repository.open_reviews_of(person.id, placement.id)
        if any(sorted({r["code"] for r in e.reasons}) == codes for e in earlier):
            continue  # already under review for the same reasons
        intelligence = _intelligence(built, question, person, placement, codes)
        if behind is not None and not _caused_by(intelligence, behind):
            continue  # already broken by other, unchanged intelligence: not what this change did
        closed = repository.closed_reviews_of(person.id, placement.id)
        if any(_closed_for_the_same(c, codes, intelligence) for c in closed):
            # A person weighed exactly this up and closed it: respect that until it changes.
            not_reopened += 1
            continue
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
            intelligence=intelligence,
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
    return Recheck(len(pairs), opened, not_reopened)


def recheck_young_person(user: SignedInUser, person: YoungPerson, what: str) -> list[int]:
    """After a change to one young person's groups or risk locations."""
    return recheck(f"{what} changed", user.id, [person.id])


@signals.young_person_intelligence_changed.connect
def _on_intelligence_changed(user: SignedInUser, *, person: YoungPerson, what: str) -> None:
    # Casework announces the change (it sits below this group and cannot call it).
    recheck_young_person(user, person, what)


def recheck_near_areas(
    by_user_id: int | None,
    what: str,
    shapes: Sequence[Shape],
    area_codes: Collection[str],
    as_of: date | None = None,
) -> Recheck:
    """After areas were added, changed or removed: re-check the placements near where they are or were.

    `shapes` are the changed areas' places, before and after the change, and `area_codes`
    their codes. Only current placements within the policy's largest hard buffer of one of
    the places are checked (the rest cannot have been affected), and a review opens only
    where these areas alone break an area rule: a placement that some other, unchanged area
    already ruled out was unsafe before the change, and is not this change's business (the
    re-check from the relocation review page finds it). No shapes: nothing is checked.
    """
    if not shapes:
        return Recheck(0, [], 0)
    pairs = repository.housed()
    if not pairs:
        return Recheck(0, [], 0)
    close = near(shapes, [p.lat for _, p in pairs], [p.lon for _, p in pairs], reach_km(load_policy()))
    nearby = [pair for pair, yes in zip(pairs, close.tolist(), strict=True) if yes]
    return _recheck(what, by_user_id, nearby, as_of, frozenset(area_codes))


@dataclass(frozen=True)
class OpenedReview:
    """A review a change opened, for the page that made the change."""

    id: int
    young_person: str
    placement: str
    reasons: list[str]


@dataclass(frozen=True)
class Opened:
    """The reviews a change opened: those of the user's authority by name, others by count only."""

    yours: list[OpenedReview]
    elsewhere: dict[str, int]  # authority name -> reviews opened there
    not_reopened: int
    checked: int

    @property
    def count(self) -> int:
        return len(self.yours) + sum(self.elsewhere.values())

    def sentence(self) -> str:
        """What the re-check did, in one or two sentences for a message or the command line."""
        if self.checked == 0:
            return (
                "No child's placement is near an area whose place, severity or groups changed, "
                "so none needed re-checking."
            )
        checked = f"{self.checked:,} current placement{'s' if self.checked != 1 else ''}"
        if self.count == 0:
            text = f"Re-checked {checked} near the areas that changed: no relocation review opened."
        else:
            named = [f"{r.young_person} at {r.placement}" for r in self.yours]
            named += [f"{n} in {name}" for name, n in self.elsewhere.items()]
            reviews = f"{self.count} relocation review{'s' if self.count != 1 else ''}"
            text = f"Re-checked {checked} near the areas that changed: opened {reviews} ({'; '.join(named)})."
        if self.not_reopened:
            text += (
                f" {self.not_reopened} review{'s' if self.not_reopened != 1 else ''} closed on the same, "
                "unchanged intelligence left closed."
            )
        return text


def opened_for(authority_code: str | None, result: Recheck) -> Opened:
    """What a re-check opened, as the changing user may see it.

    Another authority's children are not the importer's to read about, so their
    reviews are counted by authority, never named.
    """
    yours: list[OpenedReview] = []
    elsewhere: dict[str, int] = {}
    for review in repository.reviews_by_id(result.opened):
        if review.authority_code == authority_code:
            yours.append(
                OpenedReview(
                    review.id,
                    review.young_person.reference,
                    review.placement.label,
                    [r["detail"] for r in review.reasons],
                )
            )
        else:
            authority = authorities.get_authority(review.authority_code)
            name = authority.name if authority is not None else review.authority_code
            elsewhere[name] = elsewhere.get(name, 0) + 1
    return Opened(yours, dict(sorted(elsewhere.items())), result.not_reopened, result.checked)


def recheck_authority(user: SignedInUser) -> list[int]:
    """Re-check every current placement of the user's authority's young people, on request."""
    if user.role not in RECHECK_ROLES:
        raise Forbidden(user.role)
    return recheck("re-check asked for from the relocation review page", user.id, authority_code=user.authority_code)


def start_recheck_authority(user: SignedInUser) -> int:
    """Queue the re-check of every current placement (it grows with the authority); the job's id."""
    if user.role not in RECHECK_ROLES:
        raise Forbidden(user.role)
    return jobs.start(user, "relocation_recheck", {})


@jobs.handler(
    "relocation_recheck",
    "Re-check every current placement",
    result_page=lambda job_id, _result: ("relocation.index", {"recheck_job": job_id}),
)
def recheck_job(user: SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
    """The re-check as a job: the reviews it opens are on the relocation page; the job keeps their count."""
    progress(10, "Re-checking every current placement against the intelligence held")
    opened = recheck_authority(user)
    if opened:
        summary = f"Re-checked every current placement: {len(opened)} new review(s) opened."
    else:
        summary = "Re-checked every current placement: no new review was needed."
    return jobs.Outcome(result={"opened": len(opened), "summary": summary}, summary=summary)


def recheck_summary(user: SignedInUser, job_id: int) -> str:
    """What a finished re-check job of the user's found, in words (NotFound for anyone else's)."""
    return str(jobs.result(user, job_id, "relocation_recheck").get("summary", ""))


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
        _as_now(review.alternatives),
        OUTCOMES.get(review.status),
        review.outcome_note,
    )


def _as_now(alternatives: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored alternatives against the places free now: one taken since the review opened is
    marked `no_longer_free` and moved after those still free (each keeps its order otherwise)."""
    free = placement_repository.free_places({a["placement_id"] for a in alternatives})
    marked = [
        {**a, "free_now": free[a["placement_id"]], "no_longer_free": free[a["placement_id"]] < 1} for a in alternatives
    ]
    return sorted(marked, key=lambda a: a["no_longer_free"])


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
