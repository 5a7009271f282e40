"""Cell-key perturbation: the same children give the same figure, small counts never show, noise is bounded."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from planner.disclosure import (
    DEFAULT_MAX_NOISE,
    KEY_RANGE,
    NOISE_BY_KEY,
    SUPPRESSED,
    Tally,
    disclosure_for,
    noise,
    total,
)

DZ = disclosure_for("a test deployment secret")
REFERENCES = st.lists(st.from_regex(r"YP-[0-9]{1,4}", fullmatch=True), unique=True, max_size=60)


def _tally(references: list[str]) -> Tally:
    return total(DZ.one("young_person", r) for r in references)


def test_the_noise_table_is_centred_and_bounded() -> None:
    """Every key moves a count by at most 2; on average by nothing."""
    spread = Counter(NOISE_BY_KEY)
    assert len(NOISE_BY_KEY) == KEY_RANGE
    assert set(spread) == {-2, -1, 0, 1, 2} and spread[-2] == spread[2] and spread[-1] == spread[1]
    assert sum(NOISE_BY_KEY) == 0


@given(REFERENCES, st.randoms(use_true_random=False))
def test_the_same_children_give_the_same_figure_in_any_order(references: list[str], rng: object) -> None:
    """A cell's figure depends on who is in it, not on the order they were counted or how it was split."""
    shuffled = list(references)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    half = len(shuffled) // 2
    assert _tally(references) == _tally(shuffled) == _tally(shuffled[:half]) + _tally(shuffled[half:])
    assert DZ.text(_tally(references)) == DZ.text(_tally(shuffled))


@given(REFERENCES)
def test_a_figure_is_c_or_within_the_noise_of_the_count(references: list[str]) -> None:
    """Shown figures are at least the threshold and within 2 of the true count; 1 and 2 never show."""
    tally = _tally(references)
    shown = DZ.text(tally)
    if shown == SUPPRESSED:
        assert tally.n <= DZ.threshold - 1 + DEFAULT_MAX_NOISE
    else:
        value = int(shown)
        assert value >= DZ.threshold and abs(value - tally.n) <= DEFAULT_MAX_NOISE
    if tally.n <= 2:
        assert shown == SUPPRESSED
    low, high = DZ.bounds(shown)
    assert low <= tally.n <= high


def test_nothing_is_c_too_so_c_never_says_at_least_one() -> None:
    """An empty cell shows c like a small one, unless the threshold is 1 (nothing hidden)."""
    assert DZ.text(Tally()) == SUPPRESSED
    assert DZ.bounds(SUPPRESSED)[0] == 0
    assert disclosure_for("x", threshold=1, max_noise=0).text(Tally()) == "0"


def test_record_keys_are_fixed_and_depend_on_the_secret() -> None:
    """A record's key is the same every time under one secret, and differs under another."""
    keys = [DZ.record_key("young_person", f"YP-{i}") for i in range(200)]
    assert keys == [DZ.record_key("young_person", f"YP-{i}") for i in range(200)]
    assert all(0 <= k < KEY_RANGE for k in keys)
    other = disclosure_for("another secret")
    assert keys != [other.record_key("young_person", f"YP-{i}") for i in range(200)]


def test_rates_come_from_the_published_counts() -> None:
    """A rate is c when either count is hidden, and a whole percentage of the published figures otherwise."""
    big = Tally(40, 7)
    part = Tally(30, 200)
    rate = DZ.rate(part, big)
    top, bottom = DZ.value(part), DZ.value(big)
    assert top is not None and bottom is not None
    assert rate == f"{round(100 * top / bottom)}%"
    assert DZ.rate(Tally(2, 9), big) == SUPPRESSED


def test_no_noise_shows_the_count() -> None:
    """With the largest adjustment 0 the figure is the count (used by tests that check arithmetic)."""
    exact = disclosure_for("x", threshold=1, max_noise=0)
    assert [exact.text(Tally(n, 17)) for n in (0, 1, 7)] == ["0", "1", "7"]
    assert all(noise(n, k, 0) == 0 for n in range(1, 30) for k in range(0, KEY_RANGE, 7))
