"""Batch allocation against brute force, and properties on random batches.

Tiny batches (up to 5 referrals x 5 placements) are enumerated completely: the
engine's optimum must equal the best allocation found by trying every one. On every
random batch, each returned allocation must break no rule (the oracle in
`batch_builders`), never be worth less than the greedy baseline, and its bound must
be at least the brute-force optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.assign import FULL, PLAIN, solve_panel
from planner.greedy import greedy
from planner.linear_bound import MARGIN, linear_bound
from planner.panel import prepare_panel
from planner.relaxation import relax
from tests.unit.batch_builders import assign, batch, breaches, brute_force, levels, options, placed, value
from tests.unit.conftest import area, group, placement, referral, where, young_person

URGENCY = ("today", "within_5_days", "later")
SETTINGS = ("foster", "residential", "supported")


@st.composite
def tiny_batches(draw: st.DrawFn) -> dict[str, Any]:
    """1-5 referrals (some sibling groups, some solo, some to keep apart) against 1-5 placements."""
    n_ref = draw(st.integers(1, 5))
    n_pl = draw(st.integers(1, 5))
    residents = ["C-1", "C-2"]
    placements = []
    for i in range(n_pl):
        vacancies = draw(st.integers(0, 3))
        placements.append(
            placement(
                f"P-{i}",
                **where(draw(st.floats(-60, 60)), draw(st.floats(-60, 60))),
                setting=draw(st.sampled_from(SETTINGS)),
                vacancies=vacancies,
                capacity=vacancies + 1,
                residents=draw(st.lists(st.sampled_from(residents), max_size=2, unique=True)),
                fostering_exemption=draw(st.sampled_from([None, None, True])),
                age_min=draw(st.sampled_from([0, 10])),
                specialisms=draw(st.lists(st.sampled_from(["therapeutic", "remand"]), max_size=2, unique=True)),
                ofsted_rating=draw(st.sampled_from(["outstanding", "good", "requires_improvement", "inadequate"])),
            )
        )
    people_ids = [f"YP-{r}-{j}" for r in range(n_ref) for j in range(2)]
    referrals = []
    for r in range(n_ref):
        size = draw(st.sampled_from([1, 1, 1, 2]))
        people = [
            young_person(
                f"YP-{r}-{j}",
                age=draw(st.integers(8, 17)),
                groups=["G-1"] if draw(st.booleans()) and j == 0 else None,
                avoid_people=draw(st.lists(st.sampled_from(people_ids + residents), max_size=2, unique=True)) or None,
            )
            for j in range(size)
        ]
        referrals.append(
            referral(
                f"R-{r}",
                people=people,
                needed_by=draw(st.sampled_from(URGENCY)),
                solo=draw(st.booleans()) if size == 1 and draw(st.integers(0, 3)) == 0 else None,
                required_specialisms=["therapeutic"] if draw(st.integers(0, 4)) == 0 else None,
                fostering_exemption=draw(st.sampled_from([None, None, True])),
            )
        )
    # Young person ids that do not exist in the batch are fine in avoid_people (residents elsewhere).
    areas = [area("A-1", **where(draw(st.floats(-40, 40)), draw(st.floats(-40, 40))), groups=["G-1"])]
    return batch(referrals, placements, areas=areas, groups=[group("G-1")])


@settings(max_examples=40)
@given(tiny_batches())
def test_the_optimum_matches_brute_force(case):
    """On tiny batches the engine's optimum is the best of every allocation, both levels."""
    result = assign(case)
    opts = options(case)
    assert result["status"] == "optimal"
    assert levels(result) == brute_force(case, opts)
    assert levels(result) == value(case, placed(result), opts)
    assert result["gap"] == 0


@settings(max_examples=40)
@given(tiny_batches())
def test_every_allocation_keeps_every_rule_and_beats_greedy(case):
    """Every assignment is one of the referral's options, respects vacancies, siblings,
    people kept apart and solo; it is never worth less than the greedy baseline; the
    bound is an upper bound; every referral is either placed or given a reason."""
    result = assign(case)
    opts = options(case)
    allocation = placed(result)
    assert breaches(case, allocation, opts) == []
    for a in result["assignments"]:
        assert a["score"] == opts[a["referral_id"]][a["placement_id"]]
    parsed = planner.parse_case(case, require="assign")
    policy = planner.effective_policy(parsed)
    panel = prepare_panel(planner.world_for(parsed, policy), parsed.referrals, policy)
    points, cents = value(case, allocation, opts)
    assert points * panel.level_weight + cents >= panel.value(greedy(panel))
    assert result["bound"] >= result["objective"]
    ids = {r["id"] for r in case["referrals"]}
    assert set(allocation) | {u["referral_id"] for u in result["unassigned"]} == ids
    assert all(u["reasons"] for u in result["unassigned"])


