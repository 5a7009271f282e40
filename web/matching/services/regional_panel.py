"""A co-operative's regional panel: the open referrals of its consenting members, allocated together.

A member consents by having a placement-finding agreement in force with the co-operative
(the access policy's `referral_needs` rule, shared with the co-operative only). The pool is
the co-operative's view: the placements its members share with it for placement finding.
One allocation over every member's referrals is what makes the cost to others regional: a
Bolton child's place is weighed against a Manchester child's need, not only Bolton's.

The co-operative officer sees each referral's needs (urgency, how many children, settings and
specialisms wanted), never the child's record, and every read is audited with the agreement
that allowed it. The officer decides nothing: taking a proposal forward stores a ranking run
on the placing authority's referral, built from what that authority may use, listing the
proposal; its own staff record the decision and seek its approvals (docs/decisions/0082).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import planner
from planner import rank
from planner.assign import assign
from planner.cost_to_others import costs_to_others
from planner.match_detail import option_for
from planner.panel import URGENCY_WORDS
from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import referrals as referral_repository
from web.jobs.services import jobs
from web.matching.repositories import panels as panel_repository
from web.matching.repositories import placements as placement_repository
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services import decisions
from web.matching.services.batch_case import audit_shared, build_case, qualified
from web.matching.services.panel import MAX_REFERRALS, STATUS_WORDS, AlreadyDecided, NoLongerAnOption, runs_as_job
from web.matching.services.ranking_runs import exclusion_reasons, rank_referral
from web.matching.services.stored_cases import stored_placements
from web.models import Referral, RegionalPanelRun
from web.models import RegionalProposal as SentProposal
from web.shared.repositories import agreements as agreement_repository
from web.shared.services import audit, sharing
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

OFFICER_ROLES = ("cooperative_officer",)
KIND = "referral_needs"


def require_officer(user: SignedInUser) -> sharing.Access:
    """The co-operative placement officer's access, or `Forbidden`."""
    if user.role not in OFFICER_ROLES:
        raise Forbidden(user.role)
    return sharing.for_user(user)


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    consents: bool
    words: str  # "placement-finding agreement 12 in force", or why not


def members(user: SignedInUser) -> list[Member]:
    """The co-operative's members, and whether each consents to the regional panel now."""
    access = require_officer(user)
    rows = agreement_repository.list_members(user.organisation_code)
    names = access.names(r.member_code for r in rows)
    found = []
    for row in rows:
        verdict = access.may_read(KIND, row.member_code)
        words = (
            f"placement-finding agreement {', '.join(str(i) for i in verdict.agreements)} in force"
            if verdict.allowed
            else "no placement-finding agreement in force with the co-operative"
        )
        found.append(Member(row.member_code, names.get(row.member_code, row.member_code), verdict.allowed, words))
    return sorted(found, key=lambda m: m.name)


@dataclass(frozen=True)
class NeedsSummary:
    """What a regional panel shows of an open referral: its needs, not the child's record."""

    id: str  # "E08000003/R-0001"
    authority_code: str
    authority_name: str
    reference: str
    needed_by: str
    urgency: str
    young_people: int
    settings: list[str]
    required_specialisms: list[str]


def _summary(referral: Referral, name: str) -> NeedsSummary:
    settings = [f"{k.replace('_', ' ')}: {v}" for k, v in sorted((referral.settings or {}).items())]
    return NeedsSummary(
        qualified(referral.authority_code, referral.reference),
        referral.authority_code,
        name,
        referral.reference,
        referral.needed_by,
        URGENCY_WORDS[referral.needed_by],
        len(referral.young_people),
        settings,
        sorted(referral.required_specialisms or []),
    )


def _urgency_order(needed_by: str) -> int:
    return list(URGENCY_WORDS).index(needed_by)


def _open_by_member(consenting: list[Member]) -> list[tuple[Member, Referral]]:
    """Open referrals of consenting members that hold no place yet (a live decision holds one)."""
    found = []
    for member in consenting:
        live = decisions.live_decisions(member.code)
        found += [
            (member, r) for r in referral_repository.list_referrals(member.code, "open") if r.reference not in live
        ]
    return found


