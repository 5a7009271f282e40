"""The tight bound: the allocation's linear relaxation with placements that one pair fills.

The flow relaxation (`planner.relaxation`) is loose where a sibling group or a solo
referral would fill a placement: the flow lets it take half the places and share
them. This relaxation adds, for every placement where some pair fills all the
vacancies on its own (`Panel.exclusive`), the valid inequality "that pair, or this
other pair, not both", and "not both" for young people kept apart at a placement.
On the benchmark batches its linear optimum is within a point or two of the whole
optimum (the flow's is tens of points away), and almost integral.

It is solved with HiGHS (`scipy.optimize.linprog`) by column generation: first over
the pairs the flow prices as promising, then adding any pair whose reduced value is
positive, until none is (or the rounds run out). The bound does not rely on the LP
solver's accuracy: for the duals y it returns (any y >= 0 will do), it is worked out
here as the Lagrangian bound `y.b + sum over every pair of max(0, value - y.A)`,
which holds for every allocation; so does each pair's "forced" bound, that minus the
pair's `loss` = max(0, y.A - value). A pair whose forced bound is below a known
allocation's value is in no allocation as good, and can be left out of the exact
model (reduced-cost fixing; see decision 0006).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linprog

from planner.panel import MAX_SCORE_CENTS, Panel

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Safety margin (score hundredths) for floating-point error in the bound; scores are
# whole hundredths, so a margin below one costs nothing in pruning power that matters.
MARGIN = 0.5
# Pairs added per pricing round, at most, and rounds.
_ADD_PER_ROUND = 20_000
_ROUNDS = 12


@dataclass(frozen=True)
class LinearBound:
    """The Lagrangian bound from the relaxation's duals, and what forcing each pair costs."""

    value: float  # the bound on the folded objective (score hundredths), before rounding
    loss: FloatArray  # per pair: the bound falls at least this much when the pair is used (>= 0)
    x: FloatArray  # the relaxation's solution per pair (0 for pairs never in the LP)
    urgency: int  # the urgency points no allocation exceeds
    level_weight: int
    columns: int
    rounds: int
    seconds: float

    @property
    def bound(self) -> int:
        """The bound as a whole number of hundredths (allocations are worth whole hundredths)."""
        return int(np.floor(self.value + MARGIN))

    def prunable(self, incumbent_value: int) -> BoolArray:
        """Pairs no allocation worth at least `incumbent_value` can use.

        The losses bound every allocation, whatever its urgency points: none has more than
        `urgency`, and the urgency dual is capped so that each point short costs the bound
        at least as much as it costs the allocation (see `_solve`).
        """
        return np.asarray(self.value - self.loss + MARGIN < incumbent_value)


@dataclass(frozen=True)
class _Rows:
    """The relaxation's constraints over the whole panel, for the pairs in play."""

    exclusive: BoolArray  # per pair
    exclusive_row: IntArray  # per pair: its exclusivity row, -1 if none
    row_placement: IntArray  # per exclusivity row: its placement
    apart_rows: IntArray  # (rows, 2): the two pairs of each "not both" row for people kept apart


def _rows(panel: Panel) -> _Rows:
    pairs = len(panel.pair_referral)
    exclusive = panel.exclusive
    has_exclusive = np.zeros(len(panel.world), dtype=bool)
    has_exclusive[panel.pair_placement[exclusive]] = True
    with_row = np.flatnonzero(~exclusive & has_exclusive[panel.pair_placement])
    exclusive_row = np.full(pairs, -1, dtype=np.int64)
    exclusive_row[with_row] = np.arange(len(with_row))
    apart: list[tuple[int, int]] = []
    for link in panel.kept_apart:
        a = panel.pairs_of(link.first)
        b = panel.pairs_of(link.second)
        pa, pb = panel.pair_placement[a.start : a.stop], panel.pair_placement[b.start : b.stop]
        _, ia, ib = np.intersect1d(pa, pb, assume_unique=True, return_indices=True)
        apart += [(a.start + int(i), b.start + int(j)) for i, j in zip(ia, ib, strict=True)]
    return _Rows(
        exclusive=exclusive,
        exclusive_row=exclusive_row,
        row_placement=panel.pair_placement[with_row],
        apart_rows=np.array(apart, dtype=np.int64).reshape(-1, 2),
    )


