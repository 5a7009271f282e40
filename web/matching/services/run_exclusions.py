"""A stored run's exclusions: kept as codes, worded when someone reads them (decision 0091).

A run stores its result with `excluded` as the engine's reason masks (`Ranking.to_dict(words=False)`):
for each reason code, one bit per placement of the run's case. The sentences are not stored:
at regional scale they were 4 MB of every run's 4.3 MB record. Whoever reads them (the
options page's few under each reason, a drill-down page, the map, the API's run document)
gets them from the run's exact case (its referral part and its world's snapshot, decision
0090) ranked again: the engine is deterministic, so the same case and policy give the same
sentences, and the rebuilt codes are checked against the stored ones before any is shown.

The first few placements under each reason are stored worded too (`WORDED_PER_CODE`): the
options page shows those, and so never ranks again. Runs stored before this keep their worded
`excluded` list, and are read as they are.
"""

from __future__ import annotations

import gc
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np

from planner import CaseError, parse_case, prepare_world, rank
from planner.case import Case
from planner.case_json import parse_referrals
from planner.policy import Policy
from planner.ranking import Ranking, reason_masks
from planner.world import World
from web.matching.services.batch_case import parse_world_parts, prepared_for_snapshot
from web.matching.services.stored_cases import stored_case, stored_placements, world_parts

Reasons = list[dict[str, str]]  # [{"code", "detail"}], as in the public document

# Placements under each reason stored worded with the run: the options page's few under each
# reason (`options.EXCLUDED_SHOWN`), so the page never needs the run ranked again.
WORDED_PER_CODE = 10


class StoredRunMismatch(RuntimeError):
    """The run's case, ranked again, does not exclude what the run stored: an internal error.

    Never shown as if it were the run's: a different engine or a damaged record would word
    reasons the run did not give.
    """


class RunRecord(Protocol):
    id: int
    case_sha256: str
    case_json: str
    world_sha256: str | None


def is_worded(result: dict[str, Any]) -> bool:
    """Whether the stored result keeps its exclusions worded (a run stored before decision 0091)."""
    return isinstance(result.get("excluded", []), list)


@dataclass(frozen=True)
class RunCodes:
    """The placements a run excluded, by reason code, each list in placement id order."""

    by_code: dict[str, list[str]]
    # Only for runs stored worded: each excluded placement's stored reasons.
    worded: dict[str, Reasons] | None
    # For runs stored as codes: the reasons worded so far, by placement (a run never changes,
    # and its options page and drill-down pages are read again and again).
    said: dict[str, Reasons] = field(default_factory=dict)


_lock = threading.Lock()
# Per run (id, case hash), as the options page's other caches: a run never changes.
_codes: OrderedDict[tuple[int, str], RunCodes] = OrderedDict()
_rankings: OrderedDict[tuple[int, str], Ranking] = OrderedDict()
_CODES_KEPT = 4
# Each ranking holds its referral's measures over the whole world (a few MB at regional scale).
_RANKINGS_KEPT = 2
# A world prepared from a snapshot that no cached world matched (an older version of the world).
_worlds: OrderedDict[tuple[str, date, bool], tuple[Case, World]] = OrderedDict()
_WORLDS_KEPT = 1


def _kept(cache: OrderedDict[Any, Any], key: Any, value: Any, most: int) -> None:
    with _lock:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > most:
            cache.popitem(last=False)


def _found(cache: OrderedDict[Any, Any], key: Any) -> Any:
    with _lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
        return found


def forget() -> None:
    """Drop every run's codes, words and ranking kept in this process (what another process,
    reading a run it did not make, starts without: for tests and benches)."""
    with _lock:
        _codes.clear()
        _rankings.clear()
        _worlds.clear()


def keep_ranking(run: RunRecord, ranking: Ranking) -> None:
    """Keep the ranking a run was just made from: its pages are read next, and need not rank again."""
    _kept(_rankings, (run.id, run.case_sha256), ranking, _RANKINGS_KEPT)


def run_codes(run: RunRecord, result: dict[str, Any]) -> RunCodes:
    """Which placements the run excluded for each reason, read from what it stored (no words)."""
    key = (run.id, run.case_sha256)
    found: RunCodes | None = _found(_codes, key)
    if found is not None:
        return found
    by_code: dict[str, list[str]] = {}
    said: dict[str, Reasons] = {}
    if is_worded(result):
        worded: dict[str, Reasons] | None = {}
        for e in result.get("excluded", []):
            worded[e["placement_id"]] = e["reasons"]  # type: ignore[index]
            for r in e["reasons"]:
                by_code.setdefault(r["code"], []).append(e["placement_id"])
    else:
        worded = None
        said = {e["placement_id"]: e["reasons"] for e in result["excluded"].get("worded", [])}
        ids = list(stored_placements(run))
        # The case's placements in id order, sorted once: each code's list is then a selection.
        order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
        in_id_order = np.array(ids, dtype=object)[order]
        for code, mask in reason_masks(result["excluded"]).items():
            if len(mask) != len(ids):
                raise StoredRunMismatch(f"run {run.id}: its {code} mask does not cover its case's placements")
            by_code[code] = in_id_order[mask[order]].tolist()
    made = RunCodes(by_code, worded, said)
    _kept(_codes, key, made, _CODES_KEPT)
    return made


