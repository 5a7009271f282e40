"""A placement panel: allocate many open referrals at once, and take a proposal forward.

Ranking one referral at a time lets the first take the only place a more urgent child
could not do without. The panel allocates the referrals it is given together (the
engine's `assign`: urgency-weighted young people placed first, then score), and keeps
the run as a record, like a ranking run. Accepting a proposed match never decides
anything: it stores a fresh ranking of that referral and opens the decision form on the
proposed option, which still needs its care plan and approvals.

A referral with a live decision (awaiting approval, or agreed) already holds its place:
the places were taken when the decision was recorded. The panel leaves it out, and says
which place it holds, rather than proposing a second placement that would use up a
vacancy another child needs. A stored run is shown against the places free now: a
proposal whose place has gone since is marked "no longer free" and listed after the
proposals that can still be taken forward.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

import planner
from planner.assign import assign
from planner.match_detail import option_for
from planner.panel import URGENCY_WORDS
from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import referrals as referral_repository
from web.casework.services.referrals import get_for
from web.jobs.services import jobs
from web.matching.repositories import panels as panel_repository
from web.matching.repositories import placements as placement_repository
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services import decisions
from web.matching.services.batch_case import audit_shared, build_case
from web.matching.services.ranking_runs import exclusion_reasons, run_ranking
from web.matching.services.stored_cases import store_world, stored_placements
from web.models import Decision, PanelRun, Referral
from web.shared.services import audit
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

PANEL_ROLES = ("placement_officer", "social_worker", "nominated_officer", "director", "admin")
ACCEPT_ROLES = ("placement_officer", "social_worker")
MAX_REFERRALS = 500

STATUS_WORDS = {
    "optimal": "the best allocation, proven",
    "feasible": "a good allocation, not proven best in the time allowed",
    "unknown": "no allocation found in the time allowed",
    "infeasible": "no allocation is possible",
}


def require_panel(user: SignedInUser) -> None:
    if user.role not in PANEL_ROLES:
        raise Forbidden(user.role)


@dataclass(frozen=True)
class OpenReferral:
    reference: str
    needed_by: str
    urgency: str
    young_people: int
    created_at: datetime


@dataclass(frozen=True)
class HeldReferral:
    """An open referral whose live decision already holds its place: left out of a panel."""

    reference: str
    needed_by: str
    young_people: int
    placement_code: str
    decision_id: int
    words: str  # "holds P-0338, awaiting the nominated officer"


def _held(reference: str, needed_by: str, young_people: int, decision: Decision) -> HeldReferral:
    return HeldReferral(
        reference, needed_by, young_people, decision.placement.code, decision.id, decisions.holding_words(decision)
    )


def open_referrals(user: SignedInUser) -> list[OpenReferral]:
    """The open referrals of the user's authority that a panel can take, most urgent first.

    Those holding a place by a live decision are not among them (see `holding_referrals`).
    """
    require_panel(user)
    live = decisions.live_decisions(user.authority_code)
    return [
        OpenReferral(r.reference, r.needed_by, URGENCY_WORDS[r.needed_by], len(r.young_people), r.created_at)
        for r in referral_repository.list_referrals(user.authority_code, "open")
        if r.reference not in live
    ]


def holding_referrals(user: SignedInUser) -> list[HeldReferral]:
    """Open referrals of the user's authority whose live decision holds a place, by reference."""
    require_panel(user)
    live = decisions.live_decisions(user.authority_code)
    return [_held(reference, d.referral.needed_by, d.places, d) for reference, d in sorted(live.items())]