def linear_bound(
    panel: Panel, start: BoolArray, urgency: int, deadline: float | None = None, rounds: int = _ROUNDS
) -> LinearBound | None:
    """Bound the score of allocations placing `urgency` urgency points (no allocation places more).

    The relaxation maximises the score hundredths subject to the urgency points being at
    least `urgency`, by column generation from the pairs in `start`. As no allocation
    has more urgency points (the caller knows this from the flow), an allocation has
    either exactly `urgency` points and a score within this bound, or fewer points and
    a folded value below `urgency * level_weight`; so `urgency * level_weight` plus
    this bound bounds every allocation. Returns None if HiGHS fails, the relaxation is
    infeasible, or the deadline (a `time.perf_counter()` value) passes first.
    """
    started = time.perf_counter()
    rows = _rows(panel)
    cents = panel.pair_cents.astype(np.float64)
    points = panel.points[panel.pair_referral].astype(np.float64)
    in_lp = start.copy()
    session = _Session()
    best: LinearBound | None = None
    for done in range(1, rounds + 1):
        if deadline is not None and time.perf_counter() > deadline:
            break
        columns = np.flatnonzero(in_lp)
        solved = _solve(panel, rows, columns, cents / MAX_SCORE_CENTS, points, urgency, deadline, session)
        if solved is None:
            break
        x_columns, duals = solved
        # Reduced values in hundredths; the urgency row's dual prices each urgency point.
        reduced = cents + MAX_SCORE_CENTS * (duals.urgency * points - _priced(panel, rows, duals))
        score_bound = MAX_SCORE_CENTS * (_dual_objective(panel, rows, duals) - duals.urgency * urgency)
        score_bound += float(np.maximum(reduced, 0.0).sum())
        x = np.zeros(len(cents))
        x[columns] = x_columns
        value = urgency * panel.level_weight + score_bound
        # Every round's duals give a valid bound, and valid forced bounds per pair: keep
        # the least of each (the rounds' bounds do not fall steadily).
        forced = value - np.maximum(-reduced, 0.0)
        if best is not None:
            forced = np.minimum(forced, best.value - best.loss)
            value = min(value, best.value)
        best = LinearBound(
            value=value,
            loss=value - forced,
            x=x,
            urgency=urgency,
            level_weight=panel.level_weight,
            columns=len(columns),
            rounds=done,
            seconds=time.perf_counter() - started,
        )
        entering = np.flatnonzero(~in_lp & (reduced > MARGIN))
        if not len(entering):
            break
        in_lp[entering[np.argsort(-reduced[entering], kind="stable")[:_ADD_PER_ROUND]]] = True
    return best


@dataclass(frozen=True)
class _Duals:
    """Duals (>= 0) of the rows in the last LP; rows not in it have dual 0."""

    referral: FloatArray  # per referral: at most one placement
    capacity: FloatArray  # per placement: vacancies
    filled: FloatArray  # per placement: exclusive pairs there <= z (whether one fills it)
    beside: FloatArray  # per pair (non-exclusive): the pair + z <= 1
    apart: FloatArray  # per "not both" row
    urgency: float  # the row "urgency points >= target"
    z_term: float  # sum over placements of max(0, the reduced value of z)


