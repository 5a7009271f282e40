"""One chosen option explained as a ranking would: its rank, score breakdown and reasons.

A panel's allocation gives each referral a placement and a score. The people reading it
also need what the referral's own ranking would say about that placement, and where it
stands among the referral's options (a panel often gives a child their second or third
option so that a more urgent child keeps the only one they have).
"""

from __future__ import annotations

import numpy as np

from planner.case import Referral
from planner.evaluation import evaluate_referral
from planner.policy import Policy
from planner.ranking import Option, _option
from planner.world import World


def option_for(world: World, referral: Referral, policy: Policy, placement_id: str) -> Option | None:
    """The placement as an option of the referral, ranked among all its options; None if excluded."""
    i = world.index_of.get(placement_id)
    if i is None:
        return None
    found = evaluate_referral(world, referral, policy)
    where = np.flatnonzero(found.feasible == i)
    if not len(where):
        return None
    k = int(where[0])
    mine = float(found.reported[k])
    ids = [world.placements[j].id for j in found.feasible]
    # The ranking's order: reported score descending, ties by placement id.
    ahead = sum(1 for s, pid in zip(found.reported, ids, strict=True) if s > mine or (s == mine and pid < placement_id))
    return _option(world, referral, found.context.measures, policy, ahead + 1, i, mine, found.scores.components, k)
