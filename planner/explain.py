"""Why a referral has no option, and the smallest changes that would give it one.

`explain_no_option(world, referral, policy)` answers two questions for a referral
that no placement suits:

- **Which rules bind.** How many placements each hard rule excludes, and which rules
  removed the last options: the placements a rule excludes on its own (every other
  rule passes there), so relaxing that rule alone would give options.
- **The smallest changes that would give an option**, each in words, with the number
  of options it would give and the best score among them:
  numeric thresholds lowered or raised just enough (the linked-area and high-severity
  buffers, the referral's distance limit, a support link's limit); one more vacancy at
  a placement; a placement offering a missing specialism; a setting judged suitable,
  the solo recommendation or a worker's exclusion reconsidered; inadequate providers
  allowed. Rules the law or registration sets (ages, sexes, supported accommodation
  under 16, a secure home without an order, the fostering limit) and people to keep
  apart are never offered as changes.

Method: direct search, not CP-SAT assumptions. The rules are evaluated for every
placement at once, so each placement's failing rules are known exactly; a change can
only help at placements where every failing rule is one the change relaxes. For a
numeric threshold, the value each such placement needs is read from its measures, and
the best is rounded to a whole kilometre (outwards); for the others the placement is
changed as described. Every change is then checked by evaluating the rules again under
it (the same code as a ranking), and the options reported are the ones that check
finds. Decision 0006 records why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from planner.authorities import authority_name
from planner.case import Placement, Referral, SupportLink
from planner.constraints import REASON_CODES
from planner.evaluation import Evaluation, evaluate_referral
from planner.policy import Policy
from planner.scoring import score
from planner.wording import SETTING_WORDS, listing, plural, words
from planner.world import World, prepare_world

# Rules a change may relax, and the rules never offered (law, registration, safety).
RELAXABLE = frozenset(
    {
        "no_vacancy",
        "setting_unsuitable",
        "missing_specialism",
        "near_linked_area",
        "near_risk_location",
        "in_high_severity_area",
        "not_solo",
        "support_out_of_reach",
        "too_far_from_home",
        "inadequate_provider",
        "excluded_by_worker",
    }
)
FIXED = frozenset(REASON_CODES) - RELAXABLE
CODE_WORDS = {
    "no_vacancy": "no vacancy",
    "setting_unsuitable": "setting marked unsuitable",
    "unlawful_setting": "supported accommodation under 16",
    "no_secure_order": "no secure accommodation order",
    "fostering_limit": "usual fostering limit",
    "age_out_of_range": "age range",
    "sex_not_accepted": "sexes accepted",
    "missing_specialism": "missing specialism",
    "near_linked_area": "linked-area buffer",
    "near_risk_location": "risk-location buffer",
    "in_high_severity_area": "high-severity-area buffer",
    "resident_conflict": "a resident to keep apart from",
    "not_solo": "solo placement needed",
    "support_out_of_reach": "support link out of reach",
    "too_far_from_home": "too far from home",
    "inadequate_provider": "rated inadequate",
    "excluded_by_worker": "excluded by a worker",
}
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


@dataclass(frozen=True)
class Binding:
    """One rule's part in leaving the referral without an option."""

    code: str
    excludes: int  # placements the rule excludes
    alone: int  # placements only this rule excludes: relaxing it alone frees them


@dataclass(frozen=True)
class Change:
    """A change that would give the referral options, in words."""

    codes: tuple[str, ...]  # the rules it relaxes
    detail: str  # "lowering the linked-area buffer from 20 km to 14 km gives 2 options"
    options: int
    placement_ids: tuple[str, ...]
    best_score: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "codes": list(self.codes),
            "detail": self.detail,
            "options": self.options,
            "placement_ids": list(self.placement_ids),
            "best_score": self.best_score,
        }


