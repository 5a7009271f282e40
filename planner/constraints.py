"""The hard constraints: each a named rule with a stable reason code and a sentence.

A rule takes the prepared world, the referral, its measures and the policy, and
returns a boolean array: True where the placement is excluded. `explain` turns
one exclusion into the sentence a social worker would write. Every rule is
checked for every placement, so an excluded placement lists every code that
applies, not only the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from planner.case import SETTINGS, SEXES, Referral
from planner.measures import Measures
from planner.policy import Policy
from planner.reasons import linked_group_words
from planner.wording import SETTING_WORDS, buffer, distance, listing, plural, words
from planner.world import SEX_BIT, World, specialism_mask

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Context:
    world: World
    referral: Referral
    measures: Measures
    policy: Policy


Rule = Callable[[Context], BoolArray]
Explain = Callable[[Context, int], str]


@dataclass(frozen=True)
class Constraint:
    code: str
    rule: Rule
    explain: Explain


def no_vacancy(c: Context) -> BoolArray:
    """Hard constraint: the placement has fewer places free than young people to place."""
    return c.world.vacancies < len(c.referral.young_people)


def _explain_no_vacancy(c: Context, i: int) -> str:
    need = len(c.referral.young_people)
    free = int(c.world.vacancies[i])
    return f"{plural(free, 'place')} free; {plural(need, 'young person', 'young people')} to place."


def setting_unsuitable(c: Context) -> BoolArray:
    """Hard constraint: the referral marks this kind of setting unsuitable."""
    unsuitable = [i for i, s in enumerate(SETTINGS) if c.referral.suitability(s) == "unsuitable"]
    return np.isin(c.world.setting, unsuitable)


def _explain_setting_unsuitable(c: Context, i: int) -> str:
    return f"{SETTING_WORDS[c.world.placements[i].setting]} is marked unsuitable in the referral."


def unlawful_setting(c: Context) -> BoolArray:
    """Hard constraint: supported accommodation for anyone under 16 (unlawful since 2021)."""
    under_16 = any(p.age < 16 for p in c.referral.young_people)
    return (c.world.setting == SETTINGS.index("supported")) & under_16


def _explain_unlawful_setting(c: Context, i: int) -> str:
    young = [f"{p.id} is {p.age}" for p in c.referral.young_people if p.age < 16]
    return f"Supported accommodation is only for 16- and 17-year-olds; {listing(young)}."


def age_out_of_range(c: Context) -> BoolArray:
    """Hard constraint: a young person's age is outside the ages the placement takes."""
    ages = np.array([p.age for p in c.referral.young_people])
    return np.any((ages[None, :] < c.world.age_min[:, None]) | (ages[None, :] > c.world.age_max[:, None]), axis=1)


def _explain_age_out_of_range(c: Context, i: int) -> str:
    p = c.world.placements[i]
    out = [f"{y.id} is {y.age}" for y in c.referral.young_people if not p.age_min <= y.age <= p.age_max]
    return f"Takes ages {p.age_min} to {p.age_max}; {listing(out)}."


def sex_not_accepted(c: Context) -> BoolArray:
    """Hard constraint: the placement takes only some sexes and a young person is not one."""
    needed = 0
    for p in c.referral.young_people:
        if p.sex is not None:
            needed |= SEX_BIT[p.sex]
    return (c.world.sex_mask & needed) != needed


def _explain_sex_not_accepted(c: Context, i: int) -> str:
    p = c.world.placements[i]
    accepted = SEXES if p.sexes is None else p.sexes
    out = [f"{y.id} is {y.sex}" for y in c.referral.young_people if y.sex is not None and y.sex not in accepted]
    return f"Takes {listing(list(accepted)) or 'no'} young people only; {listing(out)}."


def missing_specialism(c: Context) -> BoolArray:
    """Hard constraint: the placement does not offer every required specialism."""
    needed = specialism_mask(c.referral.required_specialisms)
    return (c.world.specialisms & needed) != needed


def _explain_missing_specialism(c: Context, i: int) -> str:
    offered = set(c.world.placements[i].specialisms)
    missing = [words(s) for s in c.referral.required_specialisms if s not in offered]
    return f"Does not offer the required {'specialism' if len(missing) == 1 else 'specialisms'}: {listing(missing)}."


def near_linked_area(c: Context) -> BoolArray:
    """Hard constraint: inside the buffer around an area linked to the child's groups or their rivals."""
    return c.measures.linked_km < c.policy.min_km_from_linked_areas


def _explain_near_linked_area(c: Context, i: int) -> str:
    area = c.measures.nearest_linked_area(i)
    assert area is not None
    return (
        f"{distance(float(c.measures.linked_km[i]))} from {area.label}, an area linked to "
        f"{linked_group_words(c.world, c.referral, c.measures.linked_groups, area)}, "
        f"inside {buffer(c.policy.min_km_from_linked_areas)}."
    )


def near_risk_location(c: Context) -> BoolArray:
    """Hard constraint: inside the buffer around a young person's personal risk location."""
    return c.measures.risk_km < c.policy.min_km_from_linked_areas


def _explain_near_risk_location(c: Context, i: int) -> str:
    place = c.measures.nearest_risk_location(i)
    assert place is not None
    km = float(c.measures.risk_km[i])
    where = (
        f"At a personal risk location ({place.label})"
        if km == 0
        else f"{distance(km)} from a personal risk location ({place.label})"
    )
    return f"{where}, inside {buffer(c.policy.min_km_from_linked_areas)}."


