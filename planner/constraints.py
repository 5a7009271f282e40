"""The hard constraints: each a named rule with a stable reason code and a sentence.

A rule takes the prepared world, the referral, its measures and the policy, and
returns a boolean array: True where the placement is excluded. `explain` turns
one exclusion into the sentence a social worker would write. Every rule is
checked for every placement, so an excluded placement lists every code that
applies, not only the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from planner.case import SETTINGS, SEXES, USUAL_FOSTERING_LIMIT, Referral
from planner.measures import Measures
from planner.policy import Policy
from planner.reasons import linked_group_words
from planner.wording import SETTING_WORDS, buffer, distance, distances, listing, plural, words
from planner.world import SEX_BIT, World, specialism_mask

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Context:
    world: World
    referral: Referral
    measures: Measures
    policy: Policy

    # Phrases every sentence of a rule shares, worded once per ranking.
    @cached_property
    def linked_buffer(self) -> str:
        return buffer(self.policy.min_km_from_linked_areas)

    @cached_property
    def high_buffer(self) -> str:
        return buffer(self.policy.min_km_from_high_severity_areas)


Rule = Callable[[Context], BoolArray]
Explain = Callable[[Context, int], str]
BatchExplain = Callable[[Context, list[int]], list[str]]
SentenceKeys = Callable[[Context, list[int]], list[Hashable]]


@dataclass(frozen=True)
class Constraint:
    """A hard rule. `depends_on`, when given, gives for each placement what its sentence
    depends on, so the sentence is worded once per distinct value in a ranking."""

    code: str
    rule: Rule
    explain: Explain
    depends_on: SentenceKeys | None = None
    # Rules whose sentences carry a distance word a whole batch at once instead.
    explain_batch: BatchExplain | None = None

    def explain_many(self, c: Context, indices: list[int]) -> list[Exclusion]:
        if not indices:
            return []
        if self.explain_batch is not None:
            return [Exclusion(self.code, text) for text in self.explain_batch(c, indices)]
        if self.depends_on is None:
            return [Exclusion(self.code, self.explain(c, i)) for i in indices]
        worded: dict[Hashable, Exclusion] = {}
        out = []
        for i, key in zip(indices, self.depends_on(c, indices), strict=True):
            found = worded.get(key)
            if found is None:
                found = worded[key] = Exclusion(self.code, self.explain(c, i))
            out.append(found)
        return out


class Exclusion(NamedTuple):
    """One rule a placement breaks, with its sentence. NamedTuples, not dataclasses:
    a big pool has tens of thousands of these per ranking."""

    code: str
    detail: str


def _column(values: Callable[[Context], NDArray[Any]]) -> SentenceKeys:
    return lambda c, indices: list(values(c)[indices].tolist())


def _same_for_all(c: Context, indices: list[int]) -> list[Hashable]:
    return [None] * len(indices)


def no_vacancy(c: Context) -> BoolArray:
    """Hard constraint: the placement has fewer places free than young people to place."""
    return c.world.vacancies < len(c.referral.young_people)


def _explain_no_vacancy(c: Context, i: int) -> str:
    need = len(c.referral.young_people)
    free = c.world.placements[i].vacancies
    return f"{plural(free, 'place')} free; {plural(need, 'young person', 'young people')} to place."


def setting_unsuitable(c: Context) -> BoolArray:
    """Hard constraint: the referral marks this kind of setting unsuitable."""
    unsuitable = [i for i, s in enumerate(SETTINGS) if c.referral.suitability(s) == "unsuitable"]
    return np.isin(c.world.setting, unsuitable)


def _explain_setting_unsuitable(c: Context, i: int) -> str:
    return f"{SETTING_WORDS[c.world.placements[i].setting]}: the setting is marked unsuitable in the referral."


def unlawful_setting(c: Context) -> BoolArray:
    """Hard constraint: supported accommodation or independent living (by setting or by PLACE
    code K3, H5, P2) for anyone under 16 (unlawful since 2021)."""
    under_16 = any(p.age < 16 for p in c.referral.young_people)
    return c.world.unregulated & under_16


def _explain_unlawful_setting(c: Context, i: int) -> str:
    young = [f"{p.id} is {p.age}" for p in c.referral.young_people if p.age < 16]
    code = c.world.placements[i].place_code
    what = "Supported accommodation" if code in (None, "K3", "H5") else "Independent living"
    typed = f" (placement type {code})" if code else ""
    return f"{what}{typed} is only for 16- and 17-year-olds; {listing(young)}."


def no_secure_order(c: Context) -> BoolArray:
    """Hard constraint: a secure children's home (K1) without a secure accommodation order (s25)
    or an authorisation in force on the day of the ranking."""
    order = c.referral.secure_accommodation
    allowed = order is not None and order.covers(c.world.as_of)
    return c.world.secure_home & (not allowed)


def _explain_no_secure_order(c: Context, i: int) -> str:
    need = "A secure children's home needs a secure accommodation order (Children Act 1989 s25) or an authorisation"
    order = c.referral.secure_accommodation
    if order is None:
        return f"{need}; the referral records neither."
    what = "order" if order.basis == "s25_order" else "authorisation"
    return (
        f"{need}; the referral's {what} runs from {order.start.isoformat()} to {order.end.isoformat()}, "
        f"not covering {c.world.as_of.isoformat()}."
    )


def fostering_limit(c: Context) -> BoolArray:
    """Hard constraint: a foster household would foster more than three children (Children Act
    1989 Schedule 7), unless the household or the referral holds an exemption or the children
    would all be siblings."""
    if c.referral.fostering_exemption:
        return np.zeros(len(c.world), dtype=bool)
    over = c.world.fostering_limited & (c.world.resident_count + len(c.referral.young_people) > USUAL_FOSTERING_LIMIT)
    siblings = {s for p in c.referral.young_people for s in p.siblings}
    for i in np.flatnonzero(over).tolist():
        # A referral's young people are one sibling group; with residents who are all
        # their brothers and sisters, every child fostered there is a sibling.
        if siblings.issuperset(c.world.placements[i].residents):
            over[i] = False
    return over


def _explain_fostering_limit(c: Context, i: int) -> str:
    p = c.world.placements[i]
    total = len(p.residents) + len(c.referral.young_people)
    return (
        f"The household would foster {total} children, over the usual fostering limit of "
        f"{USUAL_FOSTERING_LIMIT} (Children Act 1989 Schedule 7); they are not all siblings and "
        "no exemption is recorded."
    )


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


def _explain_near_linked_area(c: Context, indices: list[int]) -> list[str]:
    areas = c.measures.linked_areas
    described: dict[int, str] = {}
    out = []
    for text, j in zip(distances(c.measures.linked_km[indices]), c.measures.linked_idx[indices].tolist(), strict=True):
        if j not in described:
            area = areas[j]
            groups = linked_group_words(c.world, c.referral, c.measures.linked_groups, area)
            described[j] = f" from {area.label}, an area linked to {groups}, inside {c.linked_buffer}."
        out.append(text + described[j])
    return out


def near_risk_location(c: Context) -> BoolArray:
    """Hard constraint: inside the buffer around a young person's personal risk location."""
    return c.measures.risk_km < c.policy.min_km_from_linked_areas