@dataclass(frozen=True)
class NoOption:
    """Why a referral has no option, and what would give it one."""

    referral_id: str
    placements: int
    feasible: int
    binding: tuple[Binding, ...]
    last_removed_by: tuple[str, ...]  # rules that alone exclude some placement
    changes: tuple[Change, ...]

    def summary(self) -> str:
        """One paragraph, as an unplaced referral's reason gives it."""
        if self.feasible:
            return f"{plural(self.feasible, 'placement')} suits this referral."
        if not self.placements:
            return "There are no placements to consider."
        counts = ", ".join(f"{CODE_WORDS[b.code]} {b.excludes:,}" for b in self.binding[:4])
        text = f"No placement passes every hard rule (placements excluded by rule: {counts})."
        if self.last_removed_by:
            alone = [b for b in self.binding if b.code in self.last_removed_by]
            text += " The last options were removed by " + listing(
                [f"{CODE_WORDS[b.code]} (alone at {plural(b.alone, 'placement')})" for b in alone]
            )
            text += "."
        else:
            text += " Every placement breaks two rules or more."
        if self.changes:
            text += " Smallest changes that would give an option: " + "; ".join(c.detail for c in self.changes[:3])
            text += "."
        else:
            text += " No change this planner may suggest would give an option."
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "referral_id": self.referral_id,
            "placements": self.placements,
            "feasible": self.feasible,
            "binding": [{"code": b.code, "excludes": b.excludes, "alone": b.alone} for b in self.binding],
            "last_removed_by": list(self.last_removed_by),
            "changes": [c.to_dict() for c in self.changes],
            "summary": self.summary(),
        }


def explain_no_option(
    world: World, referral: Referral, policy: Policy, evaluation: Evaluation | None = None, limit: int = 6
) -> NoOption:
    """The binding rules and the smallest changes that would give `referral` an option.

    Meant for a referral with no feasible placement; for one with options it reports
    them and no changes.
    """
    found = evaluation or evaluate_referral(world, referral, policy)
    fails = found.fails
    failing = np.zeros(len(world), dtype=np.int64)
    for code in REASON_CODES:
        failing += fails[code]
    binding = tuple(
        sorted(
            (
                Binding(code, int(fails[code].sum()), int((fails[code] & (failing == 1)).sum()))
                for code in REASON_CODES
                if fails[code].any()
            ),
            key=lambda b: (-b.alone, -b.excludes, REASON_CODES.index(b.code)),
        )
    )
    last = tuple(b.code for b in binding if b.alone)
    changes: tuple[Change, ...] = ()
    if not len(found.feasible) and len(world):
        changes = tuple(_changes(world, referral, policy, found)[:limit])
    return NoOption(referral.id, len(world), len(found.feasible), binding, last, changes)


def no_option_reason(world: World, referral: Referral, policy: Policy) -> tuple[str, str, tuple[str, ...]]:
    """(code, detail, placement ids) for an unplaced referral that no placement suits."""
    why = explain_no_option(world, referral, policy, limit=3)
    placements = tuple(dict.fromkeys(pid for c in why.changes for pid in c.placement_ids))
    return "no_feasible_placement", why.summary(), placements


def placement_words(world: World, i: int) -> str:
    """'a specialist foster placement in Trafford', 'a children's home'."""
    p = world.placements[i]
    kind = {
        "foster": "foster placement",
        "residential": "children's home",
        "supported": "supported accommodation",
        "secure": "secure children's home",
    }[p.setting]
    text = f"{'a specialist ' if p.specialist else 'a '}{kind}"
    name = authority_name(p.la_code)
    return f"{text} in {name}" if name else text


def more_vacancies(n: int) -> str:
    return "one more vacancy" if n == 1 else f"{_NUMBER_WORDS.get(n, str(n))} more vacancies"


# --- the search -----------------------------------------------------------------------


def _changes(world: World, referral: Referral, policy: Policy, found: Evaluation) -> list[Change]:
    fails = found.fails
    codes = [c for c in REASON_CODES if fails[c].any()]
    matrix = np.stack([fails[c] for c in codes]) if codes else np.zeros((0, len(world)), dtype=bool)
    # Placements every one of whose failing rules a change may relax.
    relaxable = np.array([c in RELAXABLE for c in codes], dtype=bool)
    candidates = np.flatnonzero(~(matrix & ~relaxable[:, None]).any(axis=0))
    by_rules: dict[tuple[str, ...], list[int]] = {}
    for i in candidates.tolist():
        key = tuple(c for c, fail in zip(codes, matrix[:, i].tolist(), strict=True) if fail)
        by_rules.setdefault(key, []).append(i)
    changes: list[Change] = []
    # One rule at a time (the smallest changes); two rules together only when no single
    # rule would do.
    for size in (1, 2):
        for key in sorted((k for k in by_rules if len(k) == size), key=lambda k: [REASON_CODES.index(c) for c in k]):
            where = by_rules[key] if size == 1 else [_least_changed(world, policy, found, by_rules[key])]
            change = _change_for(world, referral, policy, found, key, where)
            if change is not None:
                changes.append(change)
        if changes:
            break
    changes.sort(key=lambda c: (-(c.best_score or 0.0), c.detail))
    return changes


