"""Counts of children as the capacity review publishes them: tallies of records, perturbed.

Every count of children on the capacity pages, their downloads and the scenarios goes
through one `Disclosure` (planner.disclosure): a record key per child (or referral, or
episode), the same figure for the same children wherever it appears, small counts `c`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask import current_app

from planner.disclosure import DEFAULT_MAX_NOISE, DEFAULT_THRESHOLD, Disclosure, Tally, disclosure_for, total


def threshold() -> int:
    value = int(current_app.config.get("SUPPRESSION_THRESHOLD", DEFAULT_THRESHOLD))
    return max(1, value)


def protection() -> Disclosure:
    """The deployment's protection: keyed by DISCLOSURE_KEY, or else derived from SECRET_KEY."""
    secret = current_app.config.get("DISCLOSURE_KEY") or current_app.config["SECRET_KEY"]
    noise = int(current_app.config.get("DISCLOSURE_MAX_NOISE", DEFAULT_MAX_NOISE))
    return disclosure_for(secret, threshold(), noise)


@dataclass
class Split:
    """Records counted once in total and once in each of several partitions.

    `parts[p][k]` is the tally of part k of partition p (for example distance: within 20
    miles, more than 20 miles, not known; location: inside, outside, not known).
    """

    shape: tuple[int, ...]
    total: Tally = field(default_factory=Tally)
    parts: list[list[Tally]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.parts:
            self.parts = [[Tally() for _ in range(size)] for size in self.shape]

    def add(self, record: Tally, where: Sequence[int]) -> None:
        """Count a record in the total and in part `where[p]` of each partition p."""
        self.total = self.total + record
        for p, k in enumerate(where):
            self.parts[p][k] = self.parts[p][k] + record

    def text(self, dz: Disclosure, p: int, k: int) -> str:
        return dz.text(self.parts[p][k])

    def rate(self, dz: Disclosure, p: int, k: int) -> str:
        return dz.rate(self.parts[p][k], self.total)


def combined(splits: Iterable[Split], shape: tuple[int, ...]) -> Split:
    """The split of all the records of several (disjoint) splits together."""
    out = Split(shape)
    for s in splits:
        out.total = out.total + s.total
        for p, row in enumerate(s.parts):
            for k, tally in enumerate(row):
                out.parts[p][k] = out.parts[p][k] + tally
    return out


__all__ = ["Split", "Tally", "combined", "protection", "threshold", "total"]
