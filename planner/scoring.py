"""The score: five components in [0, 1], weighted into 0–100.

The curves are documented in `docs/scoring.md`. Each component is monotone in
the way the case format promises: further from linked areas and risk locations
never lowers `safety`; closer to every support link never lowers `support`;
offering another preferred specialism never lowers `specialist`; closer to every
essential support person never lowers `journey`.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np
from numpy.typing import NDArray

from planner.authorities import adjoins
from planner.case import EXPLOITATION_RISKS, SETTINGS, Referral
from planner.geometry import FloatArray
from planner.measures import Measures
from planner.policy import WEIGHT_KEYS, Policy
from planner.world import SPECIALISM_BIT, World

IMPORTANCE_WEIGHT = {"essential": 3.0, "important": 2.0, "helpful": 1.0}
# What a component is worth when the referral gives it nothing to judge by
# (no support network recorded, cost unknown): the middle, favouring nobody.
NEUTRAL = 0.5
# Safety: how much of it comes from linked areas and risk locations, and how much
# from high- and medium-severity areas whoever they are linked to.
SAFETY_PARTS = {"linked": 0.7, "high": 0.2, "medium": 0.1}


@dataclass(frozen=True)
class Scores:
    """Components and scores for a subset of placements (`index`)."""

    index: NDArray[np.int64]
    components: dict[str, FloatArray]
    score: FloatArray


def _ramp(km: FloatArray, scale: float) -> FloatArray:
    """0 at 0 km, rising linearly to 1 at `scale` km; `inf` (nothing there) is 1."""
    return np.asarray(np.clip(km / scale, 0.0, 1.0), dtype=np.float64)


def safety(world: World, m: Measures, policy: Policy, idx: NDArray[np.int64]) -> FloatArray:
    nearest = np.minimum(m.linked_km[idx], m.risk_km[idx])
    floor = policy.min_km_from_linked_areas
    span = max(policy.safe_km - floor, 1e-9)
    linked = np.clip((nearest - floor) / span, 0.0, 1.0)
    high = _ramp(world.high.nearest_km[idx], policy.high_area_scale_km)
    medium = _ramp(world.medium.nearest_km[idx], policy.medium_area_scale_km)
    return np.asarray(
        SAFETY_PARTS["linked"] * linked + SAFETY_PARTS["high"] * high + SAFETY_PARTS["medium"] * medium,
        dtype=np.float64,
    )


def support(m: Measures, policy: Policy, idx: NDArray[np.int64]) -> FloatArray:
    if not m.support:
        return np.full(len(idx), NEUTRAL)
    weight = np.array([IMPORTANCE_WEIGHT[s.importance] * (1.0 + s.visits_per_month) for s in m.support])
    value = np.exp(-m.support_km[idx] / policy.support_scale_km)
    return np.asarray(value @ weight / weight.sum(), dtype=np.float64)


def essential_links(m: Measures) -> NDArray[np.int64]:
    """Columns of `m.support_km` that `journey` counts: essential people with visits recorded.

    An essential link with no visits (a school the child attends, a parent who only
    phones) makes no visiting journey; its distance is judged by `support` and
    `continuity`, and by the essential-person warning, not here.
    """
    return np.array(
        [j for j, s in enumerate(m.support) if s.importance == "essential" and s.visits_per_month > 0],
        dtype=np.int64,
    )


def journey_hours(visits_per_month: float, km: FloatArray | float, policy: Policy) -> FloatArray:
    """Hours a month an essential person spends travelling to visit: return trips at `journey_kmh`."""
    return np.asarray(visits_per_month * 2.0 * np.asarray(km) / policy.journey_kmh, dtype=np.float64)


def journey(m: Measures, policy: Policy, idx: NDArray[np.int64]) -> FloatArray:
    """What visiting costs the essential support people: 1 for no travel, 0 at the practical limit.

    Each essential link with visits scores `1 - hours / journey_hours_per_month`
    (clamped), where `hours` is its monthly travel; links are averaged weighted by
    their visits. Unlike `support`, whose exponential is near 0 for every placement
    beyond about 75 km, this still tells 55 km from 95 km apart for a parent who
    visits twice a week. With no essential link that visits, it is `NEUTRAL`.
    """
    essential = essential_links(m)
    if not len(essential):
        return np.full(len(idx), NEUTRAL)
    visits = np.array([m.support[j].visits_per_month for j in essential.tolist()])
    hours = journey_hours(1.0, m.support_km[np.ix_(idx, essential)], policy) * visits
    value = np.clip(1.0 - hours / policy.journey_hours_per_month, 0.0, 1.0)
    return np.asarray(value @ visits / visits.sum(), dtype=np.float64)


def specialist(world: World, referral: Referral, idx: NDArray[np.int64]) -> FloatArray:
    parts: list[tuple[float, FloatArray]] = [(1.0, world.ofsted_value[idx])]
    preferred = referral.preferred_specialisms
    if preferred:
        offered = world.specialisms[idx]
        matched = sum(((offered & SPECIALISM_BIT[s]) != 0).astype(np.float64) for s in preferred)
        parts.append((2.0, np.asarray(matched, dtype=np.float64) / len(preferred)))
    if _has_exploitation_risk(referral):
        parts.append((2.0, world.specialist[idx].astype(np.float64)))
    return _weighted_mean(parts)


def continuity(world: World, referral: Referral, m: Measures, policy: Policy, idx: NDArray[np.int64]) -> FloatArray:
    parts: list[tuple[float, FloatArray]] = []
    if referral.la_code is not None:
        parts.append((2.0, area_continuity(world, referral.la_code)[idx]))
    schools = np.array([j for j, s in enumerate(m.support) if s.kind in ("school", "college")], dtype=np.int64)
    if len(schools):
        parts.append((2.0, np.exp(-m.support_km[np.ix_(idx, schools)] / policy.support_scale_km).mean(axis=1)))
    any_preferred = any(referral.suitability(s) == "preferred" for s in SETTINGS)
    if any_preferred:
        value = np.array([1.0 if referral.suitability(s) == "preferred" else NEUTRAL for s in SETTINGS])
        parts.append((1.0, value[world.setting[idx]]))
    if not parts:
        return np.full(len(idx), NEUTRAL)
    return _weighted_mean(parts)


def area_continuity(world: World, la_code: str) -> FloatArray:
    """1 inside the responsible authority, 0.5 in an adjoining one, 0 beyond; 0.5 if unknown.

    Kept per world and authority (read-only): a panel scores many referrals of the same
    few authorities against one pool.
    """
    kept = _AREA_CONTINUITY.setdefault(world, {})
    found = kept.get(la_code)
    if found is None:
        values = {c: (1.0 if c == la_code else 0.5 if adjoins(c, la_code) else 0.0) for c in set(world.la_code)}
        values[""] = NEUTRAL
        found = kept[la_code] = np.array([values[c] for c in world.la_code], dtype=np.float64)
        found.setflags(write=False)
    return found


_AREA_CONTINUITY: WeakKeyDictionary[World, dict[str, FloatArray]] = WeakKeyDictionary()


def cost(world: World, policy: Policy, idx: NDArray[np.int64]) -> FloatArray:
    weekly = world.weekly_cost[idx]
    value = 1.0 / (1.0 + weekly / policy.cost_half_weekly)
    return np.asarray(np.where(np.isnan(weekly), NEUTRAL, value), dtype=np.float64)


def score(world: World, referral: Referral, m: Measures, policy: Policy, idx: NDArray[np.int64]) -> Scores:
    components = {
        "safety": safety(world, m, policy, idx),
        "support": support(m, policy, idx),
        "journey": journey(m, policy, idx),
        "specialist": specialist(world, referral, idx),
        "continuity": continuity(world, referral, m, policy, idx),
        "cost": cost(world, policy, idx),
    }
    weights = {k: getattr(policy.weights, k) for k in WEIGHT_KEYS}
    total = sum(weights.values())
    value = sum(weights[k] * components[k] for k in WEIGHT_KEYS) / total * 100.0
    return Scores(idx, components, np.asarray(value, dtype=np.float64))


def _weighted_mean(parts: list[tuple[float, FloatArray]]) -> FloatArray:
    total = sum(w for w, _ in parts)
    return np.asarray(sum(w * v for w, v in parts) / total, dtype=np.float64)


def _has_exploitation_risk(referral: Referral) -> bool:
    return any(EXPLOITATION_RISKS.intersection(p.risks) for p in referral.young_people)
