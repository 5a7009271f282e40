"""A placement panel: a batch of referrals against one pool, as the allocation sees it.

Each referral is checked and scored against every placement exactly as a ranking
does (`planner.evaluation`), and what passes every hard rule becomes a candidate
pair. What links referrals to each other is worked out here too: young people who
must be kept apart (`avoid_people` naming a young person of another referral), and
referrals needing a solo placement, and the usual fostering limit across referrals.
`Panel.breaches` checks a proposed allocation
against every rule without the solver: the oracle the tests and `assign` rely on.

The objective is the contract's: first the urgency-weighted number of young people
placed, then the sum of the chosen options' reported scores. Both levels are whole
numbers once scores are counted in hundredths (the scores are reported to two
decimals), so the pair (urgency points U, score hundredths S) is folded into one
whole number, `U * level_weight + S`, with `level_weight` larger than any S can be
(100 points for each referral, plus one more point). A solution with more urgency points
therefore always has the larger folded value, whatever the scores: the folding keeps
the lexicographic order exactly.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from planner.case import USUAL_FOSTERING_LIMIT, Referral
from planner.evaluation import Evaluation, evaluate_referral
from planner.measures import BatchMeasures, referral_points
from planner.policy import Policy
from planner.world import World

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]

# Urgency points per young person placed (CASE-FORMAT.md, "Output of assign").
URGENCY_POINTS = {"today": 3, "within_5_days": 2, "later": 1}
URGENCY_WORDS = {"today": "needed today", "within_5_days": "needed within 5 days", "later": "needed later"}
# A score is at most 100 points, 10,000 hundredths.
MAX_SCORE_CENTS = 10_000
# Referrals measured together: their points' distances are one (placements x points) array.
_CHUNK = 256


class Options(NamedTuple):
    """A referral's feasible placements (indices, ascending) and their reported scores."""

    feasible: IntArray
    reported: FloatArray


@dataclass(frozen=True)
class KeptApart:
    """Two referrals whose young people must not share a placement, and who named whom."""

    first: int
    second: int
    people: tuple[tuple[str, str], ...]  # (young person, the person they must not live with)


