"""One referral checked and scored against the whole pool: the step `rank` and `assign` share.

Every hard rule is evaluated for every placement (vectorised over the pool), the
feasible placements are scored, and the score is rounded as it is reported. A
ranking goes on to order, explain and word the result; a batch allocation takes
the feasible placements and their reported scores as its candidate pairs. Both
read the same arrays, so a pair the allocation may use is exactly an option the
ranking would list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from planner.case import Referral
from planner.constraints import BoolArray, Context, evaluate
from planner.geometry import FloatArray
from planner.measures import BatchMeasures, measure
from planner.policy import Policy
from planner.scoring import Scores, score
from planner.world import World


@dataclass(frozen=True)
class Evaluation:
    """A referral against every placement: each rule's exclusions, the feasible ones and their scores."""

    context: Context
    fails: dict[str, BoolArray]
    feasible: NDArray[np.int64]  # placement indices that pass every hard rule, ascending
    scores: Scores  # for `feasible`, in the same order
    reported: FloatArray  # `scores.score` rounded to the two decimals a ranking reports

    @property
    def excluded(self) -> BoolArray:
        """True where any rule excludes the placement."""
        out = np.zeros(len(self.context.world), dtype=bool)
        for mask in self.fails.values():
            out |= mask
        return out


def evaluate_referral(
    world: World, referral: Referral, policy: Policy, batch: BatchMeasures | None = None
) -> Evaluation:
    """Measure `referral` against the pool, apply every hard rule, score what passes.

    A panel passes the `BatchMeasures` it shares between its referrals; the result is the same.
    """
    context = Context(world, referral, measure(world, referral, batch), policy)
    fails = evaluate(context)
    any_fail = np.zeros(len(world), dtype=bool)
    for mask in fails.values():
        any_fail |= mask
    feasible = np.flatnonzero(~any_fail).astype(np.int64)
    scores = score(world, referral, context.measures, policy, feasible)
    return Evaluation(context, fails, feasible, scores, np.round(scores.score, 2))