def _chosen_referrals(user: SignedInUser, references: list[str]) -> list[Referral]:
    """The open referrals chosen for a panel, less those holding a place; a bad choice is `InvalidInput`."""
    require_panel(user)
    chosen = sorted(set(references))
    if not chosen:
        raise InvalidInput(["Choose at least one open referral"], {"referrals": "Choose at least one open referral"})
    if len(chosen) > MAX_REFERRALS:
        message = f"Choose at most {MAX_REFERRALS} referrals for one panel"
        raise InvalidInput([message], {"referrals": message})
    referrals = []
    for reference in chosen:
        try:
            referral = get_for(user, reference)
        except NotFound:
            message = f"Referral {reference} is not one of your authority's referrals"
            raise InvalidInput([message], {"referrals": message}) from None
        if referral.status != "open":
            message = f"Referral {reference} is {referral.status}, not open"
            raise InvalidInput([message], {"referrals": message})
        referrals.append(referral)
    live = decisions.live_decisions(user.authority_code)
    if all(r.reference in live for r in referrals):
        message = "Every referral chosen already holds a place: " + "; ".join(
            f"{r.reference} {decisions.holding_words(live[r.reference])}" for r in referrals
        )
        raise InvalidInput([message], {"referrals": message})
    referrals = [r for r in referrals if r.reference not in live]
    return referrals


def run_panel(user: SignedInUser, references: list[str], as_of: date | None = None) -> int:
    """Allocate the chosen open referrals together, store the run and audit it; returns its id.

    A chosen referral holding a place by a live decision is left out. The run lists every
    open referral of the authority left out so, chosen or not: the page does not offer
    them, and the run page says which place each holds.
    """
    referrals = _chosen_referrals(user, references)
    held = holding_referrals(user)
    built = build_case(referrals, as_of or date.today(), batch=True)
    assignment = assign(built.world, built.parsed.referrals, built.policy)
    result = assignment.to_dict()
    by_id = {r.id: r for r in built.parsed.referrals}
    details: dict[str, Any] = {}
    for match in assignment.matches:
        option = option_for(built.world, by_id[match.referral_id], built.policy, match.placement_id)
        if option is not None:
            details[match.referral_id] = {
                "own_rank": option.rank,
                "reasons": list(option.reasons),
                "facts": option.facts,
                "components": option.components,
            }
    result["match_details"] = details
    # Left out because each already holds a place; in words as they stood when the panel ran.
    result["held"] = [
        {
            "referral_id": h.reference,
            "needed_by": h.needed_by,
            "young_people": h.young_people,
            "placement_id": h.placement_code,
            "decision_id": h.decision_id,
            "detail": h.words,
        }
        for h in held
    ]
    case_json, world_sha256 = store_world(built)
    run = PanelRun(
        authority_code=user.authority_code,
        requested_by_id=user.id,
        requested_at=datetime.now(),
        engine_version=planner.__version__,
        policy_version=result["policy"]["version"],
        referral_refs=[r.reference for r in referrals],
        case_sha256=built.sha256,
        # As a ranking run: the referrals here, the world in a snapshot stored once.
        case_json=case_json,
        world_sha256=world_sha256,
        result_json=json.dumps(result, separators=(",", ":")),
        status=assignment.status,
    )
    panel_repository.add_panel_run(run)
    audit.record(user.id, "allocate", "panel_run", str(run.id), f"{len(set(references))} referrals")
    audit_shared(built, user.id, "panel_run", str(run.id))
    db.commit()
    return run.id


@dataclass(frozen=True)
class ProposedMatch:
    reference: str
    needed_by: str
    young_people: int
    placement_code: str
    placement_label: str
    setting: str
    score: float
    own_rank: int | None
    reasons: list[str]
    miles_from_home: float | None
    in_area: bool | None
    approval: str | None
    still_open: bool
    held: str | None  # "holds P-0338, awaiting the nominated officer": a live decision since the run
    decision_id: int | None
    free_now: int  # places free at the placement now
    no_longer_free: bool  # fewer places free now than the referral's young people
    approval_rule: str | None = None  # which reg 11 rule gave the approval (a reg 11(4) exception, say)

    @property
    def may_take_forward(self) -> bool:
        return self.still_open and self.held is None and not self.no_longer_free


@dataclass(frozen=True)
class UnplacedReferral:
    reference: str
    needed_by: str
    young_people: int
    reasons: list[str]


