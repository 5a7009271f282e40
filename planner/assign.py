"""Batch allocation: a placement panel's referrals against one pool, solved with CP-SAT.

`assign(world, referrals, policy)` returns the `placement-assignment/1` result of
CASE-FORMAT.md. The steps, each a module:

1. `planner.panel`: every referral checked and scored against every placement as a
   ranking does; what passes every hard rule is a candidate pair.
2. `planner.greedy`: the greedy baseline (most urgent first, best score), always.
3. `planner.relaxation`: the cheap bound (a min-cost flow without siblings-together,
   people kept apart or solo) and an allocation made from its flow.
4. `planner.linear_bound`: a tighter linear bound (placements a pair fills on its own),
   an allocation rounded from it, and the pairs that no allocation as good as the best
   so far can use, which are left out of the exact model (reduced-cost fixing).
5. CP-SAT over the remaining pairs, started from the best allocation so far (a hint),
   within what is left of the policy's time limit.

The objective folds the contract's two levels into one whole number (see
`planner.panel`): `objective = U * (100 * referrals + 1) + S`, where U is the
urgency-weighted number of young people placed and S the sum of the chosen options'
reported scores. `bound` bounds the same number, `status` is `optimal` only when the
allocation's value equals a proven bound (both levels proven). Decision 0006 explains
the choices.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from planner.case import Referral
from planner.explain import more_vacancies, no_option_reason, placement_words
from planner.greedy import Allocation, Occupancy, from_relaxation, greedy, rounded
from planner.linear_bound import LinearBound, linear_bound
from planner.panel import URGENCY_POINTS, Panel, prepare_panel
from planner.policy import Policy
from planner.relaxation import Relaxation, relax
from planner.wording import listing
from planner.world import World

ASSIGNMENT_FORMAT = "placement-assignment/1"
IntArray = NDArray[np.int64]

# Pairs the linear bound starts from: those the flow prices within this many score
# hundredths of its optimum (plus those it uses and the incumbent's).
_LP_START_LOSS = 100
# Share of the time left that the linear bound may take before CP-SAT starts.
_LP_TIME_SHARE = 0.35
# The first exact model: pairs the linear bound prices within this many score hundredths
# of its optimum; widened fourfold while it proves too narrow. It may take this share of
# the time left before everything needed is modelled. Now that the bound holds whatever
# the urgency points (see `planner.linear_bound`), every pair of an optimum has a loss
# within the bound's gap, which on the benchmark's batches is under a point (56 hundredths
# for seed 1): a core of one point is then the only model. Units of CP-SAT deterministic
# time on the 2,000 batch (one worker), seed 1 / seed 2: a core of 100, one model, 0.78 /
# 0.31; of 50, 0.67 + 0.13 / -; of 25, 0.37 + 0.18 / 0.10 + 0.69 (a second model of 8,015
# pairs). Before: 200, stopped 100 short of its bound, then every needed pair.
_CORE_LOSS = 100.0
_CORE_TIME_SHARE = 0.4
# A core may stop this close (score hundredths) to its own bound. Proved to the end, its
# optimum prunes the next model hardest, which then only has to prove it.
_CORE_GAP = 0.0
# Referrals named in a sentence before "and N more".
_NAMED = 5


@dataclass(frozen=True)
class Method:
    """Which accelerations the solve uses; all on for `assign`. The benchmark's plain
    CP-SAT model turns them all off: every candidate pair, no hint, no bounds of ours."""

    bound: bool = True  # the flow bound (and its allocation)
    warm_start: bool = True  # hint CP-SAT with the best quick allocation
    tighten: bool = True  # the linear bound, reduced-cost fixing, exclusivity constraints


FULL = Method()
PLAIN = Method(bound=False, warm_start=False, tighten=False)


@dataclass(frozen=True)
class Solution:
    """An allocation {referral index: pair index} and what is known about the best one."""

    chosen: Allocation
    status: str  # optimal | feasible | unknown
    value: int | None  # folded objective, score hundredths
    bound: int | None
    stats: dict[str, Any] = field(default_factory=dict)
    # Pairs an allocation worth at least `value` may use (the others provably not).
    needed: NDArray[np.bool_] | None = None


@dataclass(frozen=True)
class Match:
    referral_id: str
    placement_id: str
    score: float


@dataclass(frozen=True)
class UnplacedReason:
    code: str
    detail: str
    referral_ids: tuple[str, ...] = ()
    placement_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "detail": self.detail}
        if self.referral_ids:
            out["referral_ids"] = list(self.referral_ids)
        if self.placement_ids:
            out["placement_ids"] = list(self.placement_ids)
        return out


@dataclass(frozen=True)
class Unplaced:
    referral_id: str
    reasons: tuple[UnplacedReason, ...]


@dataclass(frozen=True)
class Assignment:
    """The batch allocation, as `placement-assignment/1`."""

    status: str
    value: int | None
    bound: int | None
    level_weight: int
    solve_seconds: float
    matches: tuple[Match, ...]
    unplaced: tuple[Unplaced, ...]
    policy: Policy
    as_of: date
    stats: dict[str, Any]

    @property
    def objective(self) -> float | None:
        return None if self.value is None else round(self.value / 100, 2)

    @property
    def gap(self) -> float | None:
        """(bound - objective) / max(1, |bound|): 0 when proven optimal."""
        if self.value is None or self.bound is None:
            return None
        return round(max(0, self.bound - self.value) / max(100, abs(self.bound)), 9)

    def levels(self) -> dict[str, Any]:
        """Each level of the objective on its own: urgency points, then the score total."""
        urgency = None if self.value is None else self.value // self.level_weight
        score = None if self.value is None else round((self.value % self.level_weight) / 100, 2)
        urgency_bound = None if self.bound is None else self.bound // self.level_weight
        # The score bound means "given the urgency level is proven": only then is it a bound.
        score_bound = None
        if self.bound is not None and urgency is not None and urgency_bound == urgency:
            score_bound = round((self.bound - urgency * self.level_weight) / 100, 2)
        return {
            "urgency_points": {"value": urgency, "bound": urgency_bound},
            "score": {"value": score, "bound": score_bound},
        }

    def to_dict(self) -> dict[str, Any]:
        """The `placement-assignment/1` document, key order fixed."""
        return {
            "format": ASSIGNMENT_FORMAT,
            "status": self.status,
            "objective": self.objective,
            "bound": None if self.bound is None else round(self.bound / 100, 2),
            "gap": self.gap,
            "solve_seconds": round(self.solve_seconds, 3),
            "assignments": [
                {"referral_id": m.referral_id, "placement_id": m.placement_id, "score": m.score} for m in self.matches
            ],
            "unassigned": [
                {"referral_id": u.referral_id, "reasons": [r.to_dict() for r in u.reasons]} for u in self.unplaced
            ],
            "levels": self.levels(),
            "as_of": self.as_of.isoformat(),
            "policy": {**self.policy.as_dict(), "version": self.policy.version()},
            "summary": self.stats,
        }


def assign(
    world: World,
    referrals: tuple[Referral, ...],
    policy: Policy,
    method: Method = FULL,
    on_solution: Callable[[float, int], None] | None = None,
) -> Assignment:
    """Allocate a batch of referrals to the pool in `world` under `policy`.

    The world must have been prepared with the policy's `use_expired_intelligence`.
    `on_solution(seconds, value)` is called for each better allocation found (the
    benchmark uses it for the time to a first solution).
    """
    if world.use_expired_intelligence != policy.use_expired_intelligence:
        raise ValueError("the world was prepared under a different use_expired_intelligence")
    started = time.perf_counter()
    panel = prepare_panel(world, referrals, policy)
    solution = solve_panel(panel, policy, method, started, on_solution)
    return assignment_of(panel, solution, time.perf_counter() - started)


def solve_panel(
    panel: Panel,
    policy: Policy,
    method: Method = FULL,
    started: float | None = None,
    on_solution: Callable[[float, int], None] | None = None,
) -> Solution:
    """The best allocation of the panel found within the policy's time limit (from `started`)."""
    started = time.perf_counter() if started is None else started
    deadline = started + policy.time_limit_seconds
    stats: dict[str, Any] = {**panel.summary(), "evaluate_seconds": round(panel.evaluate_seconds, 3)}
    best: Allocation = {}
    best_value = -1
    bound: int | None = None

    def offer(chosen: Allocation, source: str) -> None:
        nonlocal best, best_value
        value = panel.value(chosen)
        stats[f"{source}_value"] = value
        if value > best_value:
            best, best_value = chosen, value
            stats["first_solution_seconds"] = stats.get("first_solution_seconds", _since(started))
            if on_solution is not None:
                on_solution(time.perf_counter() - started, value)

    if method.warm_start or method.bound:
        offer(greedy(panel), "greedy")
    flow: Relaxation | None = None
    if method.bound:
        flow = relax(panel)
        bound = flow.bound
        stats["flow_bound"] = flow.bound
        stats["flow_seconds"] = round(flow.seconds, 3)
        offer(from_relaxation(panel, flow), "flow_rounded")
    tight: LinearBound | None = None
    if method.tighten and flow is not None and best_value < flow.bound:
        loss = flow.forced_loss(panel)
        start = (loss <= _LP_START_LOSS) | (flow.units > 0)
        start[list(best.values())] = True
        lp_deadline = time.perf_counter() + _LP_TIME_SHARE * max(0.0, deadline - time.perf_counter())
        tight = linear_bound(panel, start, flow.bound // panel.level_weight, lp_deadline)
        if tight is not None:
            bound = min(bound, tight.bound) if bound is not None else tight.bound
            stats["linear_bound"] = tight.bound
            stats["linear_seconds"] = round(tight.seconds, 3)
            stats["linear_columns"] = tight.columns
            offer(rounded(panel, tight.x), "linear_rounded")

    def needed() -> NDArray[np.bool_]:
        """Pairs some allocation better than the best so far might use (all others are provably not)."""
        keep = np.ones(len(panel.pair_referral), dtype=bool)
        if method.tighten and best_value >= 0:
            if flow is not None:
                keep &= ~flow.prunable(panel, best_value)
            if tight is not None:
                keep &= ~tight.prunable(best_value)
            keep[list(best.values())] = True
        return keep

    stages: list[dict[str, Any]] = []
    stats["stages"] = stages
    weight = panel.level_weight

    def run(pairs: NDArray[np.bool_], objective: str, floor: int, seconds: float, whole: bool) -> Solution:
        """CP-SAT over `pairs`. A core (not `whole`) only has to find a near-best allocation
        for the next model's pruning, so it stops within `_CORE_GAP` of its own bound."""
        nonlocal best, best_value
        found = _cp_sat(
            panel,
            np.flatnonzero(pairs),
            best if method.warm_start and best_value >= 0 else None,
            method.tighten,
            policy,
            seconds,
            started,
            on_solution,
            best_value,
            objective,
            floor,
            0.0 if whole else _CORE_GAP,
        )
        stages.append({**found.stats, "objective": objective, "pairs": int(pairs.sum()), "whole": bool(whole)})
        if found.value is not None and found.value > best_value:
            best, best_value = found.chosen, found.value
        return found

    if not method.tighten:
        # One model of every pair, one folded objective (the plain model, and the fallback).
        left = deadline - time.perf_counter()
        if (bound is None or best_value < bound) and left > 0.05:
            found = run(needed(), "folded", 0, left, True)
            if found.bound is not None:
                bound = found.bound if bound is None else min(bound, found.bound)
            if found.status == "optimal":
                bound = best_value
    elif bound is not None:
        # Lexicographic, level 1 held as a constraint: the best score among allocations
        # with as many urgency points as the bounds allow (no allocation has more). First
        # over a core of the pairs the linear bound prices best, widened while it proves
        # too narrow, then over every pair that could still beat the best so far.
        limit = _CORE_LOSS
        while best_value < bound and deadline - time.perf_counter() > 0.05:
            floor = bound // weight
            core, whole = _core(needed(), tight, best, limit)
            left = deadline - time.perf_counter()
            found = run(core, "score", floor, left if whole else _CORE_TIME_SHARE * left, whole)
            if found.status == "infeasible":
                if whole:
                    # No allocation reaches `floor` urgency points: one fewer at most.
                    bound = min(bound, floor * weight - 1)
                    limit = _CORE_LOSS
                else:
                    limit *= 4
                continue
            if whole:
                if found.bound is not None:
                    bound = min(bound, found.bound)
                if found.status == "optimal":
                    bound = best_value
                break
            if found.status != "optimal" or found.value is None or found.bound != found.value:
                limit = np.inf  # not proven on the core: go on with everything needed
                continue
            if best_value // weight == floor and not (needed() & ~core).any():
                bound = best_value  # the core held every pair that could beat its proven optimum
                break
            limit *= 4
    stats["pairs_modelled"] = int(stages[-1]["pairs"]) if stages else 0
    if best_value < 0:
        return Solution({}, "unknown", None, bound, stats)
    status = "optimal" if bound is not None and best_value >= bound else "feasible"
    return Solution(best, status, best_value, best_value if status == "optimal" else bound, stats, needed())


def _core(
    keep: NDArray[np.bool_], tight: LinearBound | None, best: Allocation, limit: float
) -> tuple[NDArray[np.bool_], bool]:
    """The core of the needed pairs to model first (those the linear bound prices within
    `limit` of its optimum, and the best allocation's), and whether it is all of them."""
    if tight is None:
        return keep, True
    core = keep & (tight.loss <= limit)
    core[list(best.values())] = True
    if not (keep & ~core).any() or core.sum() * 2 > keep.sum():
        return keep, True
    return core, False


def _cp_sat(
    panel: Panel,
    pairs: IntArray,
    hint: Allocation | None,
    tighten: bool,
    policy: Policy,
    seconds: float,
    started: float,
    on_solution: Callable[[float, int], None] | None,
    incumbent: int,
    objective: str = "folded",
    floor: int = 0,
    gap_limit: float = 0.0,
) -> Solution:
    """CP-SAT over `pairs`, started from `hint`, maximising one objective:

    - "folded": the whole objective in one number (the plain model);
    - "urgency": urgency points only (level 1); the bound returned allows any score;
    - "score": score hundredths, with at least `floor` urgency points (level 2); the
      bound returned holds if no allocation has more than `floor` urgency points.

    Two levels keep each objective's coefficients small (a folded coefficient is up to
    10^8 times a score hundredth, which the solver's linear relaxation cannot resolve).
    """
    built = time.perf_counter()
    model, x = allocation_model(panel, pairs, tighten)
    weight = panel.level_weight
    points = panel.points[panel.pair_referral[pairs]].tolist()
    if objective == "urgency":
        model.maximize(cp_model.LinearExpr.weighted_sum(x, points))
    elif objective == "score":
        model.add(cp_model.LinearExpr.weighted_sum(x, points) >= floor)
        model.maximize(cp_model.LinearExpr.weighted_sum(x, panel.pair_cents[pairs].tolist()))
    if hint is not None:
        chosen = set(hint.values())
        for j, k in enumerate(pairs.tolist()):
            model.add_hint(x[j], k in chosen)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds - (time.perf_counter() - built))
    solver.parameters.num_workers = policy.workers or os.cpu_count() or 1
    if gap_limit:
        solver.parameters.absolute_gap_limit = gap_limit
    if tighten:
        # CP-SAT's presolve rewrites these models (per-referral "at most one" into
        # implications, dual reductions) in ways that leave its linear relaxation far
        # weaker than the model's own: on the benchmark it then cannot prove in 30 s what
        # it proves in 0.2 s without presolve. The tightened model needs no presolve.
        solver.parameters.cp_model_presolve = False
        # The model's linear relaxation is nearly integral: give CP-SAT all of it at once,
        # with its stronger linearisation, and the root bound comes in a fraction of the time.
        solver.parameters.add_lp_constraints_lazily = False
        solver.parameters.linearization_level = 2
        # One worker: these models are proved by their linear relaxation, which is CP-SAT's
        # first worker. A second adds local search and LNS that find nothing the LP does
        # not, and takes half the machine from it: on the 2,000 benchmark's first model
        # one worker took 0.44 units of deterministic time (0.7 s), two 2.1-2.5 (3.0-3.4 s).
        solver.parameters.num_workers = 1
    progress = _Progress(started, on_solution, incumbent, objective, floor * weight, weight)
    code = solver.solve(model, progress)
    stats: dict[str, Any] = {
        "solver": "cp-sat",
        "model_seconds": round(solver.wall_time, 3),
        "solver_status": solver.status_name(code),
        "build_seconds": round(built - started, 3),
        # The solver's own measure of its work: unlike seconds, it does not grow when
        # other work shares the machine, so runs on a busy machine can still be compared.
        "deterministic_time": round(solver.response_proto.deterministic_time, 3),
    }
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen_pairs = [int(k) for j, k in enumerate(pairs.tolist()) if solver.boolean_value(x[j])]
        allocation = {int(panel.pair_referral[k]): k for k in chosen_pairs}
        value = panel.value(allocation)
        bound = _folded_bound(solver.best_objective_bound, objective, floor, weight)
        status = "optimal" if code == cp_model.OPTIMAL else "feasible"
        return Solution(allocation, status, value, None if bound is None else max(bound, value), stats)
    if code == cp_model.UNKNOWN:
        return Solution(
            {}, "unknown", None, _folded_bound(solver.best_objective_bound, objective, floor, weight), stats
        )
    if code == cp_model.INFEASIBLE and objective == "score":
        return Solution({}, "infeasible", None, None, stats)
    raise RuntimeError(f"CP-SAT returned {solver.status_name(code)} for an allocation model")


