"""Ranking one referral against a prepared world: filter, score, order, explain."""

from __future__ import annotations

import base64
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

import numpy as np

from planner.authorities import placement_approval
from planner.balance import ESSENTIAL_FURTHER, dominated_by, essential_further, robustness
from planner.case import Referral
from planner.constraints import CONSTRAINTS, REASON_CODES, BoolArray, Context, Exclusion, explain_exclusions
from planner.evaluation import evaluate_referral
from planner.policy import Policy
from planner.reasons import finite_or_none, option_reasons
from planner.score_words import component_words
from planner.world import World

RANKING_FORMAT = "placement-ranking/1"
# The `excluded` member of a ranking kept without words (`Ranking.to_dict(words=False)`).
REASON_MASKS_FORM = "reason-masks/1"


@dataclass(frozen=True)
class Option:
    rank: int
    placement_id: str
    score: float
    components: dict[str, float]
    facts: dict[str, Any]
    reasons: tuple[str, ...]
    # Each component in words, and the options that beat this one on both safety and
    # closeness to the support network (see `planner.balance`).
    component_words: dict[str, str] = field(default_factory=dict)
    dominated_by: tuple[str, ...] = ()


class Excluded(NamedTuple):
    placement_id: str
    reasons: tuple[Exclusion, ...]


class Exclusions:
    """Which rules exclude which placements, kept as the rules' masks until someone reads them.

    A big pool excludes thousands of placements with tens of thousands of sentences, and
    wording them was most of a ranking's time. Many callers never read them (a panel, the
    capacity pages' counts, a relocation re-check that looks at one placement), so they are
    worded on first reading, by the same rules and in the same words.
    """

    def __init__(self, context: Context, fails: dict[str, BoolArray]):
        self._context = context
        self._fails = fails
        self._records: tuple[Excluded, ...] | None = None

    def records(self) -> tuple[Excluded, ...]:
        """Every excluded placement in id order, with every rule it breaks in table order."""
        if self._records is None:
            world = self._context.world
            with _collector_paused():
                sentences = explain_exclusions(self._context, self._fails)
                self._records = tuple(
                    Excluded(world.placements[i].id, tuple(sentences[i])) for i in world.id_order if i in sentences
                )
        return self._records

    def of(self, placement_id: str) -> tuple[Exclusion, ...]:
        """The rules one placement breaks, worded, without wording anyone else's (empty if none)."""
        i = self._context.world.index_of.get(placement_id)
        if i is None:
            return ()
        return tuple(e for con in CONSTRAINTS if self._fails[con.code][i] for e in con.explain_many(self._context, [i]))

    def of_many(self, placement_ids: Iterable[str]) -> dict[str, tuple[Exclusion, ...]]:
        """`of` for several placements, each rule worded for all of them at once (a page's
        fifty, not one at a time); only the placements excluded, in the order given."""
        index_of = self._context.world.index_of
        wanted = [(p, index_of[p]) for p in dict.fromkeys(placement_ids) if p in index_of]
        found: dict[str, list[Exclusion]] = {p: [] for p, _ in wanted}
        for con in CONSTRAINTS:
            mask = self._fails[con.code]
            hit = [(p, i) for p, i in wanted if mask[i]]
            if hit:
                worded = con.explain_many(self._context, [i for _, i in hit])
                for (p, _), exclusion in zip(hit, worded, strict=True):
                    found[p].append(exclusion)
        return {p: tuple(found[p]) for p, _ in wanted if found[p]}

    def masks(self) -> dict[str, BoolArray]:
        """Each code that excludes at least one placement, in table order, with its mask over the
        world's placements in the case's order (read them, never change them)."""
        return {code: mask for code in REASON_CODES if (mask := self._fails[code]).any()}

    def codes(self, worded_per_code: int = 0) -> dict[str, Any]:
        """The exclusions as codes and bits (see `reason_masks`), and the first
        `worded_per_code` placements under each code (by id) with their reasons worded.

        A regional ranking excludes some 10,000 placements with 44,000 sentences (4 MB of
        JSON); as one bit per placement and code it is a few kilobytes, and the sentences can
        be worded again from the same case whenever someone reads them. The few worded here
        are what a summary by reason shows, so showing it needs no ranking again.
        """
        world = self._context.world
        masks = self.masks()
        order = np.array(world.id_order, dtype=np.int64)
        first = {world.placements[i].id for mask in masks.values() for i in order[mask[order]][:worded_per_code]}
        worded = self.of_many(world.placements[i].id for i in world.id_order if world.placements[i].id in first)
        return {
            "form": REASON_MASKS_FORM,
            "placements": len(world),
            "masks": {
                code: base64.b64encode(np.packbits(mask).tobytes()).decode("ascii") for code, mask in masks.items()
            },
            "worded": [
                {"placement_id": p, "reasons": [{"code": r.code, "detail": r.detail} for r in reasons]}
                for p, reasons in worded.items()
            ],
        }


