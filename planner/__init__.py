"""The placement engine: a case in, a ranking (or an assignment) out.

Pure: nothing here imports Flask, SQLAlchemy or the web package, so the engine
runs the same from the command line, the API, a batch job or a notebook.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from planner.assign import Assignment, assign
from planner.case import Case, Referral
from planner.case_json import CaseError, PostcodeLookup, parse_case, validate_case
from planner.policy import Policy, load_policy
from planner.ranking import Ranking, rank
from planner.world import World, prepare_world

__version__ = "0.1.0"

__all__ = [
    "Assignment",
    "Case",
    "CaseError",
    "Policy",
    "Ranking",
    "Referral",
    "World",
    "__version__",
    "assign",
    "assign_case",
    "effective_policy",
    "load_policy",
    "parse_case",
    "prepare_world",
    "rank",
    "rank_case",
    "validate_case",
]


def effective_policy(case: Case, base: Policy | None = None) -> Policy:
    """The default policy (or `base`) with the case's overrides applied."""
    return (base or load_policy()).with_overrides(case.policy)


def world_for(case: Case, policy: Policy) -> World:
    return prepare_world(
        case.placements, case.areas, case.groups, case.as_of or date.today(), policy.use_expired_intelligence
    )


def rank_case(case: dict[str, Any], postcodes: PostcodeLookup | None = None) -> dict[str, Any]:
    """Rank the case's referral: exactly what `python -m planner rank` prints.

    Raises `CaseError` (with one line per problem) when the case is invalid.
    """
    parsed = parse_case(case, require="rank", postcodes=postcodes)
    assert parsed.referral is not None
    policy = effective_policy(parsed)
    return rank(world_for(parsed, policy), parsed.referral, policy).to_dict()


def assign_case(case: dict[str, Any], postcodes: PostcodeLookup | None = None) -> dict[str, Any]:
    """Allocate the case's referrals: exactly what `python -m planner assign` prints.

    Raises `CaseError` (with one line per problem) when the case is invalid.
    """
    parsed = parse_case(case, require="assign", postcodes=postcodes)
    policy = effective_policy(parsed)
    return assign(world_for(parsed, policy), parsed.referrals, policy).to_dict()