def open_referrals(user: SignedInUser) -> list[NeedsSummary]:
    """Every consenting member's open referrals a panel can take, most urgent first; audited per member."""
    access = require_officer(user)
    consenting = [m for m in members(user) if m.consents]
    found = [_summary(r, m.name) for m, r in _open_by_member(consenting)]
    access.audit_shared(KIND, {s.authority_code for s in found}, "regional_panel", user.organisation_code)
    db.commit()
    return sorted(found, key=lambda s: (_urgency_order(s.needed_by), s.authority_name, s.reference))


def _split(item: str) -> tuple[str, str]:
    code, sep, reference = item.partition("/")
    if not sep or not code or not reference:
        message = f"{item} is not a regional referral id: give the authority's code, a slash and the reference"
        raise InvalidInput([message], {"referrals": message})
    return code, reference


def _chosen(user: SignedInUser, ids: list[str]) -> list[Referral]:
    """The open referrals chosen, each a consenting member's; a bad choice is `InvalidInput`."""
    require_officer(user)
    chosen = sorted(set(ids))
    if not chosen:
        raise InvalidInput(["Choose at least one open referral"], {"referrals": "Choose at least one open referral"})
    if len(chosen) > MAX_REFERRALS:
        message = f"Choose at most {MAX_REFERRALS} referrals for one panel"
        raise InvalidInput([message], {"referrals": message})
    consenting = {m.code for m in members(user) if m.consents}
    referrals = []
    for item in chosen:
        code, reference = _split(item)
        # The same words whether the authority does not consent or the referral does not
        # exist: a refusal must not reveal a non-consenting authority's references.
        referral = referral_repository.get_referral(code, reference) if code in consenting else None
        if referral is None:
            message = f"{item} is not an open referral of a member that consents to the regional panel"
            raise InvalidInput([message], {"referrals": message})
        if referral.status != "open":
            message = f"Referral {item} is {referral.status}, not open"
            raise InvalidInput([message], {"referrals": message})
        if decisions.live_decision(referral) is not None:
            message = f"Referral {item} already holds a place by its authority's decision"
            raise InvalidInput([message], {"referrals": message})
        referrals.append(referral)
    return referrals


def run_regional_panel(user: SignedInUser, ids: list[str], as_of: date | None = None) -> int:
    """Allocate the chosen referrals of consenting members together over the co-operative's pool.

    Stores the run with the agreements it relied on and audits each member's referrals read
    and each member's placements used, with their agreements; returns the run's id.
    """
    access = require_officer(user)
    referrals = _chosen(user, ids)
    built = build_case(
        referrals, as_of or date.today(), batch=True, authority_code=user.organisation_code, qualify=True
    )
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
            }
    result["match_details"] = details
    authorities = sorted({r.authority_code for r in referrals})
    relied = {code: list(access.may_read(KIND, code).agreements) for code in authorities}
    run = RegionalPanelRun(
        cooperative_code=user.organisation_code,
        requested_by_id=user.id,
        requested_at=datetime.now(),
        engine_version=planner.__version__,
        policy_version=result["policy"]["version"],
        members=authorities,
        referral_refs=[qualified(r.authority_code, r.reference) for r in referrals],
        agreements=relied,
        case_sha256=built.sha256,
        case_json=built.text,
        result_json=json.dumps(result, separators=(",", ":")),
        status=assignment.status,
    )
    panel_repository.add_regional_panel_run(run)
    audit.record(user.id, "allocate", "regional_panel_run", str(run.id), f"{len(referrals)} referrals")
    access.audit_shared(KIND, authorities, "regional_panel_run", str(run.id))
    audit_shared(built, user.id, "regional_panel_run", str(run.id))
    db.commit()
    return run.id


@dataclass(frozen=True)
class RegionalProposal:
    needs: NeedsSummary
    placement_code: str
    placement_label: str
    setting: str
    score: float
    own_rank: int | None
    reasons: list[str]
    miles_from_home: float | None
    still_open: bool
    held: bool  # a live decision of the placing authority since the run
    free_now: int
    no_longer_free: bool
    sent: bool = False  # already sent to the placing authority from this run

    @property
    def may_take_forward(self) -> bool:
        return self.still_open and not self.held and not self.no_longer_free and not self.sent


@dataclass(frozen=True)
class RegionalUnplaced:
    needs: NeedsSummary
    reasons: list[str]