def _solve(
    panel: Panel,
    rows: _Rows,
    columns: IntArray,
    value: FloatArray,
    points: FloatArray,
    urgency: int,
    deadline: float | None,
    session: _Session,
) -> tuple[FloatArray, _Duals] | None:
    """One LP over the pairs in `columns`.

    For each placement where an exclusive pair is in play, a variable z in [0, 1]
    stands for "an exclusive pair fills it": every exclusive pair there counts towards
    z, and every other pair in play there can only take what z leaves (pair + z <= 1).
    """
    n, m = len(panel.referrals), len(panel.world)
    pairs = len(value)
    col_of = np.full(pairs, -1, dtype=np.int64)
    col_of[columns] = np.arange(len(columns))
    r = panel.pair_referral[columns]
    i = panel.pair_placement[columns]
    w = panel.pair_weight[columns].astype(np.float64)
    k = np.arange(len(columns))
    exclusive = rows.exclusive[columns]
    filled_places = np.unique(i[exclusive])
    z_of = np.full(m, -1, dtype=np.int64)
    z_of[filled_places] = np.arange(len(filled_places))
    nz = len(filled_places)
    z_col = len(columns) + np.arange(nz)
    # Rows "exclusive pairs at p - z_p <= 0".
    ex = k[exclusive]
    fill_rows = sp.csr_matrix(
        (
            np.concatenate([np.ones(len(ex)), -np.ones(nz)]),
            (np.concatenate([z_of[i[ex]], np.arange(nz)]), np.concatenate([ex, z_col])),
        ),
        shape=(nz, len(k) + nz),
    )
    # Rows "pair + z_p <= 1" for the other pairs in play where an exclusive pair is.
    beside = k[~exclusive & (z_of[i] >= 0)]
    beside_rows = sp.csr_matrix(
        (
            np.ones(2 * len(beside)),
            (np.repeat(np.arange(len(beside)), 2), np.column_stack([beside, z_col[z_of[i[beside]]]]).reshape(-1)),
        ),
        shape=(len(beside), len(k) + nz),
    )
    apart = rows.apart_rows
    in_play = (col_of[apart[:, 0]] >= 0) | (col_of[apart[:, 1]] >= 0) if len(apart) else np.zeros(0, dtype=bool)
    apart_in = apart[in_play]
    apart_cols = col_of[apart_in.reshape(-1)]
    keep = apart_cols >= 0
    apart_rows = sp.csr_matrix(
        (np.ones(int(keep.sum())), (np.repeat(np.arange(len(apart_in)), 2)[keep], apart_cols[keep])),
        shape=(len(apart_in), len(k) + nz),
    )
    a = sp.vstack(
        [
            sp.csr_matrix((np.ones(len(k)), (r, k)), shape=(n, len(k) + nz)),
            sp.csr_matrix((w, (i, k)), shape=(m, len(k) + nz)),
            fill_rows,
            beside_rows,
            apart_rows,
            sp.csr_matrix(np.concatenate([-points[columns], np.zeros(nz)])[None, :]),
        ]
    )
    # An artificial column makes up any urgency points the pairs in play cannot reach, at
    # a price no score can pay, so the LP is always feasible while columns are missing.
    short = np.zeros(a.shape[0])
    short[-1] = -1.0
    a = sp.hstack([a, sp.csr_matrix(short[:, None])]).tocsr()
    b = np.concatenate(
        [
            np.ones(n),
            panel.vacancies.astype(np.float64),
            np.zeros(nz),
            np.ones(len(beside)),
            np.ones(len(apart_in)),
            [-float(urgency)],
        ]
    )
    # The price is the folded objective's worth of one urgency point in the LP's units
    # (level_weight / MAX_SCORE_CENTS), and no more: the bound below holds for allocations
    # with fewer urgency points than `urgency` only while the urgency dual is at most that
    # (each point short then costs the bound at least what it costs the allocation). Priced
    # higher, an allocation short of `urgency` could be worth more than the "bound".
    shortfall_price = panel.level_weight / MAX_SCORE_CENTS
    c = np.concatenate([-value[columns], np.zeros(nz), [shortfall_price]])
    upper = np.ones(len(c))
    upper[-1] = np.inf
    col_keys = np.concatenate([columns, -1 - filled_places, [-(m + 2)]])
    row_keys = np.concatenate(
        [
            np.arange(n),
            n + np.arange(m),
            n + m + filled_places,
            n + 2 * m + columns[beside],
            n + 2 * m + pairs + np.flatnonzero(in_play),
            [-1],
        ]
    )
    seconds = None if deadline is None else max(0.1, deadline - time.perf_counter())
    solved = session.solve(a, b, c, upper, col_keys, row_keys, seconds)
    if solved is None:
        return None
    x_all, row_duals = solved
    y = np.maximum(-row_duals, 0.0)
    at = np.cumsum([0, n, m, nz, len(beside), len(apart_in)])
    filled = np.zeros(m)
    filled[filled_places] = y[at[2] : at[3]]
    beside_duals = np.zeros(pairs)
    beside_duals[columns[beside]] = y[at[3] : at[4]]
    apart_duals = np.zeros(len(apart))
    apart_duals[np.flatnonzero(in_play)] = y[at[4] : at[5]]
    # z_p's reduced value: 0 - (-filled_p + the "beside" duals at p).
    beside_at = np.bincount(i[beside], weights=y[at[3] : at[4]], minlength=m)
    z_term = float(np.maximum(filled[filled_places] - beside_at[filled_places], 0.0).sum())
    # The Lagrangian bound holds for an urgency dual up to the artificial column's price.
    urgency_dual = min(float(y[at[5]]), shortfall_price)
    duals = _Duals(y[: at[1]], y[at[1] : at[2]], filled, beside_duals, apart_duals, urgency_dual, z_term)
    return np.asarray(x_all[: len(columns)], dtype=np.float64), duals


