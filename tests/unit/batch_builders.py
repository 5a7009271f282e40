"""Builders and an independent oracle for batch allocation (`assign`) tests.

The oracle re-derives what an allocation may do from the case alone: each referral's
options come from `planner.rank_case` on that referral by itself (so the per-pair hard
rules are the ranking's, already tested rule by rule), and the rules across referrals
(vacancies shared, siblings in one placement, people kept apart, solo, the usual
fostering limit) are checked here without any of the allocation code.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import planner
from tests.unit.conftest import AS_OF, _build

URGENCY_POINTS = {"today": 3, "within_5_days": 2, "later": 1}


def batch(
    referrals: list[dict[str, Any]],
    placements: list[dict[str, Any]],
    areas: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A `placement-case/1` with `referrals` to assign, dated like the ranking tests."""
    return _build(
        {
            "format": "placement-case/1",
            "as_of": AS_OF,
            "policy": {"time_limit_seconds": 10, "workers": 1, **(policy or {})},
            "referrals": referrals,
            "groups": groups,
            "areas": areas,
            "placements": placements,
        },
        {},
    )


def assign(case: dict[str, Any]) -> dict[str, Any]:
    return planner.assign_case(case)


def placed(result: dict[str, Any]) -> dict[str, str]:
    """{referral id: placement id}."""
    return {a["referral_id"]: a["placement_id"] for a in result["assignments"]}


def reasons(result: dict[str, Any], referral_id: str) -> list[dict[str, Any]]:
    for u in result["unassigned"]:
        if u["referral_id"] == referral_id:
            return list(u["reasons"])
    return []


def options(case: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each referral's options {placement id: score}, from ranking it alone."""
    out: dict[str, dict[str, float]] = {}
    for ref in case["referrals"]:
        one = copy.deepcopy({k: v for k, v in case.items() if k != "referrals"})
        one["referral"] = ref
        one.setdefault("policy", {})["max_options"] = 10_000
        out[ref["id"]] = {o["placement_id"]: o["score"] for o in planner.rank_case(one)["options"]}
    return out


def breaches(case: dict[str, Any], allocation: dict[str, str], opts: dict[str, dict[str, float]]) -> list[str]:
    """Every rule `allocation` {referral id: placement id} breaks, worked out from the case."""
    problems = []
    refs = {r["id"]: r for r in case["referrals"]}
    places = {p["id"]: p for p in case["placements"]}
    owner = {yp["id"]: r["id"] for r in case["referrals"] for yp in r["young_people"]}
    at: dict[str, list[str]] = {}
    for rid, pid in allocation.items():
        if pid not in opts[rid]:
            problems.append(f"{rid} at {pid}: not one of its options")
        at.setdefault(pid, []).append(rid)
    for pid, rids in at.items():
        people = sum(len(refs[r]["young_people"]) for r in rids)
        if people > places[pid]["vacancies"]:
            problems.append(f"{pid}: {people} young people for {places[pid]['vacancies']} vacancies")
        if len(rids) > 1 and any(refs[r].get("solo") for r in rids):
            problems.append(f"{pid}: a solo referral shares")
        # Children of different referrals are not all siblings, and an exemption recorded on
        # one referral covers that referral alone: together they stay within the limit of three.
        place = places[pid]
        fostered = len(place.get("residents", [])) + people
        if len(rids) > 1 and place["setting"] == "foster" and not place.get("fostering_exemption") and fostered > 3:
            problems.append(f"{pid}: {fostered} children fostered, over the usual fostering limit")
        for a, b in itertools.combinations(rids, 2):
            for x, y in ((a, b), (b, a)):
                avoided = {owner.get(p) for yp in refs[x]["young_people"] for p in yp.get("avoid_people", [])}
                if y in avoided:
                    problems.append(f"{pid}: {x} and {y} must be kept apart")
    return problems


def value(case: dict[str, Any], allocation: dict[str, str], opts: dict[str, dict[str, float]]) -> tuple[int, int]:
    """(urgency points, score hundredths) of an allocation."""
    refs = {r["id"]: r for r in case["referrals"]}
    points = sum(URGENCY_POINTS[refs[r].get("needed_by", "later")] * len(refs[r]["young_people"]) for r in allocation)
    cents = sum(round(opts[r][p] * 100) for r, p in allocation.items())
    return points, cents


def brute_force(case: dict[str, Any], opts: dict[str, dict[str, float]]) -> tuple[int, int]:
    """The best (urgency points, score hundredths) over every allocation, by enumeration."""
    ids = [r["id"] for r in case["referrals"]]
    best = (0, 0)
    for choice in itertools.product(*[[None, *sorted(opts[r])] for r in ids]):
        allocation = {r: p for r, p in zip(ids, choice, strict=True) if p is not None}
        if not breaches(case, allocation, opts):
            best = max(best, value(case, allocation, opts))
    return best


def levels(result: dict[str, Any]) -> tuple[int, int]:
    lv = result["levels"]
    return lv["urgency_points"]["value"], round(lv["score"]["value"] * 100)