def _least_changed(world: World, policy: Policy, found: Evaluation, where: list[int]) -> int:
    """Of placements failing the same two rules, the one needing the least change (relative to
    each threshold), so both changes describe one placement."""
    m = found.context.measures
    idx = np.array(where, dtype=np.int64)
    size = np.zeros(len(idx))
    if policy.min_km_from_linked_areas > 0:
        size += np.maximum(policy.min_km_from_linked_areas - np.minimum(m.linked_km[idx], m.risk_km[idx]), 0.0) / (
            policy.min_km_from_linked_areas
        )
    if policy.min_km_from_high_severity_areas > 0:
        size += np.maximum(policy.min_km_from_high_severity_areas - world.high.nearest_km[idx], 0.0) / (
            policy.min_km_from_high_severity_areas
        )
    limit = found.context.referral.max_km_from_home
    if limit:
        size += np.maximum(m.home_km[idx].max(axis=1) - limit, 0.0) / limit
    for j, link in enumerate(m.support):
        if link.max_km:
            size += np.maximum(m.support_km[idx, j] - link.max_km, 0.0) / link.max_km
    return where[int(np.argmin(size))]


def _change_for(
    world: World, referral: Referral, policy: Policy, found: Evaluation, key: tuple[str, ...], where: list[int]
) -> Change | None:
    """The change relaxing exactly the rules in `key`, for placements failing only those."""
    m = found.context.measures
    idx = np.array(where, dtype=np.int64)
    new_policy, new_referral = policy, referral
    said: list[str] = []
    placement_level = [c for c in key if c in ("no_vacancy", "missing_specialism")]
    buffer_codes = {"near_linked_area", "near_risk_location"}
    if buffer_codes & set(key):
        needed = float(np.max(np.minimum(m.linked_km[idx], m.risk_km[idx])))
        value = _down(needed)
        if value <= 0:
            return None
        new_policy = replace(new_policy, min_km_from_linked_areas=value)
        which = "linked-area and risk-location buffer" if "near_risk_location" in key else "linked-area buffer"
        said.append(f"lowering the {which} from {policy.min_km_from_linked_areas:g} km to {value:g} km")
    if "in_high_severity_area" in key:
        value = _down(float(np.max(world.high.nearest_km[idx])))
        if value <= 0:
            return None
        new_policy = replace(new_policy, min_km_from_high_severity_areas=value)
        said.append(
            f"lowering the high-severity-area buffer from {policy.min_km_from_high_severity_areas:g} km to {value:g} km"
        )
    if "too_far_from_home" in key:
        limit = referral.max_km_from_home or 0.0
        value = float(math.ceil(float(np.min(m.home_km[idx].max(axis=1))) + 1e-9))
        new_referral = replace(new_referral, max_km_from_home=value)
        said.append(f"raising the referral's distance limit from {limit:g} km to {value:g} km")
    if "support_out_of_reach" in key:
        raised, words_ = _raise_support(m.support, m.support_km[idx])
        if raised is None:
            return None
        new_referral = replace(
            new_referral,
            young_people=tuple(
                replace(p, support=tuple(raised.get(s, s) for s in p.support)) for p in new_referral.young_people
            ),
        )
        said.append(words_)
    if "setting_unsuitable" in key:
        settings = sorted({world.placements[i].setting for i in where})
        new_referral = replace(
            new_referral,
            settings=tuple((s, "suitable" if s in settings else v) for s, v in new_referral.settings),
        )
        said.append(f"judging {listing([SETTING_WORDS[s].lower() for s in settings])} suitable")
    if "not_solo" in key:
        new_referral = replace(new_referral, solo=False)
        said.append("placing without the solo recommendation")
    if "excluded_by_worker" in key:
        ids = {world.placements[i].id for i in where}
        new_referral = replace(
            new_referral,
            excluded_placements=tuple(e for e in new_referral.excluded_placements if e.placement_id not in ids),
        )
        said.append(f"lifting a worker's exclusion of {listing(sorted(ids))}")
    if "inadequate_provider" in key:
        new_policy = replace(new_policy, allow_inadequate=True)
        said.append("allowing providers rated inadequate (policy allow_inadequate)")

    if placement_level:
        return _placement_change(world, referral, new_referral, new_policy, found, key, where, said)
    options = evaluate_referral(world, new_referral, new_policy)
    if not len(options.feasible):
        return None
    best = int(np.argmax(options.reported))
    option_ids = tuple(world.placements[int(i)].id for i in options.feasible)
    return Change(
        key,
        f"{' and '.join(said)} gives {plural(len(option_ids), 'option')}",
        len(option_ids),
        option_ids,
        float(options.reported[best]),
    )