@dataclass(frozen=True)
class Panel:
    """Candidate pairs and the links between referrals, indexed for the allocation.

    Pairs are grouped by referral, in referral order, and by placement index within a
    referral: `pair_referral[starts[r]:starts[r + 1]]` are referral `r`'s pairs.
    """

    world: World
    policy: Policy
    referrals: tuple[Referral, ...]
    size: IntArray  # young people in each referral
    points: IntArray  # urgency points for placing each referral (per young person x young people)
    solo: BoolArray
    pair_referral: IntArray
    pair_placement: IntArray
    pair_score: FloatArray  # the score a ranking reports (two decimals)
    pair_cents: IntArray  # the same in hundredths, exactly
    starts: IntArray
    kept_apart: tuple[KeptApart, ...]
    vacancies: IntArray  # places free at each placement for this batch (`capacity`, less any fixed here)
    evaluate_seconds: float
    # Places each placement offers the batch: its vacancies, or fewer where the usual fostering
    # limit leaves less room (see `batch_capacity`). A solo referral, or a pair over the limit
    # by an exemption or as siblings, takes all of it.
    capacity: IntArray

    @property
    def over_limit(self) -> NDArray[np.bool_]:
        """Pairs that pass the fostering limit only on their own (an exemption, or a sibling group
        with its brothers and sisters): nobody else in the batch may join them there."""
        i = self.pair_placement
        room = np.maximum(USUAL_FOSTERING_LIMIT - self.world.resident_count[i], 0)
        return np.asarray(self.world.fostering_limited[i] & (self.size[self.pair_referral] > room))

    @property
    def flow_vacancies(self) -> IntArray:
        """Vacancies in young people, for the flow bound: the world's places, less any fixed here.
        Looser than the batch's capacity where the fostering limit cuts it, so the bound holds."""
        return np.asarray(self.vacancies + (self.world.vacancies - self.capacity))

    @property
    def level_weight(self) -> int:
        """What one urgency point is worth in score hundredths: more than any total of scores.

        100 points per referral, plus one: in points, `100 * referrals + 1`.
        """
        return MAX_SCORE_CENTS * len(self.referrals) + 100

    @property
    def pair_weight(self) -> IntArray:
        """Places a pair takes at its placement: the young people, or all of the placement's
        `capacity` for a solo referral or a pair over the fostering limit.

        Such a pair fits only where nobody else in the batch goes (`vacancies` may be less
        than `capacity`, see `with_placed`).
        """
        whole = self.solo[self.pair_referral] | self.over_limit
        return np.where(whole, self.capacity[self.pair_placement], self.size[self.pair_referral])

    @property
    def exclusive(self) -> NDArray[np.bool_]:
        """Pairs that fill their placement on their own (a solo referral, or a group as large as
        the vacancies): nobody else in the batch can join them there."""
        return np.asarray(self.pair_weight >= self.vacancies[self.pair_placement])

    @property
    def pair_value(self) -> IntArray:
        """A pair's contribution to the folded objective (`points * level_weight + score hundredths`)."""
        return self.points[self.pair_referral] * self.level_weight + self.pair_cents

    def pairs_of(self, r: int) -> range:
        return range(int(self.starts[r]), int(self.starts[r + 1]))

    def pair_index(self, r: int, placement: int) -> int | None:
        """The index of pair (referral `r`, placement index), or None if it is not a candidate."""
        lo, hi = int(self.starts[r]), int(self.starts[r + 1])
        k = lo + int(np.searchsorted(self.pair_placement[lo:hi], placement))
        return k if k < hi and int(self.pair_placement[k]) == placement else None

    def referral_index(self, referral_id: str) -> int:
        for r, referral in enumerate(self.referrals):
            if referral.id == referral_id:
                return r
        raise KeyError(referral_id)

    def folded(self, chosen: dict[int, int]) -> tuple[int, int]:
        """(urgency points, score hundredths) of an allocation {referral index: pair index}."""
        points = sum(int(self.points[r]) for r in chosen)
        cents = sum(int(self.pair_cents[k]) for k in chosen.values())
        return points, cents

    def value(self, chosen: dict[int, int]) -> int:
        points, cents = self.folded(chosen)
        return points * self.level_weight + cents

    def breaches(self, chosen: dict[int, int]) -> list[str]:
        """Every rule an allocation {referral index: pair index} breaks, in words; [] when none.

        Checked without the solver, from the candidate pairs (every hard rule per pair),
        the vacancies, the people to keep apart and solo referrals.
        """
        problems: list[str] = []
        at: defaultdict[int, list[int]] = defaultdict(list)
        for r, k in chosen.items():
            if not (int(self.starts[r]) <= k < int(self.starts[r + 1])):
                problems.append(f"{self.referrals[r].id}: pair {k} is not one of its options")
                continue
            at[int(self.pair_placement[k])].append(r)
        for i, rs in sorted(at.items()):
            pid = self.world.placements[i].id
            taken = sum(int(self.size[r]) for r in rs)
            used = sum(int(self.pair_weight[chosen[r]]) for r in rs)
            if taken > int(self.flow_vacancies[i]):
                problems.append(f"{pid}: {taken} young people placed, {int(self.flow_vacancies[i])} vacancies")
            elif used > int(self.vacancies[i]) and not any(self.solo[r] for r in rs):
                # (A solo referral takes every place too: that breach is named below, as a solo one.)
                problems.append(
                    f"{pid}: {taken} young people placed from {len(rs)} referrals with "
                    f"{int(self.world.resident_count[i])} children there, over the usual fostering limit"
                )
            if len(rs) > 1 and any(self.solo[r] for r in rs):
                problems.append(f"{pid}: a solo referral shares with {len(rs) - 1} other referrals")
        # Only the pairs that are the referral's own: another index may not be a pair at all.
        where = {r: i for i, rs in at.items() for r in rs}
        for link in self.kept_apart:
            if link.first in where and where.get(link.first) == where.get(link.second):
                a, b = self.referrals[link.first].id, self.referrals[link.second].id
                problems.append(f"{self.world.placements[where[link.first]].id}: {a} and {b} must be kept apart")
        return problems

    def with_placed(self, r: int, k: int) -> Panel:
        """The rest of the batch once referral `r` is placed by pair `k`.

        `r` keeps its index but loses every pair; its places are taken from the
        placement's vacancies (all of them for a solo referral); anyone to be kept apart
        from it loses that placement. The rest of the batch's best allocation plus `r`
        at `k` is the batch's best allocation with `r` fixed there.
        """
        i = int(self.pair_placement[k])
        drop = self.pair_referral == r
        for link in self.kept_apart:
            if r in (link.first, link.second):
                other = link.second if link.first == r else link.first
                drop |= (self.pair_referral == other) & (self.pair_placement == i)
        vacancies = self.vacancies.copy()
        vacancies[i] -= int(self.pair_weight[k])
        # A solo referral already there (by an earlier fix) leaves no room either.
        keep = ~drop & (self.pair_weight <= vacancies[self.pair_placement])
        counts = np.bincount(self.pair_referral[keep], minlength=len(self.referrals))
        return replace(
            self,
            pair_referral=self.pair_referral[keep],
            pair_placement=self.pair_placement[keep],
            pair_score=self.pair_score[keep],
            pair_cents=self.pair_cents[keep],
            starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            vacancies=vacancies,
        )

    def describe(self, r: int) -> str:
        """'referral R-0042 (needed today)', 'referral R-7 (3 siblings, needed later)'."""
        referral = self.referrals[r]
        size = int(self.size[r])
        urgency = URGENCY_WORDS[referral.needed_by]
        return f"referral {referral.id} ({f'{size} siblings, ' if size > 1 else ''}{urgency})"

    def summary(self) -> dict[str, Any]:
        return {
            "referrals": len(self.referrals),
            "placements": len(self.world),
            "pairs": len(self.pair_referral),
            "kept_apart": len(self.kept_apart),
            "sibling_groups": int((self.size > 1).sum()),
            "solo": int(self.solo.sum()),
        }