def in_high_severity_area(c: Context) -> BoolArray:
    """Hard constraint: inside the buffer around any high-severity area, linked or not."""
    return c.world.high.nearest_km < c.policy.min_km_from_high_severity_areas


def _explain_in_high_severity_area(c: Context, i: int) -> str:
    area = c.world.high.nearest_area(i)
    assert area is not None
    where = "inside" if c.world.high.nearest_km[i] == 0 else f"{distance(float(c.world.high.nearest_km[i]))} from"
    return (
        f"{where[0].upper()}{where[1:]} a high-severity area ({area.label}), "
        f"within {buffer(c.policy.min_km_from_high_severity_areas)}."
    )


def resident_conflict(c: Context) -> BoolArray:
    """Hard constraint: a current resident is someone a young person must not live with."""
    excluded = np.zeros(len(c.world), dtype=bool)
    for person in {a for p in c.referral.young_people for a in p.avoid_people}:
        excluded[c.world.placements_of_resident.get(person, [])] = True
    return excluded


def _explain_resident_conflict(c: Context, i: int) -> str:
    residents = set(c.world.placements[i].residents)
    who = [f"{p.id} must not live with {r}" for p in c.referral.young_people for r in p.avoid_people if r in residents]
    return f"A current resident is someone to keep apart: {listing(who)}."


def not_solo(c: Context) -> BoolArray:
    """Hard constraint: a solo placement is recommended and children already live there."""
    return (c.world.resident_count > 0) & c.referral.solo


def _explain_not_solo(c: Context, i: int) -> str:
    n = int(c.world.resident_count[i])
    verb = "lives" if n == 1 else "live"
    return f"A solo placement is recommended, and {plural(n, 'child', 'children')} already {verb} here."


def support_out_of_reach(c: Context) -> BoolArray:
    """Hard constraint: further from a support link than that link's own limit."""
    limits = np.array([s.max_km if s.max_km is not None else np.inf for s in c.measures.support])
    return np.any(c.measures.support_km > limits[None, :], axis=1)


def _explain_support_out_of_reach(c: Context, i: int) -> str:
    parts = [
        f"{distance(float(c.measures.support_km[i, j]))} from {s.label} ({words(s.kind)}), "
        f"beyond its limit of {distance(s.max_km)}"
        for j, s in enumerate(c.measures.support)
        if s.max_km is not None and c.measures.support_km[i, j] > s.max_km
    ]
    return "; ".join(parts) + "."


def too_far_from_home(c: Context) -> BoolArray:
    """Hard constraint: further from a young person's home than the referral's limit."""
    if c.referral.max_km_from_home is None:
        return np.zeros(len(c.world), dtype=bool)
    return np.any(c.measures.home_km > c.referral.max_km_from_home, axis=1)


def _explain_too_far_from_home(c: Context, i: int) -> str:
    limit = c.referral.max_km_from_home
    assert limit is not None
    worst = float(c.measures.home_km[i].max())
    return f"{distance(worst)} from home, beyond the referral's limit of {distance(limit)}."


def inadequate_provider(c: Context) -> BoolArray:
    """Hard constraint: rated inadequate by Ofsted, unless the policy allows it."""
    return c.world.inadequate & (not c.policy.allow_inadequate)


def _explain_inadequate_provider(c: Context, i: int) -> str:
    return "Rated inadequate by Ofsted."


def excluded_by_worker(c: Context) -> BoolArray:
    """Hard constraint: a worker excluded this placement for this referral, with a reason."""
    excluded = np.zeros(len(c.world), dtype=bool)
    for item in c.referral.excluded_placements:
        excluded[c.world.index_of[item.placement_id]] = True
    return excluded


def _explain_excluded_by_worker(c: Context, i: int) -> str:
    pid = c.world.placements[i].id
    reasons = [e.reason for e in c.referral.excluded_placements if e.placement_id == pid]
    return "Excluded by a worker: " + "; ".join(reasons)


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("no_vacancy", no_vacancy, _explain_no_vacancy),
    Constraint("setting_unsuitable", setting_unsuitable, _explain_setting_unsuitable),
    Constraint("unlawful_setting", unlawful_setting, _explain_unlawful_setting),
    Constraint("age_out_of_range", age_out_of_range, _explain_age_out_of_range),
    Constraint("sex_not_accepted", sex_not_accepted, _explain_sex_not_accepted),
    Constraint("missing_specialism", missing_specialism, _explain_missing_specialism),
    Constraint("near_linked_area", near_linked_area, _explain_near_linked_area),
    Constraint("near_risk_location", near_risk_location, _explain_near_risk_location),
    Constraint("in_high_severity_area", in_high_severity_area, _explain_in_high_severity_area),
    Constraint("resident_conflict", resident_conflict, _explain_resident_conflict),
    Constraint("not_solo", not_solo, _explain_not_solo),
    Constraint("support_out_of_reach", support_out_of_reach, _explain_support_out_of_reach),
    Constraint("too_far_from_home", too_far_from_home, _explain_too_far_from_home),
    Constraint("inadequate_provider", inadequate_provider, _explain_inadequate_provider),
    Constraint("excluded_by_worker", excluded_by_worker, _explain_excluded_by_worker),
)
REASON_CODES: tuple[str, ...] = tuple(c.code for c in CONSTRAINTS)


def evaluate(c: Context) -> dict[str, BoolArray]:
    """Each rule's exclusions over the whole pool, by reason code."""
    return {con.code: np.asarray(con.rule(c), dtype=bool).reshape(len(c.world)) for con in CONSTRAINTS}


def explain(c: Context, code: str, placement_index: int) -> str:
    return next(con for con in CONSTRAINTS if con.code == code).explain(c, placement_index)