@dataclass(frozen=True)
class RegionalPanelView:
    id: int
    cooperative: str
    requested_by: str
    requested_at: datetime
    status: str
    status_words: str
    matches: list[RegionalProposal]
    unplaced: list[RegionalUnplaced]
    withdrawn: list[str]  # members whose agreement is no longer in force: their referrals are not shown
    referrals: int
    placements: int


def _run_for(user: SignedInUser, run_id: int) -> tuple[RegionalPanelRun, sharing.Access]:
    access = require_officer(user)
    run = panel_repository.get_regional_panel_run(run_id)
    if run is None or not access.may_read("regional_panel_run", run.cooperative_code).allowed:
        raise NotFound(str(run_id))
    return run, access


def get_regional_panel(user: SignedInUser, run_id: int) -> RegionalPanelView:
    """A stored regional run as the officer sees it now; audited per member with its agreement.

    A member whose agreement has ended since the run is not shown at all (an ended agreement
    stops the sharing at once): the page names the member, nothing of its referrals.
    """
    run, access = _run_for(user, run_id)
    result = json.loads(run.result_json)
    case = json.loads(run.case_json)
    placements = {p["id"]: p for p in case["placements"]}
    names = access.names(run.members)
    shown = {code for code in run.members if access.may_read(KIND, code).allowed}
    withdrawn = sorted(names.get(code, code) for code in set(run.members) - shown)
    referrals: dict[str, Referral] = {}
    for item in run.referral_refs:
        code, reference = item.split("/", 1)
        if code in shown:
            found = referral_repository.get_referral(code, reference)
            if found is not None:
                referrals[item] = found
    needs = {item: _summary(r, names.get(r.authority_code, r.authority_code)) for item, r in referrals.items()}
    live = {code: decisions.live_decisions(code) for code in shown}
    free = placement_repository.free_places({a["placement_id"] for a in result["assignments"]})
    sent = panel_repository.sent_from_run(run.id)
    matches = []
    for item in result["assignments"]:
        ref, code = item["referral_id"], item["placement_id"]
        if ref not in needs:
            continue
        summary = needs[ref]
        detail = result.get("match_details", {}).get(ref, {})
        km = detail.get("facts", {}).get("distance_from_home_km")
        matches.append(
            RegionalProposal(
                summary,
                code,
                placements[code]["label"],
                placements[code]["setting"],
                item["score"],
                detail.get("own_rank"),
                detail.get("reasons", []),
                None if km is None else round(km / 1.609344, 1),
                referrals[ref].status == "open",
                summary.reference in live[summary.authority_code],
                free[code],
                free[code] < summary.young_people,
                referrals[ref].id in sent,
            )
        )
    matches.sort(key=lambda m: (not m.may_take_forward, _urgency_order(m.needs.needed_by), m.needs.id))
    unplaced = [
        RegionalUnplaced(needs[u["referral_id"]], [reason["detail"] for reason in u["reasons"]])
        for u in result["unassigned"]
        if u["referral_id"] in needs
    ]
    unplaced.sort(key=lambda u: (_urgency_order(u.needs.needed_by), u.needs.id))
    audit.record(user.id, "view", "regional_panel_run", str(run.id))
    access.audit_shared(KIND, shown, "regional_panel_run", str(run.id))
    db.commit()
    return RegionalPanelView(
        run.id,
        names.get(run.cooperative_code, run.cooperative_code),
        run.requested_by.name,
        run.requested_at,
        result["status"],
        STATUS_WORDS.get(result["status"], result["status"]),
        matches,
        unplaced,
        withdrawn,
        len(run.referral_refs),
        len(placements),
    )


@dataclass(frozen=True)
class RegionalSummary:
    id: int
    requested_by: str
    requested_at: datetime
    referrals: int
    members: int
    status_words: str


def list_regional_panels(user: SignedInUser) -> list[RegionalSummary]:
    require_officer(user)
    return [
        RegionalSummary(
            r.id,
            r.requested_by.name,
            r.requested_at,
            len(r.referral_refs),
            len(r.members),
            STATUS_WORDS.get(r.status, r.status),
        )
        for r in panel_repository.list_regional_panel_runs(user.organisation_code)
    ]


@dataclass(frozen=True)
class TakenForward:
    id: str
    authority_code: str
    authority_name: str
    reference: str
    ranking_run_id: int
    placement_code: str
    placement_label: str


