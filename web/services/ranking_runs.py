"""Running the engine for a referral and keeping the record of what it recommended.

The prepared world (placements and areas indexed) is kept in memory until the
stored placements, areas or groups change, or the day does, so a ranking only
measures what is particular to its referral.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import planner
from planner import CaseError, load_policy, parse_case, prepare_world, rank
from planner.world import World
from web import db
from web.models import RankingRun
from web.repositories import intelligence, placements
from web.repositories import ranking_runs as run_repository
from web.services import audit
from web.services.accounts import SignedInUser
from web.services.case_builder import areas_part, groups_part, placements_part, referral_part
from web.services.errors import InvalidInput, NotFound
from web.services.referrals import get_for

_cache_lock = threading.Lock()
_cache: dict[str, World] = {}


def _world(case: Any, key: str) -> World:
    with _cache_lock:
        world = _cache.get(key)
        if world is None:
            world = prepare_world(
                case.placements, case.areas, case.groups, case.as_of, load_policy().use_expired_intelligence
            )
            _cache.clear()  # one world at a time: the current one
            _cache[key] = world
        return world


def run_ranking(user: SignedInUser, reference: str, as_of: date | None = None) -> int:
    """Rank the referral's options, store the run, audit it; returns the run id."""
    referral = get_for(user, reference)
    as_of = as_of or date.today()
    policy = load_policy()
    use_expired = policy.use_expired_intelligence
    pool = placements.list_live_placements()
    referral_groups = {link.group.code for person in referral.young_people for link in person.group_links}
    groups, group_warnings = groups_part(
        intelligence.list_groups(), intelligence.list_rivalries(), as_of, use_expired, referral_groups
    )
    world_parts = {
        "groups": groups,
        "areas": areas_part(intelligence.list_areas()),
        "placements": placements_part(pool),
    }
    referral_json, referral_warnings = referral_part(referral, {p.code for p in pool}, as_of, use_expired)
    case = {"format": "placement-case/1", "as_of": as_of.isoformat(), "referral": referral_json, **world_parts}
    try:
        parsed = parse_case(case, require="rank")
    except CaseError as error:
        raise InvalidInput(error.problems) from None
    assert parsed.referral is not None
    world_key = hashlib.sha256(
        (json.dumps(world_parts, sort_keys=True) + as_of.isoformat() + str(use_expired)).encode()
    ).hexdigest()
    result = rank(_world(parsed, world_key), parsed.referral, policy).to_dict()
    case_text = json.dumps(case, sort_keys=True, separators=(",", ":"))
    run = RankingRun(
        referral_id=referral.id,
        requested_by_id=user.id,
        requested_at=datetime.now(),
        engine_version=planner.__version__,
        policy_version=result["policy"]["version"],
        case_sha256=hashlib.sha256(case_text.encode()).hexdigest(),
        case_json=case_text,
        result_json=json.dumps(result, separators=(",", ":")),
        warnings=group_warnings + referral_warnings,
        feasible=result["summary"]["feasible"],
    )
    run_repository.add_run(run)
    audit.record(user.id, "rank", "referral", referral.reference)
    db.commit()
    return run.id


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
    result = json.loads(run.result_json)
    placements = {p["id"]: p for p in json.loads(run.case_json)["placements"]} if full else {}
    warnings = list(run.warnings) + ([w["detail"] for w in result.get("warnings", [])] if full else [])
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
    referral = get_for(user, reference)
    run = run_repository.get_run(run_id)
    if run is None or run.referral_id != referral.id:
        raise NotFound(str(run_id))
    audit.record(user.id, "view", "ranking_run", f"{referral.reference}/{run.id}")
    db.commit()
    return _view(run, referral.reference, full=True)


def list_runs(user: SignedInUser, reference: str) -> list[RunView]:
    """The referral's runs, newest first, with their summaries."""
    referral = get_for(user, reference)
    return [_view(run, referral.reference, full=False) for run in run_repository.list_runs(referral.id)]