def reason_masks(codes: dict[str, Any]) -> dict[str, BoolArray]:
    """The masks of `Exclusions.codes()`: for each code, which of the case's placements (in the
    case's order) it excludes. Raises ValueError on anything else."""
    if not isinstance(codes, dict) or codes.get("form") != REASON_MASKS_FORM:
        raise ValueError(f"not a {REASON_MASKS_FORM} document")
    n = int(codes["placements"])
    masks: dict[str, BoolArray] = {}
    for code, packed in codes["masks"].items():
        if code not in REASON_CODES:
            raise ValueError(f"unknown reason code {code!r}")
        bits = np.unpackbits(np.frombuffer(base64.b64decode(packed, validate=True), dtype=np.uint8))
        if len(bits) != -(-n // 8) * 8:
            raise ValueError(f"the mask of {code} is not {n} placements long")
        masks[code] = bits[:n].astype(bool)
    return masks


@dataclass(frozen=True)
class Warning:
    code: str
    area_id: str | None
    detail: str
    # For `top_option_far_from_essential`: the top option, the closer one, the essential link.
    placement_id: str | None = None
    closer_placement_id: str | None = None
    support_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "area_id": self.area_id, "detail": self.detail}
        if self.code == ESSENTIAL_FURTHER:
            out |= {
                "placement_id": self.placement_id,
                "closer_placement_id": self.closer_placement_id,
                "support_id": self.support_id,
            }
        return out


@dataclass(frozen=True)
class Ranking:
    referral_id: str
    policy: Policy
    options: tuple[Option, ...]
    exclusions: Exclusions = field(compare=False, repr=False)
    placements: int
    feasible: int
    excluded_by_reason: dict[str, int]
    warnings: tuple[Warning, ...]
    as_of: date
    robustness: dict[str, Any] | None = None

    @property
    def excluded(self) -> tuple[Excluded, ...]:
        """Every excluded placement with its reasons, worded when first read."""
        return self.exclusions.records()

    def to_dict(self, words: bool = True, worded_per_code: int = 0) -> dict[str, Any]:
        """The `placement-ranking/1` document, key order fixed.

        With `words=False`, `excluded` is `Exclusions.codes(worded_per_code)` (codes as bit
        masks, and only the first few placements under each code worded) instead of the worded
        list: what a stored run keeps, not a public document.
        """
        return {
            "format": RANKING_FORMAT,
            "referral_id": self.referral_id,
            "as_of": self.as_of.isoformat(),
            "policy": {**self.policy.as_dict(), "version": self.policy.version()},
            "options": [
                {
                    "rank": o.rank,
                    "placement_id": o.placement_id,
                    "score": o.score,
                    "components": o.components,
                    "facts": o.facts,
                    "reasons": list(o.reasons),
                    "component_words": o.component_words,
                    "dominated_by": list(o.dominated_by),
                }
                for o in self.options
            ],
            "excluded": self.worded_excluded() if words else self.exclusions.codes(worded_per_code),
            "summary": {
                "placements": self.placements,
                "feasible": self.feasible,
                "returned": len(self.options),
                "excluded_by_reason": self.excluded_by_reason,
            },
            "warnings": [w.to_dict() for w in self.warnings],
            "robustness": self.robustness,
        }

    def worded_excluded(self) -> list[dict[str, Any]]:
        """The document's `excluded` member: every excluded placement by id, with its reasons worded."""
        return [
            {"placement_id": e.placement_id, "reasons": [{"code": r.code, "detail": r.detail} for r in e.reasons]}
            for e in self.excluded
        ]