def take_forward(user: SignedInUser, run_id: int, item: str) -> TakenForward:
    """Send a proposal to the placing authority: a ranking run on its referral that lists it.

    Decides nothing and takes no place: the placing authority's social worker records the
    decision, care plan and approvals from that run as for any option. Refused (nothing
    stored) when the member no longer consents, the referral is not open, holds a place by a
    live decision, or the placement is no longer an option for it by the authority's own
    ranking (`NoLongerAnOption`: that ranking, the authority's, is kept and says why).
    """
    run, access = _run_for(user, run_id)
    if item not in run.referral_refs:
        raise NotFound(item)
    code, reference = item.split("/", 1)
    verdict = access.may_read(KIND, code)
    if not verdict.allowed:
        raise Forbidden(verdict.reason)
    result = json.loads(run.result_json)
    match = next((m for m in result["assignments"] if m["referral_id"] == item), None)
    referral = referral_repository.get_referral(code, reference)
    if match is None or referral is None:
        raise NotFound(item)
    decision = decisions.live_decision(referral)
    if decision is not None:
        raise AlreadyDecided(
            f"{item} already has a placement decision of its authority: the proposal does not apply.", decision.id
        )
    if referral.status != "open":
        raise Conflict(f"Referral {item} is {referral.status} now; the panel's proposal no longer applies.")
    if referral.id in panel_repository.sent_from_run(run.id):
        raise Conflict(f"This panel's proposal for {item} has been sent already: it is in the authority's Tasks.")
    placement = match["placement_id"]
    ranking_id = rank_referral(referral, user.id, include=placement)
    ranking = run_repository.get_run(ranking_id)
    assert ranking is not None
    fresh = json.loads(ranking.result_json)
    label = stored_placements(ranking).get(placement, {}).get("label", placement)
    if not any(o["placement_id"] == placement for o in fresh["options"]):
        why = exclusion_reasons(ranking, placement)
        words = " ".join(r["detail"] for r in why) or "it is not in the authority's pool."
        raise NoLongerAnOption(f"{label} is not an option for {item} by its authority's ranking: {words}", ranking_id)
    panel_repository.add_regional_proposal(
        SentProposal(
            run_id=run.id,
            authority_code=code,
            referral_id=referral.id,
            ranking_run_id=ranking_id,
            placement_code=placement,
            sent_by_id=user.id,
            sent_at=datetime.now(),
        )
    )
    detail = f"regional panel run {run.id}, placement {placement}, agreement {','.join(map(str, verdict.agreements))}"
    audit.record(user.id, "take_forward_regional_match", "referral", item, detail)
    db.commit()
    return TakenForward(item, code, access.names([code]).get(code, code), reference, ranking_id, placement, label)


@dataclass(frozen=True)
class ProposalTask:
    """A regional proposal waiting for the placing authority's decision, as its Tasks show it."""

    reference: str
    ranking_run_id: int
    placement_code: str
    placement_label: str
    cooperative: str
    sent_by: str
    sent_at: datetime


def proposals_for(user: SignedInUser) -> list[ProposalTask]:
    """Proposals sent to the user's authority on open referrals with no live decision yet."""
    access = sharing.for_user(user)
    if not access.may_read("regional_proposal", user.authority_code).allowed:
        return []
    live = decisions.live_decisions(user.authority_code)
    found = []
    seen: set[int] = set()
    for p in panel_repository.open_regional_proposals(user.authority_code):
        # The newest proposal for a referral stands for it: an older one is overtaken.
        if p.referral.reference in live or p.referral_id in seen:
            continue
        seen.add(p.referral_id)
        ranking = run_repository.get_run(p.ranking_run_id)
        labels = {code: q["label"] for code, q in stored_placements(ranking).items()} if ranking else {}
        names = access.names([p.run.cooperative_code])
        found.append(
            ProposalTask(
                p.referral.reference,
                p.ranking_run_id,
                p.placement_code,
                labels.get(p.placement_code, p.placement_code),
                names.get(p.run.cooperative_code, p.run.cooperative_code),
                p.sent_by.name,
                p.sent_at,
            )
        )
    return found


TOP_OPTIONS = 3