def _placement_change(
    world: World,
    referral: Referral,
    new_referral: Referral,
    new_policy: Policy,
    found: Evaluation,
    key: tuple[str, ...],
    where: list[int],
    said: list[str],
) -> Change | None:
    """One more vacancy, or a missing specialism, at the best-scoring placement that needs only that."""
    m = found.context.measures
    scores = score(world, referral, m, new_policy, np.array(where, dtype=np.int64)).score
    i = where[int(np.argmax(scores))]
    p = world.placements[i]
    changed = p
    what: list[str] = []
    if "no_vacancy" in key:
        more = len(referral.young_people) - p.vacancies
        changed = replace(changed, vacancies=p.vacancies + more, capacity=max(p.capacity, p.vacancies + more))
        what.append(f"{more_vacancies(more)} at {placement_words(world, i)} ({p.id})")
    if "missing_specialism" in key:
        missing = [s for s in referral.required_specialisms if s not in p.specialisms]
        changed = replace(changed, specialisms=p.specialisms + tuple(missing))
        offering = f"offering {listing([words(s) for s in missing])}"
        if what:
            what[-1] += f", {offering}"
        else:
            what.append(f"{placement_words(world, i)} ({p.id}) {offering}")
    checked = _check_one(world, changed, new_referral, new_policy)
    if checked is None:
        return None
    return Change(key, f"{' and '.join([*what, *said])} gives an option", 1, (p.id,), checked)


def _check_one(world: World, placement: Placement, referral: Referral, policy: Policy) -> float | None:
    """The score `placement` would have as an option, or None if some rule still excludes it."""
    alone = prepare_world(
        (placement,),
        world.areas + world.expired,
        tuple(world.groups.values()),
        world.as_of,
        world.use_expired_intelligence,
    )
    # The one-placement world knows only this placement: a worker's exclusion of another
    # placement cannot apply here, and looking it up would fail (it is not in the world).
    mine = tuple(e for e in referral.excluded_placements if e.placement_id == placement.id)
    found = evaluate_referral(alone, replace(referral, excluded_placements=mine), policy)
    return float(found.reported[0]) if len(found.feasible) else None


def _raise_support(
    links: tuple[SupportLink, ...], km: NDArray[np.float64]
) -> tuple[dict[SupportLink, SupportLink] | None, str]:
    """Raise each limited link's max_km just enough for the nearest of these placements."""
    # The placement needing the least raising overall.
    excess = np.zeros(km.shape[0])
    for j, s in enumerate(links):
        if s.max_km is not None:
            excess += np.maximum(km[:, j] - s.max_km, 0.0)
    row = int(np.argmin(excess))
    raised: dict[SupportLink, SupportLink] = {}
    said: list[str] = []
    for j, s in enumerate(links):
        if s.max_km is not None and km[row, j] > s.max_km:
            value = float(math.ceil(km[row, j] + 1e-9))
            raised[s] = replace(s, max_km=value)
            said.append(f"raising the limit on {s.label} from {s.max_km:g} km to {value:g} km")
    if not raised:
        return None, ""
    return raised, " and ".join(said)


def _down(km: float) -> float:
    """A buffer just small enough: whole kilometres, or tenths below one."""
    if km >= 1:
        return float(math.floor(km + 1e-9))
    return math.floor(km * 10 + 1e-9) / 10
