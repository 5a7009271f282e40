"""Small-number suppression for published counts of children, as official statistics do it.

A count of children above 0 and below the threshold (5 by default) is not shown: it is
`c` (confidential). Where a table shows totals, hiding one cell is not enough, since the
total minus the cells shown gives it back; so a line (the cells that add up to a total,
and the total) with exactly one hidden cell has its next smallest non-zero cell hidden
too, and so on until no line has exactly one. Lines can also combine (two rows' totals
minus two columns' totals, say), so finally each hidden cell is checked against every
line together (is it a fixed combination of what is shown?) and, while one is, the
smallest non-zero shown cell of one of its lines is hidden as well.

The input is general: a list of counts and the lines they obey (`Line(parts, total)`:
the parts add up to the total). `suppress_table` builds the lines of a two-way table
with its row, column and grand totals. Rates and percentages from a hidden count are
hidden too (`rate`). `z` marks a figure that does not apply (a rate of nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SUPPRESSED = "c"
NOT_APPLICABLE = "z"
DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Line:
    """Cells `parts` add up to cell `total` (indices into the counts)."""

    parts: tuple[int, ...]
    total: int

    @property
    def cells(self) -> tuple[int, ...]:
        return (*self.parts, self.total)


def primary(value: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True for a count that is hidden for itself: above 0 and below the threshold."""
    return 0 < value < threshold


def suppress(
    counts: Sequence[int],
    lines: Sequence[Line],
    threshold: int = DEFAULT_THRESHOLD,
    already_hidden: Sequence[bool] | None = None,
) -> list[bool]:
    """Which counts to hide (True), so that no hidden count can be worked out from the rest.

    `already_hidden` marks counts another table hides (they stay hidden here too).
    """
    values = [int(v) for v in counts]
    if any(v < 0 for v in values):
        raise ValueError("counts cannot be negative")
    for line in lines:
        if sum(values[i] for i in line.parts) != values[line.total]:
            raise ValueError(f"the parts of line {line} do not add up to its total")
    hidden = [primary(v, threshold) for v in values]
    if already_hidden is not None:
        hidden = [h or bool(a) for h, a in zip(hidden, already_hidden, strict=True)]
    while True:
        _secondary(values, lines, hidden)
        revealed = _revealed(values, lines, hidden)
        if revealed is None:
            return hidden
        candidates = [
            i for line in lines if revealed in line.cells for i in line.cells if not hidden[i] and values[i] > 0
        ] or [i for i, v in enumerate(values) if not hidden[i] and v > 0]
        if not candidates:  # everything non-zero is hidden already
            return hidden
        hidden[min(candidates, key=lambda i: (values[i], i))] = True