def _explain_near_risk_location(c: Context, indices: list[int]) -> list[str]:
    places = c.measures.risk_locations
    out = []
    for km, text, j in zip(
        c.measures.risk_km[indices].tolist(),
        distances(c.measures.risk_km[indices]),
        c.measures.risk_idx[indices].tolist(),
        strict=True,
    ):
        label = places[j].label
        where = (
            f"At a personal risk location ({label})" if km == 0 else f"{text} from a personal risk location ({label})"
        )
        out.append(f"{where}, inside {c.linked_buffer}.")
    return out


def in_high_severity_area(c: Context) -> BoolArray:
    """Hard constraint: inside the buffer around any high-severity area, linked or not."""
    return c.world.high.nearest_km < c.policy.min_km_from_high_severity_areas


def _explain_in_high_severity_area(c: Context, indices: list[int]) -> list[str]:
    areas = c.world.high.areas
    out = []
    for km, text, j in zip(
        c.world.high.nearest_km[indices].tolist(),
        distances(c.world.high.nearest_km[indices]),
        c.world.high.nearest_idx[indices].tolist(),
        strict=True,
    ):
        where = "Inside" if km == 0 else f"{text} from"
        out.append(f"{where} a high-severity area ({areas[j].label}), within {c.high_buffer}.")
    return out


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


