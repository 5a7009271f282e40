"""Running the engine for a referral and keeping the record of what it recommended.

The case and its prepared world come from `batch_case`, which keeps the world in
memory, so a ranking only measures what is particular to its referral.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import planner
from planner import rank
from planner.balance import ESSENTIAL_FURTHER
from planner.match_detail import option_for
from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.services.referrals import get_for
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services import run_exclusions
from web.matching.services.batch_case import audit_shared, build_case
from web.matching.services.stored_cases import store_world, stored_placements
from web.models import RankingRun, Referral
from web.shared.services import audit
from web.shared.services.errors import NotFound


def run_ranking(user: SignedInUser, reference: str, as_of: date | None = None, include: str | None = None) -> int:
    """Rank the referral's options, store the run, audit it; returns the run id.

    `include` names a placement the run must list if it is an option at all, even
    below the policy's `max_options` (a panel's proposal taken into the decision
    workflow): the run then lists options down to that one, and says so in its policy.
    """
    return rank_referral(get_for(user, reference), user.id, as_of, include)


def rank_referral(
    referral: Referral, requested_by_id: int, as_of: date | None = None, include: str | None = None
) -> int:
    """`run_ranking` for a referral already checked: the run is the placing authority's.

    A co-operative's regional panel takes a proposal forward through here (decision 0082):
    the run is stored on the placing authority's referral, built from what that authority
    may use, so its own staff read it, record the decision and seek its approvals.
    """
    built = build_case([referral], as_of or date.today(), batch=False)
    assert built.parsed.referral is not None
    policy = built.policy
    if include is not None:
        wanted = option_for(built.world, built.parsed.referral, policy, include)
        if wanted is not None and wanted.rank > policy.max_options:
            policy = policy.with_overrides({"max_options": wanted.rank})
    ranking = rank(built.world, built.parsed.referral, policy)
    # The run keeps its referral and result, its exclusions as codes (worded when read,
    # `run_exclusions`); its world is a snapshot stored once per version.
    result = ranking.to_dict(words=False, worded_per_code=run_exclusions.WORDED_PER_CODE)
    case_json, world_sha256 = store_world(built)
    run = RankingRun(
        referral_id=referral.id,
        requested_by_id=requested_by_id,
        requested_at=datetime.now(),
        engine_version=planner.__version__,
        policy_version=result["policy"]["version"],
        case_sha256=built.sha256,
        case_json=case_json,
        world_sha256=world_sha256,
        result_json=json.dumps(result, separators=(",", ":")),
        summary=result["summary"],
        warnings=built.warnings,
        feasible=result["summary"]["feasible"],
    )
    run_repository.add_run(run)
    # The options page reads this run next: it finds the result here rather than parsing
    # megabytes back (the engine's to_dict is plain JSON types, so it reads back equal).
    _keep_result((run.id, run.case_sha256), result)
    run_exclusions.keep_ranking(run, ranking)
    audit.record(requested_by_id, "rank", "referral", referral.reference)
    audit_shared(built, requested_by_id, "referral", referral.reference)
    db.commit()
    return run.id


# Parsed results of the last two runs viewed, by id (a run is never edited): the options page,
# its drill-down pages and compare read the same run again and again, and a run stored before
# decision 0091 holds megabytes of worded exclusions. Read them, never change them. Only two:
# such a result is some 150,000 Python objects, and every full pass of the garbage collector
# walks all that are kept.
_RESULTS_KEPT = 2
_results_lock = threading.Lock()
_results: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()


def stored_result(run: RankingRun) -> dict[str, Any]:
    # With the case's hash in the key, run 7 of one database is never taken for run 7 of another.
    key = (run.id, run.case_sha256)
    with _results_lock:
        found = _results.get(key)
        if found is not None:
            _results.move_to_end(key)
            return found
    result: dict[str, Any] = json.loads(run.result_json)
    _keep_result(key, result)
    return result


def _keep_result(key: tuple[int, str], result: dict[str, Any]) -> None:
    with _results_lock:
        _results[key] = result
        _results.move_to_end(key)
        while len(_results) > _RESULTS_KEPT:
            _results.popitem(last=False)


@dataclass(frozen=True)
class RunView:
    id: int
    referral_reference: str
    requested_by: str
    requested_at: datetime
    engine_version: str
    policy_version: str
    result: dict[str, Any]
    placements: dict[str, dict[str, Any]]
    warnings: list[str]


def _view(run: RankingRun, reference: str, full: bool) -> RunView:
    if not full and run.summary is not None:
        # A list of runs reads each run's summary column, never its stored documents.
        return RunView(
            run.id,
            reference,
            run.requested_by.name,
            run.requested_at,
            run.engine_version,
            run.policy_version,
            {"summary": run.summary},
            {},
            list(run.warnings),
        )
    result = stored_result(run)
    placements = stored_placements(run) if full else {}
    # Only intelligence left out is listed here; the options page says the essential-person
    # warning on its own (options/_essential_warning.html), and the decision form asks about it.
    expired = [w["detail"] for w in result.get("warnings", []) if w["code"] != ESSENTIAL_FURTHER]
    warnings = list(run.warnings) + (expired if full else [])
    return RunView(
        run.id,
        reference,
        run.requested_by.name,
        run.requested_at,
        run.engine_version,
        run.policy_version,
        result if full else {"summary": result["summary"]},
        placements,
        warnings,
    )


def get_run(user: SignedInUser, reference: str, run_id: int) -> RunView:
    """A stored run of the user's own authority's referral, with the view audited."""
    return viewed_run(user, reference, run_id)[0]


def viewed_run(user: SignedInUser, reference: str, run_id: int) -> tuple[RunView, Referral, RankingRun]:
    """`get_run`, with the referral and the stored run it read: a page that shows more of
    them (the options page) uses these rather than reading them again."""
    referral = get_for(user, reference, records=False)
    run = run_repository.get_run(run_id)
    if run is None or run.referral_id != referral.id:
        raise NotFound(str(run_id))
    audit.record(user.id, "view", "ranking_run", f"{referral.reference}/{run.id}")
    db.commit()
    return _view(run, referral.reference, full=True), referral, run


def run_document(user: SignedInUser, reference: str, run_id: int) -> dict[str, Any]:
    """A stored run's `placement-ranking/1` document as the engine returned it, its exclusions
    worded (`run_exclusions`); the view is audited as `get_run`'s."""
    view = get_run(user, reference, run_id)
    run = run_repository.get_run(run_id)
    assert run is not None  # get_run found it
    return run_exclusions.worded_result(run, view.result)


def exclusion_reasons(run: RankingRun, placement_id: str) -> list[dict[str, str]]:
    """Why the run excluded one placement, worded ({"code", "detail"} each; empty if it did not)."""
    return run_exclusions.worded(run, stored_result(run), [placement_id]).get(placement_id, [])


def list_runs(user: SignedInUser, reference: str) -> list[RunView]:
    """The referral's runs, newest first, with their summaries."""
    referral = get_for(user, reference, records=False)
    return [_view(run, referral.reference, full=False) for run in run_repository.list_runs(referral.id)]