def _secondary(values: list[int], lines: Sequence[Line], hidden: list[bool]) -> None:
    """Hide the next smallest non-zero cell of every line with exactly one hidden cell, until none has."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[i] for i in line.cells) != 1:
                continue
            shown = [i for i in line.cells if not hidden[i] and values[i] > 0]
            if shown:
                hidden[min(shown, key=lambda i: (values[i], i))] = True
                changed = True


def _revealed(values: list[int], lines: Sequence[Line], hidden: list[bool]) -> int | None:
    """A hidden cell whose value the shown cells fix through some combination of lines, if any.

    Cell j is fixed exactly when its unit vector lies in the row space of the lines'
    equations restricted to the hidden cells.
    """
    unknown = [i for i, h in enumerate(hidden) if h]
    if not unknown or not lines:
        return None
    column = {cell: k for k, cell in enumerate(unknown)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknown))
        for i in line.parts:
            if i in column:
                row[column[i]] += 1.0
        if line.total in column:
            row[column[line.total]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return None
    matrix = np.array(rows)
    # Cell k is fixed exactly when every solution of the homogeneous system leaves it at 0:
    # when row k of a basis of the null space is zero.
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))).sum())
    null_space = vt[rank:].T
    for k, cell in enumerate(unknown):
        if null_space.shape[1] == 0 or float(np.abs(null_space[k]).max()) < 1e-9:
            return cell
    return None


@dataclass(frozen=True)
class Table:
    """A two-way table of counts with its totals, and which of them are hidden."""

    cells: tuple[tuple[int, ...], ...]
    row_totals: tuple[int, ...]
    column_totals: tuple[int, ...]
    total: int
    hidden_cells: tuple[tuple[bool, ...], ...]
    hidden_row_totals: tuple[bool, ...]
    hidden_column_totals: tuple[bool, ...]
    hidden_total: bool

    def cell(self, r: int, c: int) -> str:
        return shown(self.cells[r][c], self.hidden_cells[r][c])

    def row_total(self, r: int) -> str:
        return shown(self.row_totals[r], self.hidden_row_totals[r])

    def column_total(self, c: int) -> str:
        return shown(self.column_totals[c], self.hidden_column_totals[c])

    def grand_total(self) -> str:
        return shown(self.total, self.hidden_total)


def suppress_table(cells: Sequence[Sequence[int]], threshold: int = DEFAULT_THRESHOLD) -> Table:
    """Suppress a rows x columns table of counts shown with row, column and grand totals."""
    rows = [list(map(int, r)) for r in cells]
    n_rows = len(rows)
    n_cols = len(rows[0]) if rows else 0
    if any(len(r) != n_cols for r in rows):
        raise ValueError("every row needs the same number of cells")
    row_totals = [sum(r) for r in rows]
    column_totals = [sum(r[c] for r in rows) for c in range(n_cols)]
    total = sum(row_totals)
    # Flat layout: cells row by row, then row totals, then column totals, then the total.
    flat = [v for r in rows for v in r] + row_totals + column_totals + [total]
    rt = n_rows * n_cols
    ct = rt + n_rows
    gt = ct + n_cols
    lines = [Line(tuple(r * n_cols + c for c in range(n_cols)), rt + r) for r in range(n_rows)]
    lines += [Line(tuple(r * n_cols + c for r in range(n_rows)), ct + c) for c in range(n_cols)]
    lines.append(Line(tuple(rt + r for r in range(n_rows)), gt))
    lines.append(Line(tuple(ct + c for c in range(n_cols)), gt))
    hidden = suppress(flat, lines, threshold)
    return Table(
        cells=tuple(tuple(r) for r in rows),
        row_totals=tuple(row_totals),
        column_totals=tuple(column_totals),
        total=total,
        hidden_cells=tuple(tuple(hidden[r * n_cols + c] for c in range(n_cols)) for r in range(n_rows)),
        hidden_row_totals=tuple(hidden[rt : rt + n_rows]),
        hidden_column_totals=tuple(hidden[ct : ct + n_cols]),
        hidden_total=hidden[gt],
    )


@dataclass(frozen=True)
class Partitioned:
    """Rows of counts, each split several ways (partitions) that all add up to the row's total.

    `cells[r][p][k]` is row r's count in part k of partition p; every partition of a row
    adds up to `row_totals[r]`, and the columns add up to `column_totals[p][k]` and `total`.
    """

    cells: tuple[tuple[tuple[int, ...], ...], ...]
    row_totals: tuple[int, ...]
    column_totals: tuple[tuple[int, ...], ...]
    total: int
    hidden_cells: tuple[tuple[tuple[bool, ...], ...], ...]
    hidden_row_totals: tuple[bool, ...]
    hidden_column_totals: tuple[tuple[bool, ...], ...]
    hidden_total: bool

    def cell(self, r: int, p: int, k: int) -> str:
        return shown(self.cells[r][p][k], self.hidden_cells[r][p][k])

    def row_total(self, r: int) -> str:
        return shown(self.row_totals[r], self.hidden_row_totals[r])

    def column_total(self, p: int, k: int) -> str:
        return shown(self.column_totals[p][k], self.hidden_column_totals[p][k])

    def grand_total(self) -> str:
        return shown(self.total, self.hidden_total)

    def cell_rate(self, r: int, p: int, k: int) -> str:
        """Part k of partition p as a percentage of row r's total."""
        return rate(self.cells[r][p][k], self.hidden_cells[r][p][k], self.row_totals[r], self.hidden_row_totals[r])

    def column_rate(self, p: int, k: int) -> str:
        return rate(self.column_totals[p][k], self.hidden_column_totals[p][k], self.total, self.hidden_total)


