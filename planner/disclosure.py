"""Protecting published counts of children across every view: cell-key perturbation.

Hiding small counts table by table (`c`, with secondary suppression) protects one table,
but a commissioner can download the same table under many filters, and the difference
between two downloads (every setting, then residential only) gives a hidden count back.
Flexible table builders answer this the way ONS did for Census 2021's custom datasets
(the cell-key method, after the Australian Bureau of Statistics):

- every child (or episode, or referral) counted has a **record key**, a number 0-255 that
  is fixed for that record and secret (an HMAC of its id under the deployment's key);
- a published cell's **cell key** is the sum of its records' keys, modulo 256, so the same
  set of records always has the same cell key, whichever page, filter or download it
  comes from;
- the cell's count is moved by a small **perturbation** (at most `max_noise` either way)
  looked up from its count and cell key. The same cell always shows the same figure, so
  asking again or averaging gains nothing, and a difference between two figures carries
  the noise of both, which nobody outside can know;
- a perturbed count below the threshold is shown as `c`, and so is a count of nothing: if
  an empty cell showed 0, every `c` would say "at least one", and with that an attacker
  who subtracts can pin a small count (the attack test found 12 of 121 in the demo).

Totals are cells of their own (their own records, their own noise), so a table's rows need
not add up to its total exactly; the pages say so. Rates are worked out from the published
counts. See docs/decisions/0051-cell-key-perturbation.md for the parameters and the attack
the tests run against them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

SUPPRESSED = "c"
NOT_APPLICABLE = "z"
DEFAULT_THRESHOLD = 5
DEFAULT_MAX_NOISE = 2
KEY_RANGE = 256
# The perturbation table: for a cell key, how far its count moves. Of 256 keys, 102 leave
# the count as it is, 51 move it one either way and 26 two either way (mean 0, variance
# about 1.2). The order is a fixed shuffle, so neighbouring keys are not alike.
_SPREAD = (-2,) * 26 + (-1,) * 51 + (0,) * 102 + (1,) * 51 + (2,) * 26
_ORDER = tuple((i * 167 + 89) % KEY_RANGE for i in range(KEY_RANGE))  # 167 is coprime with 256
NOISE_BY_KEY = tuple(_SPREAD[_ORDER[k]] for k in range(KEY_RANGE))
# How the count enters the look-up, so that cells with one key but different counts differ.
_COUNT_STEP = 131


@dataclass(frozen=True)
class Tally:
    """A count of records and their cell key (the sum of their record keys, modulo 256).

    Tallies of disjoint sets add up to the tally of their union, so a total built from its
    parts is the same cell as the total counted directly.
    """

    n: int = 0
    key: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.n + other.n, (self.key + other.key) % KEY_RANGE)

    def __radd__(self, other: object) -> Tally:
        if other == 0:  # so that sum(tallies) starts from 0
            return self
        if isinstance(other, Tally):
            return other + self
        return NotImplemented


def total(tallies: Iterable[Tally]) -> Tally:
    """The tally of disjoint sets together."""
    out = Tally()
    for t in tallies:
        out = out + t
    return out


def noise(n: int, key: int, max_noise: int = DEFAULT_MAX_NOISE) -> int:
    """The perturbation of a cell of `n` records with cell key `key` (0 for an empty cell)."""
    if n <= 0:
        return 0
    step = NOISE_BY_KEY[(key + _COUNT_STEP * n) % KEY_RANGE]
    return max(-max_noise, min(max_noise, step))


@dataclass(frozen=True)
class Disclosure:
    """The protection every published count of children goes through.

    `secret` keys the record keys: keep it private and stable (a new secret gives every
    figure new noise, and two sets of figures together could then be averaged).
    """

    secret: bytes
    threshold: int = DEFAULT_THRESHOLD
    max_noise: int = DEFAULT_MAX_NOISE

    def record_key(self, kind: str, ident: object) -> int:
        """The record's fixed key, 0-255: the first byte of an HMAC of what it is and its id."""
        digest = hmac.new(self.secret, f"{kind}:{ident}".encode(), hashlib.sha256).digest()
        return digest[0]

    def one(self, kind: str, ident: object) -> Tally:
        """The tally of one record."""
        return Tally(1, self.record_key(kind, ident))

    def value(self, tally: Tally) -> int | None:
        """The published count: perturbed, or None (shown as `c`) below the threshold or for nothing."""
        if tally.n <= 0:
            return 0 if self.threshold <= 1 else None  # a threshold of 1 hides nothing, not even nothing
        published = tally.n + noise(tally.n, tally.key, self.max_noise)
        return None if published < self.threshold else published

    def text(self, tally: Tally) -> str:
        """The published count as a page shows it: a number, or `c`."""
        value = self.value(tally)
        return SUPPRESSED if value is None else f"{value:,}"

    def rate(self, numerator: Tally, denominator: Tally) -> str:
        """A percentage from the published counts: `c` if either is hidden, `z` of nothing."""
        top, bottom = self.value(numerator), self.value(denominator)
        if top is None or bottom is None:
            return SUPPRESSED
        if bottom == 0:
            return NOT_APPLICABLE
        return f"{min(100, round(100 * top / bottom))}%"

    def bounds(self, shown: str) -> tuple[int, int]:
        """What a published figure says of the true count, as anyone outside can work out.

        `c` is 0 to threshold - 1 + max_noise; a number v is v - max_noise to v + max_noise
        (never below 1). The attack tests use exactly this knowledge.
        """
        if shown == SUPPRESSED:
            return 0, self.threshold - 1 + self.max_noise
        value = int(shown.replace(",", ""))
        if value == 0:
            return 0, 0
        return max(1, value - self.max_noise), value + self.max_noise


def disclosure_for(
    secret: str | bytes, threshold: int = DEFAULT_THRESHOLD, max_noise: int = DEFAULT_MAX_NOISE
) -> Disclosure:
    """A `Disclosure` keyed by a deployment secret (text or bytes), with the threshold at least 1."""
    raw = secret.encode() if isinstance(secret, str) else secret
    # A key of its own, derived from the deployment secret, so it is never the session key itself.
    derived = hmac.new(raw, b"planner-disclosure-record-keys", hashlib.sha256).digest()
    return Disclosure(derived, max(1, threshold), max(0, max_noise))