@dataclass(frozen=True)
class RegionalOptionCost:
    rank: int
    placement_code: str
    label: str
    summary: str  # in words, naming the other referrals (authority/reference) it affects
    effects: list[dict[str, Any]]
    proposed: bool  # the panel's proposal for this referral


@dataclass(frozen=True)
class RegionalCostView:
    run_id: int
    needs: NeedsSummary
    others: int
    members: int
    options: list[RegionalOptionCost]


def regional_cost(user: SignedInUser, run_id: int, item: str, as_of: date | None = None) -> RegionalCostView:
    """What each of a referral's top options would cost the other referrals of the region.

    The batch is the run's referrals still open, holding no place and of members consenting
    now, so the cost to others spans every member, not the placing authority alone. Worked
    out from the records as they are now; audited per member like the run.
    """
    run, access = _run_for(user, run_id)
    if item not in run.referral_refs:
        raise NotFound(item)
    consenting = {code for code in run.members if access.may_read(KIND, code).allowed}
    if item.split("/", 1)[0] not in consenting:
        raise Forbidden("the placing authority no longer consents to the regional panel")
    batch: list[Referral] = []
    for ref in run.referral_refs:
        code, reference = ref.split("/", 1)
        found = referral_repository.get_referral(code, reference) if code in consenting else None
        if found is not None and found.status == "open" and decisions.live_decision(found) is None:
            batch.append(found)
    mine = next((r for r in batch if qualified(r.authority_code, r.reference) == item), None)
    if mine is None:
        raise Conflict(f"Referral {item} is no longer open without a place: its choice affects no one now.")
    batch = [mine] + [r for r in batch if r is not mine]
    built = build_case(batch, as_of or date.today(), batch=True, authority_code=user.organisation_code, qualify=True)
    parsed = next(r for r in built.parsed.referrals if r.id == item)
    ranked = rank(built.world, parsed, built.policy).to_dict()
    top = ranked["options"][:TOP_OPTIONS]
    labels = {p["id"]: p["label"] for p in built.document["placements"]}
    proposal = next(
        (a["placement_id"] for a in json.loads(run.result_json)["assignments"] if a["referral_id"] == item), None
    )
    costs = costs_to_others(built.world, built.parsed.referrals, built.policy, item, [o["placement_id"] for o in top])
    options = [
        RegionalOptionCost(
            option["rank"],
            option["placement_id"],
            labels.get(option["placement_id"], option["placement_id"]),
            cost.summary,
            [e.to_dict() for e in cost.effects],
            option["placement_id"] == proposal,
        )
        for option, cost in zip(top, costs, strict=True)
    ]
    names = access.names([mine.authority_code])
    audit.record(user.id, "view", "regional_cost_to_others", f"{run.id}/{item}", f"{len(batch) - 1} other referrals")
    access.audit_shared(KIND, {r.authority_code for r in batch}, "regional_cost_to_others", f"{run.id}/{item}")
    audit_shared(built, user.id, "regional_cost_to_others", f"{run.id}/{item}")
    db.commit()
    return RegionalCostView(
        run.id,
        _summary(mine, names.get(mine.authority_code, mine.authority_code)),
        len(batch) - 1,
        len({r.authority_code for r in batch}),
        options,
    )


@jobs.handler(
    "regional_panel",
    "Regional panel",
    result_page=lambda _job_id, result: ("regional_panel.show", {"run_id": result["regional_panel_run_id"]}),
)
def regional_panel_job(user: SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
    """A large regional panel as a job: the same checks, allocation and stored run as `run_regional_panel`.

    The checks run again when the job runs: an agreement may have ended while it waited.
    """
    progress(5, f"Allocating {len(params['referrals'])} referrals of the region together")
    return jobs.Outcome(result={"regional_panel_run_id": run_regional_panel(user, list(params["referrals"]))})


def start_regional_panel(user: SignedInUser, ids: list[str]) -> int:
    """Check the choice (a problem is `InvalidInput`, nothing queued), then queue the panel; the job's id."""
    _chosen(user, ids)
    return jobs.start(user, "regional_panel", {"referrals": sorted(set(ids))})


def large(ids: list[str]) -> bool:
    """More referrals than a panel allocates in the request (PANEL_JOB_SIZE): run it as a job."""
    return runs_as_job(ids)