def test_time_limited_runs_still_return_a_checked_allocation():
    """With a tiny time limit the answer is still an allocation that keeps every rule, with an honest bound."""
    referrals = [referral(f"R-{i}", people=[young_person(f"YP-{i}")], needed_by=URGENCY[i % 3]) for i in range(12)]
    placements = [placement(f"P-{i}", **where(0, 25 + 3 * i), vacancies=1 + i % 2, capacity=3) for i in range(8)]
    case = batch(referrals, placements, policy={"time_limit_seconds": 0.001})
    result = assign(case)
    assert result["status"] in ("optimal", "feasible")
    assert breaches(case, placed(result), options(case)) == []
    assert result["bound"] >= result["objective"]
    assert result["gap"] >= 0


@st.composite
def small_batches(draw: st.DrawFn) -> dict[str, Any]:
    """6-16 referrals, many of them sibling groups, solo or kept apart, against 3-8 placements.

    Too big to enumerate, small enough for a plain CP-SAT model of every pair to prove its
    optimum in well under a second. Sibling groups and solo referrals make the flow bound
    loose (it lets them share places), so the linear bound has more urgency points to
    explain away than any allocation places: the case where a mispriced bound once
    claimed an allocation optimal when a better one existed.
    """
    n_ref = draw(st.integers(6, 16))
    n_pl = draw(st.integers(3, 8))
    placements = []
    for i in range(n_pl):
        # Mostly single places: a sibling group then cannot be placed whole where the flow splits it.
        vacancies = draw(st.sampled_from([1, 1, 1, 2, 3]))
        placements.append(
            placement(
                f"P-{i}",
                **where(draw(st.floats(-20, 20)), draw(st.floats(-20, 20))),
                setting=draw(st.sampled_from(SETTINGS)),
                vacancies=vacancies,
                capacity=vacancies,
                fostering_exemption=True,
                ofsted_rating=draw(st.sampled_from(["outstanding", "good", "requires_improvement"])),
            )
        )
    referrals = []
    for r in range(n_ref):
        size = draw(st.sampled_from([1, 1, 2, 2, 3]))
        people = [
            young_person(
                f"YP-{r}-{j}",
                age=draw(st.integers(10, 17)),
                avoid_people=[f"YP-{r - 1}-0"] if j == 0 and r > 0 and draw(st.integers(0, 3)) == 0 else None,
            )
            for j in range(size)
        ]
        referrals.append(
            referral(
                f"R-{r}",
                people=people,
                needed_by=draw(st.sampled_from(URGENCY)),
                solo=True if size == 1 and draw(st.integers(0, 3)) == 0 else None,
            )
        )
    return batch(referrals, placements)


@settings(max_examples=60)
@given(small_batches())
def test_the_optimum_matches_a_plain_cp_sat_model_and_beats_greedy(case):
    """On small batches the engine's proven optimum is the plain CP-SAT model's (every pair,
    one folded objective, no bounds of ours) and never below greedy; its bound is honest."""
    parsed = planner.parse_case(case, require="assign")
    policy = planner.effective_policy(parsed)
    panel = prepare_panel(planner.world_for(parsed, policy), parsed.referrals, policy)
    engine = solve_panel(panel, policy, FULL)
    plain = solve_panel(panel, policy, PLAIN)
    assert plain.status == "optimal"
    assert engine.status == "optimal"
    assert engine.value == plain.value
    assert engine.value is not None and engine.value >= panel.value(greedy(panel))
    assert panel.breaches(engine.chosen) == []


@settings(max_examples=60)
@given(small_batches())
def test_the_linear_bound_and_every_pairs_forced_bound_hold_for_the_optimum(case):
    """The linear bound is at least the optimum, and so is each of the optimum's pairs' forced
    bound (value - loss), even where the flow promises more urgency points than any allocation."""
    parsed = planner.parse_case(case, require="assign")
    policy = planner.effective_policy(parsed)
    panel = prepare_panel(planner.world_for(parsed, policy), parsed.referrals, policy)
    plain = solve_panel(panel, policy, PLAIN)
    assert plain.status == "optimal" and plain.value is not None
    flow = relax(panel)
    everything = np.ones(len(panel.pair_referral), dtype=bool)
    tight = linear_bound(panel, everything, flow.bound // panel.level_weight)
    assert tight is not None
    assert tight.bound >= plain.value
    for k in plain.chosen.values():
        assert tight.value - tight.loss[k] + MARGIN >= plain.value
