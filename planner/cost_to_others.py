"""What a choice costs the others: one referral fixed to one option, against the free optimum.

`cost_to_others(world, referrals, policy, referral_id, placement_id)` solves the
batch twice: free (the best allocation of all the open referrals) and with the
referral fixed to the placement (the best allocation of the others around it). Each
other referral that loses its placement, or gets a worse one, is named, in words:
"taking this place leaves referral R-0042 (needed today) with no safe option".

Best allocations are seldom unique, so a referral could appear to move between two
equally good allocations for no reason. To show only what the choice forces, the
fixed solve is followed by a third step: among the allocations as good as the fixed
optimum (both levels held as constraints), the one that keeps the most referrals
where the free optimum put them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from planner.assign import Solution, allocation_model, solve_panel
from planner.case import Referral
from planner.explain import explain_no_option
from planner.panel import Panel, prepare_panel
from planner.policy import Policy
from planner.wording import listing
from planner.world import World


@dataclass(frozen=True)
class Effect:
    """What the choice does to one referral."""

    referral_id: str
    needed_by: str
    change: str  # loses_placement | worse_option | better_option | moved | gains_placement
    before: tuple[str, float] | None  # (placement id, score) in the free optimum
    after: tuple[str, float] | None  # ... with the choice made
    detail: str

    def to_dict(self) -> dict[str, Any]:
        def side(value: tuple[str, float] | None) -> dict[str, Any] | None:
            return None if value is None else {"placement_id": value[0], "score": value[1]}

        return {
            "referral_id": self.referral_id,
            "needed_by": self.needed_by,
            "change": self.change,
            "before": side(self.before),
            "after": side(self.after),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class CostToOthers:
    referral_id: str
    placement_id: str
    option: bool  # the placement is one of the referral's options
    free_status: str | None
    fixed_status: str | None
    free_objective: float | None
    fixed_objective: float | None
    urgency_points_lost: int | None
    score_lost: float | None
    own: tuple[str, float] | None  # where the free optimum puts the referral itself
    effects: tuple[Effect, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "referral_id": self.referral_id,
            "placement_id": self.placement_id,
            "option": self.option,
            "free": {"status": self.free_status, "objective": self.free_objective},
            "fixed": {"status": self.fixed_status, "objective": self.fixed_objective},
            "urgency_points_lost": self.urgency_points_lost,
            "score_lost": self.score_lost,
            "free_placement": None if self.own is None else {"placement_id": self.own[0], "score": self.own[1]},
            "effects": [e.to_dict() for e in self.effects],
            "summary": self.summary,
        }


def cost_to_others(
    world: World, referrals: tuple[Referral, ...], policy: Policy, referral_id: str, placement_id: str
) -> CostToOthers:
    """The batch optimum with `referral_id` fixed to `placement_id`, against the free optimum.

    Each of the two solves has the policy's time limit. Raises KeyError for an
    unknown referral or placement id.
    """
    return costs_to_others(world, referrals, policy, referral_id, (placement_id,))[0]


def costs_to_others(
    world: World, referrals: tuple[Referral, ...], policy: Policy, referral_id: str, placement_ids: Sequence[str]
) -> list[CostToOthers]:
    """`cost_to_others` for several options of one referral, in order.

    The panel is prepared and the free optimum solved once for all of them (on a large
    batch the free solve is most of the time), then one fixed solve per option.
    """
    panel = prepare_panel(world, referrals, policy)
    r = panel.referral_index(referral_id)
    free: Solution | None = None
    out = []
    for placement_id in placement_ids:
        i = world.index_of[placement_id]
        k = panel.pair_index(r, i)
        if k is None:
            why = explain_no_option(world, panel.referrals[r], policy)
            out.append(CostToOthers(
                referral_id, placement_id, False, None, None, None, None, None, None, None, (),
                f"{placement_id} is not an option for referral {referral_id}: a hard rule excludes it. "
                + (why.summary() if not why.feasible else "Choose one of its options."),
            ))  # fmt: skip
            continue
        if free is None:
            free = solve_panel(panel, policy)
        rest = panel.with_placed(r, k)
        fixed = solve_panel(rest, policy)
        before = _placements(panel, free.chosen)
        after = _placements(rest, fixed.chosen)
        if fixed.status == "optimal" and fixed.value is not None:
            after = _closest(rest, fixed, before, policy)
        after[r] = i
        out.append(_compare(panel, r, k, free, fixed, before, after))
    return out


def _placements(panel: Panel, chosen: dict[int, int]) -> dict[int, int]:
    return {r: int(panel.pair_placement[k]) for r, k in chosen.items()}


def _closest(rest: Panel, fixed: Solution, before: dict[int, int], policy: Policy) -> dict[int, int]:
    """Among allocations of `rest` as good as `fixed`, one keeping most referrals where `before` has them."""
    started = time.perf_counter()
    needed = fixed.needed if fixed.needed is not None else np.ones(len(rest.pair_referral), dtype=bool)
    needed = needed.copy()
    needed[list(fixed.chosen.values())] = True
    pairs = np.flatnonzero(needed)
    model, x = allocation_model(rest, pairs, tighten=True)
    assert fixed.value is not None
    weight = rest.level_weight
    points = rest.points[rest.pair_referral[pairs]].tolist()
    model.add(cp_model.LinearExpr.weighted_sum(x, points) >= fixed.value // weight)
    model.add(cp_model.LinearExpr.weighted_sum(x, rest.pair_cents[pairs].tolist()) >= fixed.value % weight)
    same = [
        x[j]
        for j, k in enumerate(pairs.tolist())
        if before.get(int(rest.pair_referral[k])) == int(rest.pair_placement[k])
    ]
    model.maximize(cp_model.LinearExpr.sum(same))
    chosen = set(fixed.chosen.values())
    for j, k in enumerate(pairs.tolist()):
        model.add_hint(x[j], k in chosen)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, policy.time_limit_seconds - (time.perf_counter() - started))
    solver.parameters.num_workers = policy.workers or os.cpu_count() or 1
    solver.parameters.cp_model_presolve = False
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _placements(rest, fixed.chosen)
    return {
        int(rest.pair_referral[k]): int(rest.pair_placement[k])
        for j, k in enumerate(pairs.tolist())
        if solver.boolean_value(x[j])
    }


def _compare(
    panel: Panel,
    r: int,
    k: int,
    free: Solution,
    fixed: Solution,
    before: dict[int, int],
    after: dict[int, int],
) -> CostToOthers:
    world = panel.world
    i = int(panel.pair_placement[k])

    def option(s: int, placement: int | None) -> tuple[str, float] | None:
        if placement is None:
            return None
        pair = panel.pair_index(s, placement)
        assert pair is not None
        return world.placements[placement].id, float(panel.pair_score[pair])

    effects: list[Effect] = []
    for s in range(len(panel.referrals)):
        if s == r or before.get(s) == after.get(s):
            continue
        was, now = option(s, before.get(s)), option(s, after.get(s))
        who = panel.describe(s)
        if was is not None and now is None:
            change, detail = (
                "loses_placement",
                f"leaves {who} with no safe option (it had {was[0]}, score {was[1]:.2f})",
            )
        elif was is None and now is not None:
            change, detail = "gains_placement", f"places {who} at {now[0]} (score {now[1]:.2f})"
        else:
            assert was is not None and now is not None
            change = "worse_option" if now[1] < was[1] else "better_option" if now[1] > was[1] else "moved"
            detail = f"moves {who} from {was[0]} (score {was[1]:.2f}) to {now[0]} (score {now[1]:.2f})"
        effects.append(Effect(panel.referrals[s].id, panel.referrals[s].needed_by, change, was, now, detail))
    order = {"loses_placement": 0, "worse_option": 1, "moved": 2, "better_option": 3, "gains_placement": 4}
    effects.sort(key=lambda e: (order[e.change], -_urgency_rank(e.needed_by), e.referral_id))

    free_value = free.value
    fixed_value = None if fixed.value is None else fixed.value + int(panel.pair_value[k])
    weight = panel.level_weight
    points_lost = score_lost = None
    if free_value is not None and fixed_value is not None:
        points_lost = free_value // weight - fixed_value // weight
        score_lost = round((free_value % weight - fixed_value % weight) / 100, 2)
    own = option(r, before.get(r))
    summary = _summary(panel, r, i, effects, own, points_lost)
    if free.status != "optimal" or fixed.status != "optimal":
        summary += " (Not proven optimal within the time limit: read it as a good estimate.)"
    return CostToOthers(
        referral_id=panel.referrals[r].id,
        placement_id=world.placements[i].id,
        option=True,
        free_status=free.status,
        fixed_status=fixed.status,
        free_objective=None if free_value is None else round(free_value / 100, 2),
        fixed_objective=None if fixed_value is None else round(fixed_value / 100, 2),
        urgency_points_lost=points_lost,
        score_lost=score_lost,
        own=own,
        effects=tuple(effects),
        summary=summary,
    )


def _urgency_rank(needed_by: str) -> int:
    return {"today": 3, "within_5_days": 2, "later": 1}[needed_by]


def _summary(
    panel: Panel, r: int, i: int, effects: list[Effect], own: tuple[str, float] | None, points_lost: int | None
) -> str:
    place = panel.world.placements[i].id
    harmful = [e for e in effects if e.change in ("loses_placement", "worse_option")]
    if own is not None and own[0] == place and not effects:
        return (
            f"{place} is where the best allocation of the whole batch puts this referral: it costs the others nothing."
        )
    if not harmful:
        return f"Taking {place} costs the other referrals nothing: none loses its placement or gets a worse one."
    text = "Taking this place " + listing([e.detail for e in harmful[:5]])
    if len(harmful) > 5:
        text += f", and affects {len(harmful) - 5} more referrals"
    text += "."
    if points_lost:
        text += f" The batch places {points_lost} fewer urgency-weighted young people."
    return text[0].upper() + text[1:]


__all__ = ["CostToOthers", "Effect", "cost_to_others", "costs_to_others"]