@dataclass(frozen=True)
class PanelView:
    id: int
    requested_by: str
    requested_at: datetime
    engine_version: str
    policy_version: str
    status: str
    status_words: str
    gap: float | None
    solve_seconds: float
    urgency_points: int | None
    urgency_bound: int | None
    matches: list[ProposedMatch]
    unplaced: list[UnplacedReferral]
    held: list[HeldReferral]
    referrals: int
    placements: int


def _run_for(user: SignedInUser, run_id: int) -> PanelRun:
    require_panel(user)
    run = panel_repository.get_panel_run(run_id)
    if run is None or run.authority_code != user.authority_code:
        raise NotFound(str(run_id))
    return run


def _urgency_order(needed_by: str) -> int:
    return list(URGENCY_WORDS).index(needed_by)


def get_panel(user: SignedInUser, run_id: int) -> PanelView:
    """A stored panel run of the user's authority, as the page shows it; the view is audited."""
    run = _run_for(user, run_id)
    result = json.loads(run.result_json)
    referrals = {r["id"]: r for r in json.loads(run.case_json)["referrals"]}
    placements = stored_placements(run)
    open_now = {
        r.reference for r in referral_repository.list_referrals(user.authority_code, "open") if r.reference in referrals
    }
    live = decisions.live_decisions(user.authority_code)
    free = placement_repository.free_places({item["placement_id"] for item in result["assignments"]})
    matches = []
    for item in result["assignments"]:
        ref, code = item["referral_id"], item["placement_id"]
        detail = result.get("match_details", {}).get(ref, {})
        facts = detail.get("facts", {})
        km = facts.get("distance_from_home_km")
        decision = live.get(ref)
        size = len(referrals[ref]["young_people"])
        matches.append(
            ProposedMatch(
                ref,
                referrals[ref]["needed_by"],
                size,
                code,
                placements[code]["label"],
                placements[code]["setting"],
                item["score"],
                detail.get("own_rank"),
                detail.get("reasons", []),
                None if km is None else round(km / 1.609344, 1),
                facts.get("in_area"),
                facts.get("approval"),
                ref in open_now,
                None if decision is None else decisions.holding_words(decision),
                None if decision is None else decision.id,
                free[code],
                free[code] < size,
                facts.get("approval_rule"),
            )
        )
    unplaced = [
        UnplacedReferral(
            u["referral_id"],
            referrals[u["referral_id"]]["needed_by"],
            len(referrals[u["referral_id"]]["young_people"]),
            [reason["detail"] for reason in u["reasons"]],
        )
        for u in result["unassigned"]
    ]
    # What can still be taken forward first: a proposal overtaken since the run goes last.
    matches.sort(key=lambda m: (not m.may_take_forward, _urgency_order(m.needed_by), m.reference))
    held = []
    for item in result.get("held", []):
        # As it stands now while the decision is live; otherwise as it stood at the run.
        decision = live.get(item["referral_id"])
        words = decisions.holding_words(decision) if decision is not None else f"{item['detail']} when the panel ran"
        held.append(
            HeldReferral(
                item["referral_id"],
                item["needed_by"],
                item["young_people"],
                item["placement_id"],
                item["decision_id"],
                words,
            )
        )
    unplaced.sort(key=lambda u: (_urgency_order(u.needed_by), u.reference))
    levels = result["levels"]["urgency_points"]
    for ref in referrals:
        for person in referrals[ref]["young_people"]:
            audit.record(user.id, "view", "young_person", person["id"], f"panel run {run.id}")
    audit.record(user.id, "view", "panel_run", str(run.id))
    db.commit()
    return PanelView(
        run.id,
        run.requested_by.name,
        run.requested_at,
        run.engine_version,
        run.policy_version,
        result["status"],
        STATUS_WORDS.get(result["status"], result["status"]),
        result["gap"],
        result["solve_seconds"],
        levels["value"],
        levels["bound"],
        matches,
        unplaced,
        held,
        len(referrals),
        len(placements),
    )


@dataclass(frozen=True)
class PanelSummary:
    id: int
    requested_by: str
    requested_at: datetime
    referrals: int
    status_words: str