def _explain_support_out_of_reach(c: Context, indices: list[int]) -> list[str]:
    limited = [(j, s) for j, s in enumerate(c.measures.support) if s.max_km is not None]
    words_of = {
        j: f" from {s.label} ({words(s.kind)}), beyond its limit of {distance(s.max_km or 0)}" for j, s in limited
    }
    rows = c.measures.support_km[indices]
    texts = {j: distances(rows[:, j]) for j, _ in limited}
    beyond = {j: (rows[:, j] > (s.max_km or 0)).tolist() for j, s in limited}
    return ["; ".join(texts[j][k] + words_of[j] for j, _ in limited if beyond[j][k]) + "." for k in range(len(indices))]


def too_far_from_home(c: Context) -> BoolArray:
    """Hard constraint: further from a young person's home than the referral's limit."""
    if c.referral.max_km_from_home is None:
        return np.zeros(len(c.world), dtype=bool)
    return np.any(c.measures.home_km > c.referral.max_km_from_home, axis=1)


def _explain_too_far_from_home(c: Context, indices: list[int]) -> list[str]:
    limit = c.referral.max_km_from_home
    assert limit is not None
    tail = f" from home, beyond the referral's limit of {distance(limit)}."
    return [text + tail for text in distances(c.measures.home_km[indices].max(axis=1))]


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


def _batched(code: str, rule: Rule, batch: BatchExplain) -> Constraint:
    return Constraint(code, rule, lambda c, i: batch(c, [i])[0], explain_batch=batch)


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("no_vacancy", no_vacancy, _explain_no_vacancy, _column(lambda c: c.world.vacancies)),
    Constraint(
        "setting_unsuitable",
        setting_unsuitable,
        _explain_setting_unsuitable,
        _column(lambda c: c.world.setting),
    ),
    Constraint(
        "unlawful_setting",
        unlawful_setting,
        _explain_unlawful_setting,
        lambda c, indices: [c.world.placements[i].place_code for i in indices],
    ),
    Constraint("no_secure_order", no_secure_order, _explain_no_secure_order, _same_for_all),
    Constraint(
        "fostering_limit",
        fostering_limit,
        _explain_fostering_limit,
        _column(lambda c: c.world.resident_count),
    ),
    Constraint(
        "age_out_of_range",
        age_out_of_range,
        _explain_age_out_of_range,
        lambda c, indices: list(zip(c.world.age_min[indices].tolist(), c.world.age_max[indices].tolist(), strict=True)),
    ),
    Constraint("sex_not_accepted", sex_not_accepted, _explain_sex_not_accepted, _column(lambda c: c.world.sex_mask)),
    Constraint(
        "missing_specialism",
        missing_specialism,
        _explain_missing_specialism,
        _column(lambda c: c.world.specialisms),
    ),
    _batched("near_linked_area", near_linked_area, _explain_near_linked_area),
    _batched("near_risk_location", near_risk_location, _explain_near_risk_location),
    _batched("in_high_severity_area", in_high_severity_area, _explain_in_high_severity_area),
    Constraint("resident_conflict", resident_conflict, _explain_resident_conflict),
    Constraint("not_solo", not_solo, _explain_not_solo, _column(lambda c: c.world.resident_count)),
    _batched("support_out_of_reach", support_out_of_reach, _explain_support_out_of_reach),
    _batched("too_far_from_home", too_far_from_home, _explain_too_far_from_home),
    Constraint("inadequate_provider", inadequate_provider, _explain_inadequate_provider, _same_for_all),
    Constraint("excluded_by_worker", excluded_by_worker, _explain_excluded_by_worker),
)
REASON_CODES: tuple[str, ...] = tuple(c.code for c in CONSTRAINTS)


def evaluate(c: Context) -> dict[str, BoolArray]:
    """Each rule's exclusions over the whole pool, by reason code."""
    return {con.code: np.asarray(con.rule(c), dtype=bool).reshape(len(c.world)) for con in CONSTRAINTS}


def explain_exclusions(c: Context, fails: dict[str, BoolArray]) -> dict[int, list[Exclusion]]:
    """Every rule each excluded placement breaks, with its sentence, in table order."""
    found: defaultdict[int, list[Exclusion]] = defaultdict(list)
    for con in CONSTRAINTS:
        indices = np.flatnonzero(fails[con.code]).tolist()
        for i, exclusion in zip(indices, con.explain_many(c, indices), strict=True):
            found[i].append(exclusion)
    return found