def rank(world: World, referral: Referral, policy: Policy) -> Ranking:
    """Rank every placement in `world` for `referral` under `policy`.

    The world must have been prepared with the same `use_expired_intelligence`.
    Unknown placement ids in `excluded_placements` are a caller error (the case
    reader rejects them).
    """
    if world.use_expired_intelligence != policy.use_expired_intelligence:
        raise ValueError("the world was prepared under a different use_expired_intelligence")
    with _collector_paused():
        return _rank(world, referral, policy)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one ranking builds its result.

    A ranking over a large pool makes tens of thousands of small tuples and strings.
    Each burst of allocations sets off collections that walk the whole prepared world,
    which more than doubled the time of a ranking in the benchmark. None of these
    objects form cycles, so nothing waits on the collector; it runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rank(world: World, referral: Referral, policy: Policy) -> Ranking:
    found = evaluate_referral(world, referral, policy)
    context, fails, feasible, reported = found.context, found.fails, found.feasible, found.reported
    scores, m = found.scores, context.measures
    ids = [world.placements[i].id for i in feasible]
    # Ordered by the reported (rounded) score, ties by placement id.
    order = sorted(range(len(feasible)), key=lambda k: (-reported[k], ids[k]))
    options = tuple(
        _option(world, referral, m, policy, rank_no, int(feasible[k]), float(reported[k]), scores.components, k)
        for rank_no, k in enumerate(order[: policy.max_options], start=1)
    )
    beaten = dominated_by(options)
    options = tuple(replace(o, dominated_by=beaten[o.placement_id]) for o in options)

    by_reason = {code: int(fails[code].sum()) for code in REASON_CODES if fails[code].any()}
    warnings = tuple(
        Warning(
            "expired_intelligence",
            a.id,
            f"{a.label} passed its review date ({a.review_by}) and was not used; review it.",
        )
        for a in sorted(world.expired_relevant(m.linked_groups), key=lambda a: a.id)
    )
    further = essential_further(options, m.support, policy)
    if further is not None:
        warnings += (
            Warning(
                ESSENTIAL_FURTHER,
                None,
                further.detail,
                further.placement_id,
                further.closer_placement_id,
                further.support_id,
            ),
        )
    return Ranking(
        referral.id,
        policy,
        options,
        Exclusions(context, fails),
        len(world),
        len(feasible),
        by_reason,
        warnings,
        world.as_of,
        robustness(scores.components, ids, policy),
    )


def _option(
    world: World,
    referral: Referral,
    m: Any,
    policy: Policy,
    rank_no: int,
    i: int,
    reported: float,
    components: dict[str, np.ndarray],
    k: int,
) -> Option:
    p = world.placements[i]
    approval = placement_approval(referral.la_code, p)
    linked = m.nearest_linked_area(i)
    risk = m.nearest_risk_location(i)
    facts: dict[str, Any] = {
        "distance_from_home_km": round(float(m.home_km[i].max()), 3),
        "nearest_linked_km": finite_or_none(float(m.linked_km[i])),
        "nearest_linked_id": linked.id if linked else None,
        "nearest_risk_location_km": finite_or_none(float(m.risk_km[i])),
        "nearest_risk_location_id": risk.id if risk else None,
        "nearest_high_severity_km": finite_or_none(float(world.high.nearest_km[i])),
        "support_km": {s.id: round(float(m.support_km[i, j]), 3) for j, s in enumerate(m.support)},
        "la_code": p.la_code,
        "in_area": None if referral.la_code is None or p.la_code is None else p.la_code == referral.la_code,
        "approval": approval.level,
        "approval_rule": approval.rule,
    }
    rounded = {name: round(float(values[k]), 4) for name, values in components.items()}
    return Option(
        rank=rank_no,
        placement_id=p.id,
        score=reported,
        components=rounded,
        facts=facts,
        reasons=tuple(option_reasons(world, referral, m, policy, i, approval)),
        component_words=component_words(world, referral, m, policy, i, rounded),
    )
