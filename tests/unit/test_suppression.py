"""Small-number suppression: what is hidden, and that nothing hidden can be worked back out."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.suppression import (
    Line,
    rate,
    suppress,
    suppress_column,
    suppress_partitioned,
    suppress_table,
)

THRESHOLD = 5

tables = st.integers(min_value=1, max_value=6).flatmap(
    lambda cols: st.lists(
        st.lists(st.integers(min_value=0, max_value=40), min_size=cols, max_size=cols), min_size=1, max_size=7
    )
)
# Tables rich in small counts, where suppression has the most to do.
small_tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda cols: st.lists(
        st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 20]), min_size=cols, max_size=cols),
        min_size=1,
        max_size=6,
    )
)


def _augmented(cells: list[list[int]]) -> tuple[list[list[int]], list[list[bool]]]:
    """The table with its totals as a (rows + 1) x (columns + 1) grid, and what is hidden there."""
    t = suppress_table(cells, THRESHOLD)
    values = [[*list(r), t.row_totals[i]] for i, r in enumerate(t.cells)] + [[*t.column_totals, t.total]]
    hidden = [[*list(r), t.hidden_row_totals[i]] for i, r in enumerate(t.hidden_cells)] + [
        [*t.hidden_column_totals, t.hidden_total]
    ]
    return values, hidden


def _lines(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    rows = [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)]
    cols = [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)]
    return rows + cols


@settings(max_examples=300, deadline=None)
@given(small_tables | tables)
def test_no_total_minus_the_shown_cells_reveals_a_suppressed_value(cells: list[list[int]]) -> None:
    """Every row and column (totals included) hides no cell or at least two."""
    _values, hidden = _augmented(cells)
    for line in _lines(len(cells), len(cells[0])):
        assert sum(hidden[r][c] for r, c in line) != 1, (cells, line)


@settings(max_examples=300, deadline=None)
@given(small_tables | tables)
def test_no_combination_of_lines_fixes_a_suppressed_value(cells: list[list[int]]) -> None:
    """No suppressed cell is fixed by the totals taken together (null-space check, by brute force)."""
    values, hidden = _augmented(cells)
    n_rows, n_cols = len(values), len(values[0])
    unknown = [(r, c) for r in range(n_rows) for c in range(n_cols) if hidden[r][c]]
    if not unknown:
        return
    equations = []
    for r in range(n_rows):
        equations.append([(1.0 if c < n_cols - 1 else -1.0) if rr == r else 0.0 for (rr, c) in unknown])
    for c in range(n_cols):
        equations.append([(1.0 if r < n_rows - 1 else -1.0) if cc == c else 0.0 for (r, cc) in unknown])
    matrix = np.array(equations)
    rank = np.linalg.matrix_rank(matrix)
    for k in range(len(unknown)):
        unit = np.zeros(len(unknown))
        unit[k] = 1.0
        assert np.linalg.matrix_rank(np.vstack([matrix, unit])) > rank, (cells, unknown[k])


@settings(max_examples=300, deadline=None)
@given(small_tables | tables)
def test_large_counts_and_zeros_show_unless_secondarily_suppressed(cells: list[list[int]]) -> None:
    """Small counts are always hidden, zeros never; a hidden count of 5 or more shares a line with another."""
    values, hidden = _augmented(cells)
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if 0 < value < THRESHOLD:
                assert hidden[r][c]
            if value == 0:
                assert not hidden[r][c]
            if value >= THRESHOLD and hidden[r][c]:
                others = [hidden[r][k] for k in range(len(row)) if k != c] + [
                    hidden[k][c] for k in range(len(values)) if k != r
                ]
                assert any(others)


def test_a_small_count_and_the_next_smallest_in_its_row_are_hidden() -> None:
    """One small cell in a row with shown totals takes the row's next smallest cell with it."""
    t = suppress_table([[3, 10, 20], [30, 40, 50]])
    assert t.cell(0, 0) == "c"
    assert t.cell(0, 1) == "c"
    assert t.cell(0, 2) == "20"
    assert t.row_total(0) == "33"
    assert t.cell(1, 0) == "c"  # the column of the 3 needs a second hidden cell too
    assert t.grand_total() == "153"


def test_nothing_small_hides_nothing() -> None:
    """A table of zeros and counts of 5 or more shows every figure."""
    t = suppress_table([[0, 5], [12, 0]])
    assert [t.cell(0, 0), t.cell(0, 1), t.cell(1, 0), t.cell(1, 1)] == ["0", "5", "12", "0"]
    assert t.grand_total() == "17"


def test_a_column_with_one_small_count_hides_another() -> None:
    """A column shown with its total hides the small count and the next smallest."""
    hidden, total_hidden = suppress_column([2, 7, 30, 0])
    assert hidden == [True, True, False, False]
    assert not total_hidden


def test_lines_that_do_not_add_up_are_refused() -> None:
    """The caller's totals must be the sums of their parts."""
    try:
        suppress([1, 2, 4], [Line((0, 1), 2)])
    except ValueError as error:
        assert "add up" in str(error)
    else:
        raise AssertionError("expected a ValueError")


def test_rates_from_hidden_counts_are_hidden_and_rates_of_nothing_do_not_apply() -> None:
    """A percentage is `c` if either count is hidden, `z` when there is nothing to divide by."""
    assert rate(3, True, 20, False) == "c"
    assert rate(10, False, 20, True) == "c"
    assert rate(5, False, 20, False) == "25%"
    assert rate(0, False, 0, False) == "z"


def test_rows_split_two_ways_protect_both_splits() -> None:
    """A row split by distance and by location: a small part hides its partner in both splits' lines."""
    t = suppress_partitioned([[[2, 10], [6, 6]], [[7, 8], [9, 6]]])
    assert t.cell(0, 0, 0) == "c" and t.cell(0, 0, 1) == "c"
    assert t.cell_rate(0, 0, 0) == "c"
    assert t.grand_total() == "27"


def test_no_rows_gives_zero_totals_of_the_shape_asked() -> None:
    """With nothing to count, every total is 0 and nothing is hidden."""
    t = suppress_partitioned([], shape=(3, 3))
    assert t.column_total(1, 2) == "0"
    assert t.column_rate(0, 1) == "z"
