"""Why an option ranks where it does, in sentences a social worker would write."""

from __future__ import annotations

import math

from planner.authorities import (
    APPROVAL_DIRECTOR,
    APPROVAL_NOMINATED_OFFICER,
    RULE_CONNECTED_PERSON,
    RULE_OWN_FOSTER_CARER,
    Approval,
    authority_name,
)
from planner.case import EXPLOITATION_RISKS, Area, Referral
from planner.measures import Measures
from planner.policy import Policy
from planner.wording import SETTING_WORDS, buffer, distance, listing, words
from planner.world import World

_SUPPORT_SHOWN = 3


def option_reasons(
    world: World, referral: Referral, m: Measures, policy: Policy, i: int, approval: Approval
) -> list[str]:
    """Reasons for placement `i` as an option, most important first."""
    p = world.placements[i]
    reasons = [_safety(world, referral, m, policy, i)]
    risk = m.nearest_risk_location(i)
    if risk is not None:
        reasons.append(f"{distance(float(m.risk_km[i]))} from the nearest personal risk location ({risk.label}).")
    high = world.high.nearest_area(i)
    if high is not None and world.high.nearest_km[i] < policy.high_area_scale_km:
        reasons.append(
            f"{distance(float(world.high.nearest_km[i]))} from a high-severity area ({high.label}), "
            "which lowers the safety score."
        )
    medium = world.medium.nearest_area(i)
    if medium is not None and world.medium.nearest_km[i] < policy.medium_area_scale_km:
        reasons.append(
            f"{distance(float(world.medium.nearest_km[i]))} from a medium-severity area ({medium.label}), "
            "which lowers the safety score a little."
        )
    reasons += _support(m, i)
    reasons.append(f"{distance(float(m.home_km[i].max()))} from home.")
    reasons += _specialist(referral, p.specialisms, p.specialist, p.ofsted_rating)
    reasons.append(_where(referral, p.la_code, approval))
    suitability = referral.suitability(p.setting)
    if suitability == "preferred":
        reasons.append(f"{SETTING_WORDS[p.setting]}: the preferred setting.")
    if p.weekly_cost is not None:
        reasons.append(f"Costs £{p.weekly_cost:,.0f} a week.")
    else:
        reasons.append("Weekly cost not recorded.")
    return reasons


def _safety(world: World, referral: Referral, m: Measures, policy: Policy, i: int) -> str:
    area = m.nearest_linked_area(i)
    if area is None:
        if m.linked_groups:
            return "No known area is linked to the young person's groups or their rivals."
        return "No gang or group links are recorded, so no linked areas apply."
    return (
        f"{distance(float(m.linked_km[i]))} from {area.label}, the nearest area linked to "
        f"{linked_group_words(world, referral, m.linked_groups, area)}, "
        f"beyond {buffer(policy.min_km_from_linked_areas)}."
    )


def linked_group_words(world: World, referral: Referral, linked_groups: frozenset[str], area: Area) -> str:
    """'the Northside group and the Eastside group (a rival of the young person's group)'."""
    own = {g for p in referral.young_people for g in p.groups}
    names = [
        f"the {world.groups[g].label if g in world.groups else g} group"
        + ("" if g in own else " (a rival of the young person's group)")
        for g in sorted(linked_groups.intersection(area.groups))
    ]
    return listing(names)


def _support(m: Measures, i: int) -> list[str]:
    if not m.support:
        return ["No support network is recorded for this referral."]
    order = sorted(
        range(len(m.support)),
        key=lambda j: (-_rank_of(m.support[j].importance), -m.support[j].visits_per_month, m.support[j].id),
    )
    lines = []
    for j in order[:_SUPPORT_SHOWN]:
        s = m.support[j]
        visits = f", {plural_visits(s.visits_per_month)}" if s.visits_per_month else ""
        lines.append(f"{distance(float(m.support_km[i, j]))} from {s.label} ({words(s.kind)}, {s.importance}{visits}).")
    if len(order) > _SUPPORT_SHOWN:
        more = len(order) - _SUPPORT_SHOWN
        lines.append(f"{more} more support {'link is' if more == 1 else 'links are'} counted in the support score.")
    return lines


def plural_visits(n: float) -> str:
    return f"{n:g} visit a month" if n == 1 else f"{n:g} visits a month"


def _rank_of(importance: str) -> int:
    return {"essential": 3, "important": 2, "helpful": 1}[importance]


def _specialist(referral: Referral, offered: tuple[str, ...], is_specialist: bool, rating: str | None) -> list[str]:
    lines = []
    exploited = any(EXPLOITATION_RISKS.intersection(p.risks) for p in referral.young_people)
    if exploited:
        lines.append(
            "A specialist placement for young people at risk of exploitation."
            if is_specialist
            else "Not a specialist placement for young people at risk of exploitation."
        )
    if referral.preferred_specialisms:
        matched = [words(s) for s in referral.preferred_specialisms if s in offered]
        n = len(referral.preferred_specialisms)
        if matched:
            lines.append(f"Offers {len(matched)} of {n} preferred specialisms: {listing(matched)}.")
        else:
            lines.append(f"Offers none of the {n} preferred specialisms.")
    lines.append(f"Ofsted rating: {words(rating)}." if rating else "Ofsted rating not recorded.")
    return lines


def _where(referral: Referral, placement_la: str | None, found: Approval) -> str:
    name = authority_name(placement_la) or placement_la or "an unknown authority"
    if found.rule == RULE_CONNECTED_PERSON:
        return f"In {name}, with a connected person (reg 24): exempt from reg 11 approval under reg 11(4)."
    if found.rule == RULE_OWN_FOSTER_CARER:
        return (
            f"In {name}, with the responsible authority's own approved foster carers: "
            "exempt from reg 11 approval under reg 11(4)."
        )
    approval = found.level
    if approval is None:
        missing = "the placement's authority" if referral.la_code else "the responsible authority"
        return f"In {name}; {missing} is not known, so reg 11 approval cannot be worked out."
    if approval == APPROVAL_NOMINATED_OFFICER:
        return (
            f"Outside the responsible authority, in {name} which adjoins it: a nominated officer must approve (reg 11)."
        )
    if approval == APPROVAL_DIRECTOR:
        return (
            f"Outside the responsible authority and at a distance, in {name}: "
            "the director of children's services must approve (reg 11)."
        )
    return f"Inside the responsible authority ({name})."


def finite_or_none(value: float, digits: int = 3) -> float | None:
    return None if math.isinf(value) else round(value, digits)
