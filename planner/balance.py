"""Checks on a ranking's balance between safety and relationships, and on its weights.

- **Dominated options**: an option another option beats on both safety and closeness
  to the support network. Nothing but specialism, continuity or cost can explain
  choosing it, and the page says so.
- **Much further from an essential person**: the top option is far further from an
  essential support person than another option that is also safe enough.
- **Robustness**: whether rank 1 stays rank 1 when any one weight moves by a quarter
  (`robustness_weight_change`) either way, the others unchanged.

All three look only at what a ranking already computed (components, distances), so
they cost a few vector operations, not another pass over the pool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from planner.case import SupportLink
from planner.geometry import FloatArray
from planner.policy import WEIGHT_KEYS, Policy
from planner.reasons import plural_visits
from planner.wording import distance

ESSENTIAL_FURTHER = "top_option_far_from_essential"


class Scored(Protocol):
    """What these checks read from an option (a `planner.ranking.Option`)."""

    @property
    def rank(self) -> int: ...
    @property
    def placement_id(self) -> str: ...
    @property
    def components(self) -> dict[str, float]: ...
    @property
    def facts(self) -> dict[str, Any]: ...


def dominated_by(options: Sequence[Scored]) -> dict[str, tuple[str, ...]]:
    """For each option, the options (in rank order) that beat it on safety and on closeness.

    Closeness to the support network is `support` and `journey` together: the other
    option is at least as close on both and closer on one. Safety must be strictly
    higher. Options of one ranking are compared with each other only.
    """
    found: dict[str, tuple[str, ...]] = {}
    for a in options:
        ca = a.components
        found[a.placement_id] = tuple(
            b.placement_id
            for b in options
            if b is not a
            and b.components["safety"] > ca["safety"]
            and b.components["support"] >= ca["support"]
            and b.components.get("journey", 0.0) >= ca.get("journey", 0.0)
            and (b.components["support"] > ca["support"] or b.components.get("journey", 0.0) > ca.get("journey", 0.0))
        )
    return found


@dataclass(frozen=True)
class EssentialFurther:
    """The top option is much further from an essential person than another safe option."""

    placement_id: str
    closer_placement_id: str
    support_id: str
    extra_km: float
    detail: str


def essential_further(
    options: Sequence[Scored], links: Sequence[SupportLink], policy: Policy
) -> EssentialFurther | None:
    """Whether the top option is at least `essential_warning_extra_km` further from an essential
    support person than another option with safety at least `essential_warning_min_safety`.

    Of several such links and options, the largest gap is reported.
    """
    if len(options) < 2:
        return None
    top = options[0]
    best: tuple[float, Scored, SupportLink] | None = None
    for link in links:
        if link.importance != "essential" or link.id not in top.facts["support_km"]:
            continue
        top_km = float(top.facts["support_km"][link.id])
        for other in options[1:]:
            if other.components["safety"] < policy.essential_warning_min_safety:
                continue
            gap = top_km - float(other.facts["support_km"][link.id])
            if gap >= policy.essential_warning_extra_km and (best is None or gap > best[0]):
                best = (gap, other, link)
    if best is None:
        return None
    gap, other, link = best
    visits = f", {plural_visits(link.visits_per_month)}" if link.visits_per_month else ""
    detail = (
        f"The top option, {top.placement_id}, is {distance(float(top.facts['support_km'][link.id]))} from "
        f"{link.label} (essential{visits}). {other.placement_id} (rank {other.rank}) is "
        f"{distance(float(other.facts['support_km'][link.id]))} from {link.label} "
        f"and safe too (safety {other.components['safety']:.2f}). "
        f"If you choose {top.placement_id}, the decision must say why not the closer option."
    )
    return EssentialFurther(top.placement_id, other.placement_id, link.id, round(gap, 3), detail)


def robustness(
    components: Mapping[str, FloatArray], placement_ids: Sequence[str], policy: Policy
) -> dict[str, Any] | None:
    """Whether rank 1 stays rank 1 with any one weight `robustness_weight_change` lower or higher.

    `components` are the feasible placements' unrounded components, in the order of
    `placement_ids`. Each check re-weights them and orders by the reported (rounded)
    score, ties by placement id, exactly as a ranking does. None when nothing is feasible.
    """
    if not len(placement_ids):
        return None
    change = policy.robustness_weight_change
    base = {k: float(getattr(policy.weights, k)) for k in WEIGHT_KEYS}
    ids = np.array(placement_ids)
    top = _rank_one(components, ids, base)
    checks: list[dict[str, Any]] = []
    for key in WEIGHT_KEYS:
        for factor in (1.0 - change, 1.0 + change):
            weights = {**base, key: base[key] * factor}
            checks.append({"weight": key, "factor": round(factor, 4), "rank1": _rank_one(components, ids, weights)})
    movers = [c for c in checks if c["rank1"] != top]
    share = f"{change:.0%}"
    if not movers:
        detail = f"{top} stays rank 1 when any one weight is {share} lower or higher."
    else:
        said = [
            f"{c['weight']} weight {share} {'lower' if c['factor'] < 1 else 'higher'} puts {c['rank1']} first"
            for c in movers
        ]
        detail = f"{top} is rank 1 only narrowly: " + "; ".join(said) + "."
    return {"weight_change": change, "rank1": top, "stable": not movers, "checks": checks, "detail": detail}


def _rank_one(components: Mapping[str, FloatArray], ids: np.ndarray, weights: Mapping[str, float]) -> str:
    total = sum(weights.values())
    if total <= 0:
        return str(min(ids.tolist()))
    # The same sum, in the same order, as `planner.scoring.score`, so the unchanged weights
    # give exactly the ranking's own rank 1.
    value = np.round(sum(weights[k] * components[k] for k in WEIGHT_KEYS) / total * 100.0, 2)
    best = np.flatnonzero(value == value.max())
    return str(min(ids[best].tolist()))
