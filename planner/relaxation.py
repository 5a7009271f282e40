"""The cheap bound: the allocation without siblings-together, people kept apart or solo, as a min-cost flow.

Each young person is a unit of flow. A referral of k young people sends up to k
units, each along one of its candidate pairs, each unit worth its share of the
pair's folded value (urgency points per young person x `level_weight` + score
hundredths / k); a placement takes at most its vacancies. Any real allocation is
such a flow (a referral's k units all on one pair), so the best flow bounds every
allocation from above. It is the linear relaxation of the allocation without the
links between referrals, solved exactly by OR-Tools' min-cost flow in well under a
second for 2,000 x 2,000.

The flow's node potentials (shortest paths in the residual graph, by Bellman-Ford)
give each pair a reduced cost: how much the bound falls, at least, when the pair is
forced. A pair whose forced bound is below a known allocation's value cannot be
in any allocation as good as that one, and can be left out of the exact model
without losing an optimum (reduced-cost fixing; see decision 0006).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from planner.panel import Panel

IntArray = NDArray[np.int64]
# Unit values are the pair's value divided by the young people (1 to 6); counting in
# 60ths of a hundredth keeps every unit value a whole number.
UNIT_SCALE = 60


@dataclass(frozen=True)
class Relaxation:
    """The flow bound, how many young people it sends along each pair, and each pair's reduced cost."""

    bound: int  # on the folded objective, in score hundredths (rounded down: allocations are whole)
    scaled_value: int  # the flow's exact value, in 1/UNIT_SCALE of a hundredth
    units: IntArray  # per pair
    reduced_cost: IntArray  # per pair, in 1/UNIT_SCALE of a hundredth per young person; >= 0 where units == 0
    seconds: float

    def forced_loss(self, panel: Panel) -> NDArray[np.float64]:
        """Per pair: how far (score hundredths) the bound falls, at least, when the pair is used."""
        loss = panel.size[panel.pair_referral] * np.maximum(self.reduced_cost, 0) / UNIT_SCALE
        return np.asarray(loss, dtype=np.float64)

    def forced_bound(self, panel: Panel) -> IntArray:
        """Per pair: an upper bound (scaled) on any allocation that uses the pair."""
        return np.asarray(self.scaled_value - panel.size[panel.pair_referral] * np.maximum(self.reduced_cost, 0))

    def prunable(self, panel: Panel, incumbent_value: int) -> NDArray[np.bool_]:
        """Pairs no allocation worth at least `incumbent_value` can use."""
        return np.asarray(self.forced_bound(panel) < incumbent_value * UNIT_SCALE)


def relax(panel: Panel) -> Relaxation:
    """Solve the relaxation exactly and price every pair."""
    started = time.perf_counter()
    solved = solve_flow(panel, np.arange(len(panel.pair_referral), dtype=np.int64), panel.flow_vacancies)
    potential = _potentials(solved.nodes, solved.tails, solved.heads, solved.capacity, solved.cost, solved.flows)
    pairs = len(panel.pair_referral)
    tails, heads = solved.tails[:pairs], solved.heads[:pairs]
    reduced = solved.cost[:pairs] + potential[tails] - potential[heads]
    return Relaxation(
        bound=solved.scaled_value // UNIT_SCALE,
        scaled_value=solved.scaled_value,
        units=solved.flows[:pairs],
        reduced_cost=reduced.astype(np.int64),
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Flow:
    """A solved flow network: its arcs (the given pairs first, in order) and their flows."""

    nodes: int
    tails: IntArray
    heads: IntArray
    capacity: IntArray
    cost: IntArray
    flows: IntArray
    scaled_value: int


def solve_flow(panel: Panel, pairs: IntArray, vacancies: IntArray) -> Flow:
    """The best flow over the given pairs with the given vacancies (see the module docstring)."""
    n, m = len(panel.referrals), len(panel.world)
    source, sink = 0, n + m + 1
    referral_node = 1 + np.arange(n, dtype=np.int64)
    placement_node = 1 + n + np.arange(m, dtype=np.int64)
    size = panel.size
    per_person = panel.points // np.maximum(size, 1)
    r, i = panel.pair_referral[pairs], panel.pair_placement[pairs]
    unit_value = UNIT_SCALE * per_person[r] * panel.level_weight + UNIT_SCALE * panel.pair_cents[pairs] // size[r]
    tails = np.concatenate([referral_node[r], np.full(n, source), referral_node, placement_node]).astype(np.int64)
    heads = np.concatenate([placement_node[i], referral_node, np.full(n, sink), np.full(m, sink)]).astype(np.int64)
    capacity = np.concatenate([size[r], size, size, vacancies]).astype(np.int64)
    cost = np.concatenate([-unit_value, np.zeros(2 * n + m, dtype=np.int64)]).astype(np.int64)

    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity, cost)
    total = int(size.sum())
    flow.set_nodes_supplies(np.array([source, sink]), np.array([total, -total]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow relaxation failed with status {status}")
    flows = np.asarray(flow.flows(arcs), dtype=np.int64)
    return Flow(n + m + 2, tails, heads, capacity, cost, flows, -int(flow.optimal_cost()))


def _potentials(
    nodes: int, tails: IntArray, heads: IntArray, capacity: IntArray, cost: IntArray, flows: IntArray
) -> IntArray:
    """Node potentials d with cost + d[tail] - d[head] >= 0 on every residual arc.

    Shortest distances in the residual graph from a virtual root joined to every node
    at cost 0 (so every distance starts at 0), by Bellman-Ford rounds over all arcs at
    once until nothing changes. The optimal flow leaves no negative cycle, so the rounds
    end; in practice after a few dozen.
    """
    forward = flows < capacity
    backward = flows > 0
    u = np.concatenate([tails[forward], heads[backward]])
    v = np.concatenate([heads[forward], tails[backward]])
    w = np.concatenate([cost[forward], -cost[backward]])
    order = np.argsort(v, kind="stable")
    u, v, w = u[order], v[order], w[order]
    into, starts = np.unique(v, return_index=True)
    distance = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes + 1):
        best = np.minimum.reduceat(distance[u] + w, starts)
        better = best < distance[into]
        if not better.any():
            return distance
        distance[into[better]] = best[better]
    raise RuntimeError("the relaxation's residual graph has a negative cycle: the flow was not optimal")