def _folded_bound(reached: float, objective: str, floor: int, weight: int) -> int | None:
    """CP-SAT's bound on its objective, as a bound on the folded objective."""
    if not np.isfinite(reached) or abs(reached) >= 2**62:
        return None
    level = int(np.floor(reached + 1e-6))
    if objective == "urgency":
        return (level + 1) * weight - 1  # any score, below one more urgency point
    if objective == "score":
        return floor * weight + level
    return level


def allocation_model(panel: Panel, pairs: IntArray, tighten: bool) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """The exact model over `pairs`: a boolean per pair, each referral at most once, each
    placement's vacancies shared (a solo referral takes them all), young people kept apart.

    With `tighten`: capacity constraints no set of pairs could break are left out, and
    where a pair fills a placement on its own, "that pair or this other one" is stated
    outright (the same allocations; a tighter linear relaxation for CP-SAT).
    """
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in pairs.tolist()]
    referral = panel.pair_referral[pairs]
    placement = panel.pair_placement[pairs]
    weight = panel.pair_weight[pairs]
    by_referral = _groups(referral)
    by_placement = _groups(placement)
    for js in by_referral.values():
        if len(js) > 1:
            model.add_at_most_one(x[j] for j in js)
    exclusive = panel.exclusive[pairs]
    for i, js in by_placement.items():
        w = weight[js]
        if not tighten or int(w.sum()) > int(panel.vacancies[i]):
            model.add(cp_model.LinearExpr.weighted_sum([x[j] for j in js], w.tolist()) <= int(panel.vacancies[i]))
        if tighten:
            fills = [j for j in js if exclusive[j]]
            others = [j for j in js if not exclusive[j]]
            if fills and others:
                filled = model.new_bool_var(f"filled{i}")
                model.add(cp_model.LinearExpr.sum([x[j] for j in fills]) == filled)
                for j in others:
                    model.add_bool_or([x[j].Not(), filled.Not()])
    at = {(int(r), int(i)): j for j, (r, i) in enumerate(zip(referral.tolist(), placement.tolist(), strict=True))}
    for link in panel.kept_apart:
        for j in by_referral.get(link.first, []):
            other = at.get((link.second, int(placement[j])))
            if other is not None:
                model.add_bool_or([x[j].Not(), x[other].Not()])
    model.maximize(cp_model.LinearExpr.weighted_sum(x, panel.pair_value[pairs].tolist()))  # the folded objective
    return model, x


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each better allocation CP-SAT finds (time since the start, folded value)."""

    def __init__(
        self,
        started: float,
        on_solution: Callable[[float, int], None] | None,
        incumbent: int,
        objective: str,
        offset: int,
        weight: int,
    ):
        super().__init__()
        self.started = started
        self.on_solution = on_solution
        self.best = incumbent
        self.scale = weight if objective == "urgency" else 1
        self.offset = offset if objective == "score" else 0

    def on_solution_callback(self) -> None:
        # Urgency-only solutions are reported at their urgency points (their score unread).
        value = self.offset + self.scale * round(self.objective_value)
        if value > self.best:
            self.best = value
            if self.on_solution is not None:
                self.on_solution(time.perf_counter() - self.started, value)


def _groups(keys: IntArray) -> dict[int, list[int]]:
    out: defaultdict[int, list[int]] = defaultdict(list)
    for j, key in enumerate(keys.tolist()):
        out[key].append(j)
    return out


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def _or_none(value: int) -> int | None:
    return value if value >= 0 else None


# --- the result ---------------------------------------------------------------------


def assignment_of(panel: Panel, solution: Solution, seconds: float) -> Assignment:
    """The `Assignment` for a solved panel: matches by referral id, reasons for the rest."""
    problems = panel.breaches(solution.chosen)
    if problems:
        # A bug, never an allocation to show: every rule is checked again without the solver.
        raise RuntimeError("the allocation breaks the rules: " + "; ".join(problems[:5]))
    matches = tuple(
        sorted(
            (
                Match(
                    panel.referrals[r].id,
                    panel.world.placements[int(panel.pair_placement[k])].id,
                    float(panel.pair_score[k]),
                )
                for r, k in solution.chosen.items()
            ),
            key=lambda m: m.referral_id,
        )
    )
    room = Occupancy(panel)
    for k in solution.chosen.values():
        room.take(k)
    unplaced = tuple(
        sorted(
            (
                Unplaced(panel.referrals[r].id, unplaced_reasons(panel, room, r, solution.status))
                for r in range(len(panel.referrals))
                if r not in solution.chosen
            ),
            key=lambda u: u.referral_id,
        )
    )
    stats = {**solution.stats, "placed": len(matches), "young_people_placed": int(room.used.sum())}
    return Assignment(
        status=solution.status,
        value=solution.value,
        bound=solution.bound,
        level_weight=panel.level_weight,
        solve_seconds=seconds,
        matches=matches,
        unplaced=unplaced,
        policy=panel.policy,
        as_of=panel.world.as_of,
        stats=stats,
    )


def unplaced_reasons(panel: Panel, room: Occupancy, r: int, status: str) -> tuple[UnplacedReason, ...]:
    """Why referral `r` has no placement in the allocation held by `room`."""
    pairs = panel.pairs_of(r)
    if not len(pairs):
        code, detail, placement_ids = no_option_reason(panel.world, panel.referrals[r], panel.policy)
        return (UnplacedReason(code, detail, placement_ids=placement_ids),)
    takers: dict[int, set[int]] = defaultdict(set)  # placement -> referrals in the way
    free: list[int] = []
    room_only: list[int] = []  # pairs blocked only by the places taken
    limit_only: list[int] = []  # pairs blocked by the usual fostering limit, not by vacancies
    over_limit = panel.over_limit
    for k in pairs:
        i = int(panel.pair_placement[k])
        there = room.at[i]
        apart = room.partners[r].intersection(there)
        solo = [s for s in there if panel.solo[s]]
        full = room.used[i] + room.weight[k] > panel.vacancies[i]
        if not there and not full:
            free.append(k)
            continue
        if apart:
            takers[i] |= apart
        if solo or (panel.solo[r] and there):
            takers[i] |= set(there)
        if full:
            takers[i] |= set(there)
            if not apart and not solo and not panel.solo[r]:
                # More vacancies would not help where the fostering limit is what binds.
                limited = bool(over_limit[k]) or int(panel.capacity[i]) < int(panel.world.vacancies[i])
                (limit_only if limited else room_only).append(k)
        if not full and not apart and not solo and not panel.solo[r]:
            free.append(k)
    if free:
        best = max(free, key=lambda k: (int(panel.pair_cents[k]), -k))
        where = panel.world.placements[int(panel.pair_placement[best])].id
        why = (
            "The solver stopped at the time limit before placing it" if status != "optimal" else "It was left unplaced"
        )
        return (
            UnplacedReason(
                "not_placed_in_time",
                f"{why}, although {where} still has room for it (score {float(panel.pair_score[best]):.2f}).",
                placement_ids=tuple(panel.world.placements[int(panel.pair_placement[k])].id for k in free),
            ),
        )
    everyone = sorted({s for group in takers.values() for s in group}, key=lambda s: _priority(panel, s))
    options = len(pairs)
    named = listing([panel.describe(s) for s in everyone[:_NAMED]] + _more(len(everyone) - _NAMED))
    if options == 1:
        i = int(panel.pair_placement[pairs.start])
        detail = f"Its only option, {panel.world.placements[i].id}, went to {named}."
    else:
        detail = f"All {options} of its options went to other referrals: {named}."
    apart_here = sorted(
        {s for i, group in takers.items() for s in group if s in room.partners[r]}, key=lambda s: _priority(panel, s)
    )
    if apart_here:
        detail += (
            f" Some are held by {listing([panel.referrals[s].id for s in apart_here])}, whose young people "
            "must be kept apart from this referral's."
        )
    if limit_only:
        ids = sorted({panel.world.placements[int(panel.pair_placement[k])].id for k in limit_only})
        detail += (
            f" At {listing(ids)} the usual fostering limit of three (Children Act 1989 Schedule 7) "
            "leaves no room for it beside the children placed there."
        )
    if room_only:
        k = max(room_only, key=lambda k: (int(panel.pair_cents[k]), -k))
        i = int(panel.pair_placement[k])
        more = int(room.used[i] + room.weight[k] - panel.vacancies[i])
        where = f"{placement_words(panel.world, i)} ({panel.world.placements[i].id})"
        detail += (
            f" {more_vacancies(more).capitalize()} at {where} would place it there without moving anyone"
            f" (score {float(panel.pair_score[k]):.2f})."
        )
    return (
        UnplacedReason(
            "options_taken",
            detail,
            referral_ids=tuple(panel.referrals[s].id for s in everyone),
            placement_ids=tuple(
                panel.world.placements[i].id for i in sorted(takers, key=lambda i: panel.world.placements[i].id)
            ),
        ),
    )


def _priority(panel: Panel, r: int) -> tuple[int, str]:
    return (-URGENCY_POINTS[panel.referrals[r].needed_by], panel.referrals[r].id)


def _more(n: int) -> list[str]:
    return [f"{n} more"] if n > 0 else []


__all__ = [
    "ASSIGNMENT_FORMAT",
    "FULL",
    "PLAIN",
    "Assignment",
    "Match",
    "Method",
    "Solution",
    "Unplaced",
    "UnplacedReason",
    "allocation_model",
    "assign",
    "assignment_of",
    "solve_panel",
]