def excluded_ids(run: RunRecord, result: dict[str, Any], code: str) -> list[str]:
    """The placements the run excluded for `code`, in id order (empty if none)."""
    return run_codes(run, result).by_code.get(code, [])


def worded(run: RunRecord, result: dict[str, Any], placement_ids: list[str]) -> dict[str, Reasons]:
    """Each of `placement_ids` the run excluded, with every reason worded as the run gave it."""
    codes = run_codes(run, result)
    if codes.worded is not None:
        return {p: codes.worded[p] for p in placement_ids if p in codes.worded}
    unsaid = [p for p in placement_ids if p not in codes.said]
    if unsaid:
        found = _ranking(run, result).exclusions.of_many(unsaid)
        codes.said.update({p: [{"code": r.code, "detail": r.detail} for r in rs] for p, rs in found.items()})
    return {p: codes.said[p] for p in placement_ids if p in codes.said}


def worded_excluded(run: RunRecord, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The public document's `excluded`: every excluded placement by id, its reasons worded."""
    if is_worded(result):
        return list(result.get("excluded", []))
    return _ranking(run, result).worded_excluded()


def worded_result(run: RunRecord, result: dict[str, Any]) -> dict[str, Any]:
    """The run's `placement-ranking/1` document as the engine returned it, exclusions worded."""
    if is_worded(result):
        return result
    return {**result, "excluded": worded_excluded(run, result)}


def _policy(stored: dict[str, Any]) -> Policy:
    policy = Policy().with_overrides({k: v for k, v in stored.items() if k != "version"})
    if policy.version() != stored.get("version"):
        raise StoredRunMismatch("the run's policy does not read back to its version")
    return policy


def _ranking(run: RunRecord, result: dict[str, Any]) -> Ranking:
    """The run's case ranked again (or the ranking it was made from, if still kept), its codes checked."""
    key = (run.id, run.case_sha256)
    found: Ranking | None = _found(_rankings, key)
    if found is None:
        policy = _policy(result["policy"])
        world, case = _world_and_case(run, policy)
        if case.referral is None:
            raise StoredRunMismatch(f"run {run.id}: its case has no referral")
        found = rank(world, case.referral, policy)
        _check(run, result, found)
        _kept(_rankings, key, found, _RANKINGS_KEPT)
    return found


def _check(run: RunRecord, result: dict[str, Any], ranking: Ranking) -> None:
    stored = reason_masks(result["excluded"])
    rebuilt = ranking.exclusions.masks()
    same = stored.keys() == rebuilt.keys() and all(np.array_equal(stored[c], rebuilt[c]) for c in stored)
    if not same:
        raise StoredRunMismatch(f"run {run.id}: its case, ranked again, excludes other placements than it stored")


def _world_and_case(run: RunRecord, policy: Policy) -> tuple[World, Case]:
    """The run's world, prepared (the cached one when it is the run's snapshot), and its case parsed."""
    part: dict[str, Any] = json.loads(run.case_json)
    as_of = date.fromisoformat(part["as_of"])
    use_expired = policy.use_expired_intelligence
    try:
        if run.world_sha256 is None:
            # A run from before snapshots holds its whole case: parse and prepare it all.
            whole = parse_case(stored_case(run))
            return prepare_world(whole.placements, whole.areas, whole.groups, as_of, use_expired), whole
        prepared = prepared_for_snapshot(run.world_sha256, as_of, use_expired)
        if prepared is not None:
            case = parse_referrals(
                part, prepared.parsed, require="rank", group_ids=prepared.group_ids, placement_ids=prepared.live
            )
            return prepared.world, case
        world_case, world = _snapshot_world(run.world_sha256, as_of, use_expired)
        return world, parse_referrals(part, world_case, require="rank")
    except CaseError as error:
        # The case was valid when it ranked; not now means the engine's checks changed under it.
        raise StoredRunMismatch(f"run {run.id}: its stored case no longer reads: {error.problems[:3]}") from None


def _snapshot_world(sha256: str, as_of: date, use_expired: bool) -> tuple[Case, World]:
    """A world snapshot no cached world matches (an older version), validated and prepared once."""
    key = (sha256, as_of, use_expired)
    found: tuple[Case, World] | None = _found(_worlds, key)
    if found is None:
        parsed = parse_world_parts(world_parts(sha256), as_of)
        found = (parsed, prepare_world(parsed.placements, parsed.areas, parsed.groups, as_of, use_expired))
        _kept(_worlds, key, found, _WORLDS_KEPT)
        # Long-lived and acyclic, as a cached prepared world (see batch_case.prepared_world).
        gc.collect()
        gc.freeze()
    return found