def suppress_partitioned(
    rows: Sequence[Sequence[Sequence[int]]], threshold: int = DEFAULT_THRESHOLD, shape: Sequence[int] | None = None
) -> Partitioned:
    """Suppress rows whose counts are split several ways, shown with row, column and grand totals.

    With one partition this is `suppress_table`. Each partition of a row must add up to
    the same total (every child is counted once in each). `shape` (the parts in each
    partition) is needed only when there may be no rows.
    """
    if not rows:
        sizes = list(shape or [])
        zeros = tuple(tuple(0 for _ in range(size)) for size in sizes)
        falses = tuple(tuple(False for _ in range(size)) for size in sizes)
        return Partitioned((), (), zeros, 0, (), (), falses, False)
    shape = [len(p) for p in rows[0]]
    if any([len(p) for p in row] != shape for row in rows):
        raise ValueError("every row needs the same partitions")
    row_totals = [sum(row[0]) if row else 0 for row in rows]
    for r, row in enumerate(rows):
        if any(sum(p) != row_totals[r] for p in row):
            raise ValueError(f"the partitions of row {r} do not add up to the same total")
    values: list[int] = []
    index: list[list[list[int]]] = []
    for row in rows:
        row_index = []
        for part in row:
            row_index.append(list(range(len(values), len(values) + len(part))))
            values.extend(int(v) for v in part)
        index.append(row_index)
    row_index_total = list(range(len(values), len(values) + len(rows)))
    values.extend(row_totals)
    column_index: list[list[int]] = []
    column_totals: list[list[int]] = []
    for p, size in enumerate(shape):
        sums = [sum(int(row[p][k]) for row in rows) for k in range(size)]
        column_index.append(list(range(len(values), len(values) + size)))
        column_totals.append(sums)
        values.extend(sums)
    grand = len(values)
    total = sum(row_totals)
    values.append(total)
    lines: list[Line] = []
    for r in range(len(rows)):
        lines += [Line(tuple(index[r][p]), row_index_total[r]) for p in range(len(shape))]
    for p, size in enumerate(shape):
        lines += [Line(tuple(index[r][p][k] for r in range(len(rows))), column_index[p][k]) for k in range(size)]
        lines.append(Line(tuple(column_index[p]), grand))
    lines.append(Line(tuple(row_index_total), grand))
    hidden = suppress(values, lines, threshold)
    return Partitioned(
        cells=tuple(tuple(tuple(int(v) for v in part) for part in row) for row in rows),
        row_totals=tuple(row_totals),
        column_totals=tuple(tuple(c) for c in column_totals),
        total=total,
        hidden_cells=tuple(tuple(tuple(hidden[i] for i in part) for part in row) for row in index),
        hidden_row_totals=tuple(hidden[i] for i in row_index_total),
        hidden_column_totals=tuple(tuple(hidden[i] for i in part) for part in column_index),
        hidden_total=hidden[grand],
    )


def suppress_column(values: Sequence[int], threshold: int = DEFAULT_THRESHOLD) -> tuple[list[bool], bool]:
    """Suppress one column of counts shown with its total: (hidden per value, total hidden)."""
    table = suppress_table([[v] for v in values], threshold)
    return [h[0] for h in table.hidden_cells], table.hidden_total


def shown(value: int, hidden: bool) -> str:
    """A count as published: the number, or `c` when hidden."""
    return SUPPRESSED if hidden else f"{value:,}"


def rate(numerator: int, numerator_hidden: bool, denominator: int, denominator_hidden: bool) -> str:
    """A percentage to the nearest whole number: `c` if either count is hidden, `z` of nothing."""
    if numerator_hidden or denominator_hidden:
        return SUPPRESSED
    if denominator == 0:
        return NOT_APPLICABLE
    return f"{round(100 * numerator / denominator)}%"