def prepare_panel(world: World, referrals: tuple[Referral, ...], policy: Policy) -> Panel:
    """Check and score every referral against the pool, and find what links referrals."""
    started = time.perf_counter()
    batch = BatchMeasures(world)
    # Only what the allocation needs is kept from each evaluation (its rule arrays and
    # measures are dropped as it goes: a 2,000-referral batch would hold hundreds of MB).
    evaluations: list[Options] = []
    for first in range(0, len(referrals), _CHUNK):
        chunk = referrals[first : first + _CHUNK]
        points = [referral_points(r) for r in chunk]
        batch.load_points([x for lat, _ in points for x in lat], [y for _, lon in points for y in lon])
        for r in chunk:
            found = evaluate_referral(world, r, policy, batch)
            evaluations.append(Options(found.feasible, found.reported))
    return panel_from(world, referrals, policy, evaluations, time.perf_counter() - started)


def panel_from(
    world: World,
    referrals: tuple[Referral, ...],
    policy: Policy,
    evaluations: Sequence[Options | Evaluation],
    evaluate_seconds: float = 0.0,
) -> Panel:
    """A panel from each referral's options (or evaluations), one per referral, in order."""
    size = np.array([len(r.young_people) for r in referrals], dtype=np.int64)
    points = np.array([URGENCY_POINTS[r.needed_by] for r in referrals], dtype=np.int64) * size
    counts = np.array([len(e.feasible) for e in evaluations], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    pair_referral = np.repeat(np.arange(len(referrals), dtype=np.int64), counts)
    if evaluations:
        pair_placement = np.concatenate([e.feasible for e in evaluations]).astype(np.int64)
        pair_score = np.concatenate([e.reported for e in evaluations]).astype(np.float64)
    else:
        pair_placement = np.zeros(0, dtype=np.int64)
        pair_score = np.zeros(0, dtype=np.float64)
    return Panel(
        world=world,
        policy=policy,
        referrals=referrals,
        size=size,
        points=points,
        solo=np.array([r.solo for r in referrals], dtype=bool),
        pair_referral=pair_referral,
        pair_placement=pair_placement,
        pair_score=pair_score,
        pair_cents=np.rint(pair_score * 100).astype(np.int64),
        starts=starts,
        kept_apart=kept_apart(referrals),
        vacancies=batch_capacity(world),
        evaluate_seconds=evaluate_seconds,
        capacity=batch_capacity(world),
    )


def batch_capacity(world: World) -> IntArray:
    """Places each placement offers a batch.

    A foster household held to the usual fostering limit takes at most as many more
    children as the limit leaves room for (three, less the children there now), whoever
    they are; a referral over that on its own (exempt, or siblings) takes the whole
    household (`Panel.over_limit`). Where the limit leaves no room, at most one such
    referral goes there. Elsewhere, the vacancies.
    """
    room = np.maximum(USUAL_FOSTERING_LIMIT - world.resident_count, 0)
    limited = np.minimum(world.vacancies, np.maximum(room, 1))
    return np.asarray(np.where(world.fostering_limited, limited, world.vacancies), dtype=np.int64)


def kept_apart(referrals: tuple[Referral, ...]) -> tuple[KeptApart, ...]:
    """Pairs of referrals with a young person who must not live with a young person of the other.

    Sharing a home goes both ways, so one naming the other is enough.
    """
    owner = {p.id: r for r, referral in enumerate(referrals) for p in referral.young_people}
    found: defaultdict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    for r, referral in enumerate(referrals):
        for person in referral.young_people:
            for other in person.avoid_people:
                s = owner.get(other)
                if s is not None and s != r:
                    found[(min(r, s), max(r, s))].append((person.id, other))
    return tuple(KeptApart(a, b, tuple(people)) for (a, b), people in sorted(found.items()))