def list_panels(user: SignedInUser) -> list[PanelSummary]:
    require_panel(user)
    return [
        PanelSummary(
            r.id, r.requested_by.name, r.requested_at, len(r.referral_refs), STATUS_WORDS.get(r.status, r.status)
        )
        for r in panel_repository.list_panel_runs(user.authority_code)
    ]


class NoLongerAnOption(Conflict):
    """The proposal went stale; the fresh ranking that shows why is `ranking_run_id`."""

    def __init__(self, message: str, ranking_run_id: int):
        super().__init__(message)
        self.ranking_run_id = ranking_run_id


class AlreadyDecided(Conflict):
    """The referral has a live decision: it holds a place, and the proposal does not apply."""

    def __init__(self, message: str, decision_id: int):
        super().__init__(message)
        self.decision_id = decision_id


@dataclass(frozen=True)
class Accepted:
    reference: str
    ranking_run_id: int
    placement_code: str
    placement_label: str


def accept_match(user: SignedInUser, run_id: int, reference: str) -> Accepted:
    """Take a proposed match into the decision workflow: a fresh ranking that lists it.

    Nothing is decided: the social worker records the decision, care plan and
    approvals from the decision form, as for any option. A referral with a live
    decision is told so first (`AlreadyDecided`, naming the place it holds), before any
    ranking is run: the decision form would only refuse it. If the placement stopped
    being an option since the panel ran (its last place taken, new intelligence), the
    user is told why and nothing else changes.
    """
    if user.role not in ACCEPT_ROLES:
        raise Forbidden(user.role)
    run = _run_for(user, run_id)
    result = json.loads(run.result_json)
    match = next((m for m in result["assignments"] if m["referral_id"] == reference), None)
    if match is None:
        raise NotFound(reference)
    referral: Referral = get_for(user, reference)
    decision = decisions.live_decision(referral)
    if decision is not None:
        raise AlreadyDecided(
            f"{reference} already has a placement decision: it {decisions.holding_words(decision)}. "
            "The panel's proposal does not apply; the decision shows what it is waiting for.",
            decision.id,
        )
    if referral.status != "open":
        raise Conflict(f"Referral {reference} is {referral.status} now; the panel's proposal no longer applies.")
    code = match["placement_id"]
    ranking_id = run_ranking(user, reference, include=code)
    ranking = run_repository.get_run(ranking_id)
    assert ranking is not None
    fresh = json.loads(ranking.result_json)
    label = stored_placements(ranking).get(code, {}).get("label", code)
    if not any(o["placement_id"] == code for o in fresh["options"]):
        why = exclusion_reasons(ranking, code)
        words = " ".join(r["detail"] for r in why) or "it is no longer in the pool."
        raise NoLongerAnOption(
            f"{label} is no longer an option for {reference}: {words} These are its options now.", ranking_id
        )
    audit.record(user.id, "accept_panel_match", "referral", reference, f"panel run {run.id}, placement {code}")
    db.commit()
    return Accepted(reference, ranking_id, code, label)


# A panel of more referrals than this runs as a job (the request returns at once).
PANEL_JOB_SIZE = 40


@jobs.handler(
    "panel",
    "Placement panel",
    result_page=lambda _job_id, result: ("panel.show", {"run_id": result["panel_run_id"]}),
)
def panel_job(user: SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
    """A large panel as a job: the same allocation and stored run as `run_panel`."""
    progress(5, f"Allocating {len(params['references'])} referrals together")
    return jobs.Outcome(result={"panel_run_id": run_panel(user, list(params["references"]))})


def start_panel(user: SignedInUser, references: list[str]) -> int:
    """Check the choice (a problem is `InvalidInput`, nothing queued), then queue the panel; the job's id."""
    _chosen_referrals(user, references)
    return jobs.start(user, "panel", {"references": sorted(set(references))})


def runs_as_job(references: list[str]) -> bool:
    return len(set(references)) > int(current_app.config.get("PANEL_JOB_SIZE", PANEL_JOB_SIZE))
