"""Quick allocations: the greedy baseline, and the relaxation's flow made whole.

Both give a good allocation in milliseconds. `assign` starts CP-SAT from the better
of the two (a hint), so a run cut short by its time limit still returns at least
this, and the benchmark measures the exact model against the greedy baseline.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from planner.panel import Panel
from planner.relaxation import Relaxation, solve_flow

Allocation = dict[int, int]  # referral index -> pair index


class Occupancy:
    """Who is where while an allocation is built, and whether one more pair fits."""

    def __init__(self, panel: Panel):
        self.panel = panel
        self.used = np.zeros(len(panel.world), dtype=np.int64)
        self.at: defaultdict[int, list[int]] = defaultdict(list)
        self.partners: defaultdict[int, set[int]] = defaultdict(set)
        for link in panel.kept_apart:
            self.partners[link.first].add(link.second)
            self.partners[link.second].add(link.first)
        self.weight = panel.pair_weight
        self.chosen: Allocation = {}

    def fits(self, k: int) -> bool:
        """True if pair `k` can be added: room for its places (a solo referral takes them all),
        no solo referral already there, and no one there its young people must be kept apart from."""
        r = int(self.panel.pair_referral[k])
        i = int(self.panel.pair_placement[k])
        if r in self.chosen:
            return False
        if self.used[i] + self.weight[k] > self.panel.vacancies[i]:
            return False
        return not any(self.panel.solo[s] for s in self.at[i]) and not self.partners[r].intersection(self.at[i])

    def take(self, k: int) -> None:
        r = int(self.panel.pair_referral[k])
        i = int(self.panel.pair_placement[k])
        self.used[i] += self.weight[k]
        self.at[i].append(r)
        self.chosen[r] = k


def priority_order(panel: Panel) -> list[int]:
    """Most urgent first (points per young person), larger groups first, then as listed."""
    per_person = panel.points // np.maximum(panel.size, 1)
    return sorted(range(len(panel.referrals)), key=lambda r: (-int(per_person[r]), -int(panel.size[r]), r))


def greedy(panel: Panel) -> Allocation:
    """Urgency first, best score: each referral in `priority_order` takes its best option still free."""
    room = Occupancy(panel)
    for r in priority_order(panel):
        _take_best(room, r)
    return room.chosen


def from_relaxation(panel: Panel, relaxation: Relaxation, rounds: int = 8) -> Allocation:
    """The relaxation's flow made whole, round by round (a dive).

    Pairs the flow uses for a whole referral are taken, most valuable first, as long as
    they fit. The flow is then solved again for the referrals still unplaced, over what
    room is left, and again, until a round takes nothing (or after `rounds` rounds).
    Every referral still unplaced then takes its best free option, in `priority_order`.
    """
    room = Occupancy(panel)
    _dive(room, np.arange(len(panel.pair_referral), dtype=np.int64), relaxation.units, rounds)
    _fill(room)
    return room.chosen


def rounded(panel: Panel, x: NDArray[np.float64], rounds: int = 8) -> Allocation:
    """A fractional allocation (one value in [0, 1] per pair) made whole.

    Pairs at one half or more are taken, largest first (then most valuable), as long as
    they fit; the referrals still unplaced are then placed by the flow dive of
    `from_relaxation` over the room left, and the rest by their best free option.
    """
    room = Occupancy(panel)
    chosen = np.flatnonzero(x >= 0.5)
    for k in chosen[np.lexsort((-panel.pair_value[chosen], -x[chosen]))].tolist():
        if room.fits(k):
            room.take(k)
    candidates = _open_pairs(room)
    if len(candidates):
        units = solve_flow(panel, candidates, panel.vacancies - room.used).flows[: len(candidates)]
        _dive(room, candidates, units, rounds)
    _fill(room)
    return room.chosen


def _dive(room: Occupancy, candidates: NDArray[np.int64], units: NDArray[np.int64], rounds: int) -> None:
    panel = room.panel
    for _ in range(rounds):
        whole = candidates[units == panel.size[panel.pair_referral[candidates]]]
        before = len(room.chosen)
        for k in whole[np.argsort(-panel.pair_value[whole], kind="stable")].tolist():
            if room.fits(k):
                room.take(k)
        if len(room.chosen) == before:
            return
        candidates = _open_pairs(room)
        if not len(candidates):
            return
        units = solve_flow(panel, candidates, panel.vacancies - room.used).flows[: len(candidates)]


def _open_pairs(room: Occupancy) -> NDArray[np.int64]:
    """Pairs of unplaced referrals with room left at their placement."""
    panel = room.panel
    placed = np.zeros(len(panel.referrals), dtype=bool)
    placed[list(room.chosen)] = True
    left = panel.vacancies - room.used
    return np.flatnonzero(~placed[panel.pair_referral] & (room.weight <= left[panel.pair_placement])).astype(np.int64)


def _fill(room: Occupancy) -> None:
    for r in priority_order(room.panel):
        if r not in room.chosen:
            _take_best(room, r)


def _take_best(room: Occupancy, r: int) -> None:
    panel = room.panel
    lo, hi = int(panel.starts[r]), int(panel.starts[r + 1])
    if lo == hi:
        return
    # Best score first; equal scores by placement index (placement order in the case).
    order = lo + np.argsort(-panel.pair_cents[lo:hi], kind="stable")
    # Most options of a late referral are full by then: leave those out all at once, so
    # `fits` (a Python call, with the rest of the rules) runs only where there is room.
    at = panel.pair_placement[order]
    order = order[room.weight[order] <= panel.vacancies[at] - room.used[at]]
    for k in order.tolist():
        if room.fits(k):
            room.take(k)
            return
