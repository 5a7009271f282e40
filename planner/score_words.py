"""The score said in words: each component of one option, and why one option is above another.

`component_words` is worked out only for the options a ranking returns (a few dozen
sentences), never for the whole pool, so it costs the engine nothing at scale.
`why_above` works on the `placement-ranking/1` option documents, so the pages can
compare the options of a stored run without the engine's arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from planner.authorities import adjoins, authority_name
from planner.case import EXPLOITATION_RISKS, Referral
from planner.measures import Measures
from planner.policy import WEIGHT_KEYS, Policy
from planner.reasons import plural_visits
from planner.scoring import journey_hours
from planner.wording import SETTING_WORDS, distance, listing, words
from planner.world import World

COMPONENT_NAMES = {
    "safety": "Safety",
    "support": "Support",
    "journey": "Journey",
    "specialist": "Specialist",
    "continuity": "Continuity",
    "cost": "Cost",
}
# Below this a component is "almost nothing", and the words say so rather than leave a bare 0.02.
_ALMOST_NOTHING = 0.05


def component_words(
    world: World, referral: Referral, m: Measures, policy: Policy, i: int, components: Mapping[str, float]
) -> dict[str, str]:
    """One sentence per component of placement `i`: 'Specialist 0.62: Ofsted good; …'."""
    said = {
        "safety": _safety(world, m, policy, i),
        "support": _support(m, i, components["support"]),
        "journey": _journey(m, policy, i),
        "specialist": _specialist(world, referral, i),
        "continuity": _continuity(world, referral, m, i),
        "cost": _cost(world, i),
    }
    return {k: f"{COMPONENT_NAMES[k]} {components[k]:.2f}: {said[k]}." for k in WEIGHT_KEYS if k in components}


def _safety(world: World, m: Measures, policy: Policy, i: int) -> str:
    nearest = float(min(m.linked_km[i], m.risk_km[i]))
    parts = []
    if np.isinf(nearest):
        parts.append("no linked area or personal risk location to keep away from")
    else:
        what = "linked area" if m.linked_km[i] <= m.risk_km[i] else "personal risk location"
        parts.append(f"{distance(nearest)} from the nearest {what}")
        if nearest >= policy.safe_km:
            parts.append(f"full marks from {distance(policy.safe_km)}, and further earns no more")
        else:
            parts.append(f"rising to full marks at {distance(policy.safe_km)}")
    high, medium = float(world.high.nearest_km[i]), float(world.medium.nearest_km[i])
    if high < policy.high_area_scale_km:
        parts.append(f"lowered by a high-severity area {distance(high)} away")
    if medium < policy.medium_area_scale_km:
        parts.append(f"lowered a little by a medium-severity area {distance(medium)} away")
    return "; ".join(parts)


def _support(m: Measures, i: int, value: float) -> str:
    if not m.support:
        return "no support network recorded, so neutral"
    order = sorted(range(len(m.support)), key=lambda j: (_importance_rank(m.support[j].importance), m.support[j].id))
    near = [f"{m.support[j].label} ({m.support[j].importance}) {distance(float(m.support_km[i, j]))}" for j in order]
    text = "closeness to the support network, by importance and visits: " + listing(near[:3])
    if len(near) > 3:
        text += f" and {len(near) - 3} more"
    if value < _ALMOST_NOTHING:
        text += "; at these distances the network counts for almost nothing here"
    return text


def _journey(m: Measures, policy: Policy, i: int) -> str:
    essential = [j for j, s in enumerate(m.support) if s.importance == "essential"]
    if not essential:
        return "no essential support person recorded, so neutral"
    parts = []
    for j in essential:
        s = m.support[j]
        km = float(m.support_km[i, j])
        if not s.visits_per_month:
            parts.append(f"{s.label} is {distance(km)} away, with no visits recorded")
            continue
        hours = float(journey_hours(s.visits_per_month, km, policy))
        parts.append(
            f"{s.label} ({plural_visits(s.visits_per_month)}) would travel about {hours:.0f} hours a month, "
            f"{distance(km)} each way"
        )
    if all(not m.support[j].visits_per_month for j in essential):
        return "; ".join(parts) + ": no visiting journey to count, so neutral"
    limit = policy.journey_hours_per_month
    return "; ".join(parts) + f" (visiting stops being practical at {limit:g} hours a month)"


def _specialist(world: World, referral: Referral, i: int) -> str:
    p = world.placements[i]
    parts = [f"Ofsted {words(p.ofsted_rating)}" if p.ofsted_rating else "Ofsted rating not recorded"]
    preferred = referral.preferred_specialisms
    if preferred:
        matched = [s for s in preferred if s in p.specialisms]
        if len(preferred) == 1:
            parts.append("offers the preferred specialism" if matched else "does not offer the preferred specialism")
        else:
            parts.append(f"offers {len(matched)} of the {len(preferred)} preferred specialisms")
    risks = sorted({r for person in referral.young_people for r in person.risks} & EXPLOITATION_RISKS)
    if risks:
        trained = listing([words(r) for r in risks])
        parts.append(f"trained for {trained}" if p.specialist else f"not a specialist placement for {trained}")
    return "; ".join(parts)


def _continuity(world: World, referral: Referral, m: Measures, i: int) -> str:
    p = world.placements[i]
    parts = []
    if referral.la_code is not None:
        if p.la_code is None:
            parts.append("the placement's authority is not recorded")
        elif p.la_code == referral.la_code:
            parts.append("inside the responsible authority")
        elif adjoins(p.la_code, referral.la_code):
            parts.append(f"in {authority_name(p.la_code) or p.la_code}, which adjoins the responsible authority")
        else:
            parts.append(f"in {authority_name(p.la_code) or p.la_code}, not next to the responsible authority")
    schools = [j for j, s in enumerate(m.support) if s.kind in ("school", "college")]
    for j in schools[:2]:
        parts.append(f"{distance(float(m.support_km[i, j]))} from {m.support[j].label}")
    if referral.suitability(p.setting) == "preferred":
        parts.append(f"{SETTING_WORDS[p.setting].lower()} is the preferred setting")
    elif any(referral.suitability(s) == "preferred" for s, _ in referral.settings):
        parts.append(f"{SETTING_WORDS[p.setting].lower()} is not the preferred setting")
    return "; ".join(parts) if parts else "nothing recorded to judge by, so neutral"


def _cost(world: World, i: int) -> str:
    weekly = world.placements[i].weekly_cost
    return "weekly cost not recorded, so neutral" if weekly is None else f"£{weekly:,.0f} a week"


def _importance_rank(importance: str) -> int:
    return {"essential": 0, "important": 1, "helpful": 2}.get(importance, 3)


# --- why one option is above another --------------------------------------------------


def component_points(option: Mapping[str, Any], weights: Mapping[str, float]) -> dict[str, float]:
    """Each component's share of the option's score, in points out of 100."""
    total = sum(float(weights.get(k, 0.0)) for k in option["components"]) or 1.0
    return {k: 100.0 * float(v) * float(weights.get(k, 0.0)) / total for k, v in option["components"].items()}


def why_above(a: Mapping[str, Any], b: Mapping[str, Any], weights: Mapping[str, float]) -> dict[str, Any]:
    """Why option `a` scores above (or below) option `b`: the points each component adds or takes away.

    `a` and `b` are `placement-ranking/1` option documents and `weights` the ranking's
    policy weights. The points add up to the difference in score (to rounding).
    """
    pa, pb = component_points(a, weights), component_points(b, weights)
    rows: list[dict[str, Any]] = []
    for k in pa:
        points = round(pa[k] - pb.get(k, 0.0), 2)
        va, vb = float(a["components"][k]), float(b["components"].get(k, 0.0))
        name = COMPONENT_NAMES.get(k, k.capitalize())
        if points > 0:
            detail = f"{name} adds {points:.2f} points for {a['placement_id']} ({va:.2f} against {vb:.2f})."
        elif points < 0:
            detail = f"{name} takes away {-points:.2f} points from {a['placement_id']} ({va:.2f} against {vb:.2f})."
        else:
            detail = f"{name} makes no difference ({va:.2f} against {vb:.2f})."
        rows.append({"component": k, "points": points, "detail": detail})
    order = {k: n for n, k in enumerate(WEIGHT_KEYS)}
    rows.sort(key=lambda r: (-abs(r["points"]), order.get(r["component"], len(order))))
    difference = round(float(a["score"]) - float(b["score"]), 2)
    above = "above" if difference > 0 else "below" if difference < 0 else "level with"
    summary = f"{a['placement_id']} is {abs(difference):.2f} points {above} {b['placement_id']}"
    lead = rows[0] if rows else None
    if lead is not None and difference and (lead["points"] > 0) == (difference > 0):
        summary += f", mostly on {COMPONENT_NAMES.get(lead['component'], lead['component']).lower()}"
    return {
        "above": a["placement_id"],
        "below": b["placement_id"],
        "difference": difference,
        "summary": summary + ".",
        "components": rows,
    }
