"""A placement panel: allocate many open referrals at once, and take a proposal forward.

Ranking one referral at a time lets the first take the only place a more urgent child
could not do without. The panel allocates the referrals it is given together (the
engine's `assign`: urgency-weighted young people placed first, then score), and keeps
the run as a record, like a ranking run. Accepting a proposed match never decides
anything: it stores a fresh ranking of that referral and opens the decision form on the
proposed option, which still needs its care plan and approvals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import planner
from planner.assign import assign
from planner.match_detail import option_for
from planner.panel import URGENCY_WORDS
from web import db
from web.models import PanelRun, Referral
from web.repositories import panels as panel_repository
from web.repositories import ranking_runs as run_repository
from web.repositories import referrals as referral_repository
from web.services import audit
from web.services.accounts import SignedInUser
from web.services.batch_case import build_case
from web.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from web.services.ranking_runs import run_ranking
from web.services.referrals import get_for

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


def open_referrals(user: SignedInUser) -> list[OpenReferral]:
    """The open referrals of the user's authority, most urgent first: what a panel can take."""
    require_panel(user)
    return [
        OpenReferral(r.reference, r.needed_by, URGENCY_WORDS[r.needed_by], len(r.young_people), r.created_at)
        for r in referral_repository.list_referrals(user.authority_code, "open")
    ]


def run_panel(user: SignedInUser, references: list[str], as_of: date | None = None) -> int:
    """Allocate the chosen open referrals together, store the run and audit it; returns its id."""
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
    run = PanelRun(
        authority_code=user.authority_code,
        requested_by_id=user.id,
        requested_at=datetime.now(),
        engine_version=planner.__version__,
        policy_version=result["policy"]["version"],
        referral_refs=chosen,
        case_sha256=built.sha256,
        case_json=built.text,
        result_json=json.dumps(result, separators=(",", ":")),
        status=assignment.status,
    )
    panel_repository.add_panel_run(run)
    audit.record(user.id, "allocate", "panel_run", str(run.id), f"{len(chosen)} referrals")
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
    case = json.loads(run.case_json)
    referrals = {r["id"]: r for r in case["referrals"]}
    placements = {p["id"]: p for p in case["placements"]}
    open_now = {
        r.reference for r in referral_repository.list_referrals(user.authority_code, "open") if r.reference in referrals
    }
    matches = []
    for item in result["assignments"]:
        ref, code = item["referral_id"], item["placement_id"]
        detail = result.get("match_details", {}).get(ref, {})
        facts = detail.get("facts", {})
        km = facts.get("distance_from_home_km")
        matches.append(
            ProposedMatch(
                ref,
                referrals[ref]["needed_by"],
                len(referrals[ref]["young_people"]),
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
    matches.sort(key=lambda m: (_urgency_order(m.needed_by), m.reference))
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


@dataclass(frozen=True)
class Accepted:
    reference: str
    ranking_run_id: int
    placement_code: str
    placement_label: str


def accept_match(user: SignedInUser, run_id: int, reference: str) -> Accepted:
    """Take a proposed match into the decision workflow: a fresh ranking that lists it.

    Nothing is decided: the social worker records the decision, care plan and
    approvals from the decision form, as for any option. If the placement stopped
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
    if referral.status != "open":
        raise Conflict(f"Referral {reference} is {referral.status} now; the panel's proposal no longer applies.")
    code = match["placement_id"]
    ranking_id = run_ranking(user, reference, include=code)
    ranking = run_repository.get_run(ranking_id)
    assert ranking is not None
    fresh = json.loads(ranking.result_json)
    label = next((p["label"] for p in json.loads(ranking.case_json)["placements"] if p["id"] == code), code)
    if not any(o["placement_id"] == code for o in fresh["options"]):
        why: list[dict[str, str]] = next((e["reasons"] for e in fresh["excluded"] if e["placement_id"] == code), [])
        words = " ".join(r["detail"] for r in why) or "it is no longer in the pool."
        raise NoLongerAnOption(
            f"{label} is no longer an option for {reference}: {words} These are its options now.", ranking_id
        )
    audit.record(user.id, "accept_panel_match", "referral", reference, f"panel run {run.id}, placement {code}")
    db.commit()
    return Accepted(reference, ranking_id, code, label)