class _Session:
    """HiGHS across the rounds of column generation, each round warm-started from the last basis.

    Uses the HiGHS object SciPy ships (`scipy.optimize._highspy`); where that private
    module is missing, every round is solved from scratch with `scipy.optimize.linprog`
    (slower, the same bound). Rows and columns are matched between rounds by keys.
    """

    def __init__(self) -> None:
        try:
            from scipy.optimize._highspy import _core  # optional and private: see the docstring
        except ImportError:  # pragma: no cover - depends on the SciPy build
            self._core = None
        else:
            self._core = _core
        self._cols: dict[int, Any] = {}
        self._rows: dict[int, Any] = {}

    def solve(
        self,
        a: sp.csr_matrix,
        b: FloatArray,
        c: FloatArray,
        upper: FloatArray,
        col_keys: IntArray,
        row_keys: IntArray,
        seconds: float | None,
    ) -> tuple[FloatArray, FloatArray] | None:
        """min c.x subject to a.x <= b, 0 <= x <= upper: (x, row duals), or None."""
        if self._core is None:
            options: dict[str, float | bool] = {"presolve": True}
            if seconds is not None:
                options["time_limit"] = seconds
            bounds = np.column_stack([np.zeros(len(c)), upper])
            result = linprog(c, A_ub=a, b_ub=b, bounds=bounds, method="highs-ds", options=options)
            if result.status != 0 or result.ineqlin is None:
                return None
            return np.asarray(result.x), np.asarray(result.ineqlin.marginals, dtype=np.float64)
        core = self._core
        highs = core._Highs()
        highs.setOptionValue("output_flag", False)
        if seconds is not None:
            highs.setOptionValue("time_limit", float(seconds))
        columns = sp.csc_matrix(a)
        lp = core.HighsLp()
        lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
        lp.col_cost_ = np.asarray(c, dtype=np.float64)
        lp.col_lower_ = np.zeros(a.shape[1])
        lp.col_upper_ = np.asarray(upper, dtype=np.float64)
        lp.row_lower_ = np.full(a.shape[0], -np.inf)
        lp.row_upper_ = np.asarray(b, dtype=np.float64)
        lp.a_matrix_.format_ = core.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = a.shape[1], a.shape[0]
        lp.a_matrix_.start_ = columns.indptr
        lp.a_matrix_.index_ = columns.indices
        lp.a_matrix_.value_ = columns.data
        highs.passModel(lp)
        if self._cols:
            basis = core.HighsBasis()
            lower, basic = core.HighsBasisStatus.kLower, core.HighsBasisStatus.kBasic
            basis.col_status = [self._cols.get(k, lower) for k in col_keys.tolist()]
            basis.row_status = [self._rows.get(k, basic) for k in row_keys.tolist()]
            basis.valid = True
            highs.setBasis(basis)
        highs.run()
        if highs.getModelStatus() != core.HighsModelStatus.kOptimal:
            return None
        solution = highs.getSolution()
        found = highs.getBasis()
        self._cols = dict(zip(col_keys.tolist(), found.col_status, strict=True))
        self._rows = dict(zip(row_keys.tolist(), found.row_status, strict=True))
        return np.asarray(solution.col_value, dtype=np.float64), np.asarray(solution.row_dual, dtype=np.float64)


def _priced(panel: Panel, rows: _Rows, d: _Duals) -> FloatArray:
    """y.A for every pair of the panel (each row is defined over every pair it concerns)."""
    price = d.referral[panel.pair_referral] + panel.pair_weight * d.capacity[panel.pair_placement]
    price = price + np.where(rows.exclusive, d.filled[panel.pair_placement], d.beside)
    if len(rows.apart_rows):
        price = price + np.bincount(rows.apart_rows.reshape(-1), weights=np.repeat(d.apart, 2), minlength=len(price))
    return np.asarray(price, dtype=np.float64)


def _dual_objective(panel: Panel, rows: _Rows, d: _Duals) -> float:
    """y.b, plus what the z variables can add."""
    return float(
        d.referral.sum() + d.capacity @ panel.vacancies.astype(np.float64) + d.beside.sum() + d.apart.sum() + d.z_term
    )


def _ragged_arange(counts: IntArray) -> IntArray:
    """0..c-1 for each count c, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
