"""Published tables for the capacity review: what a page shows and a download writes, cell for cell.

Every figure is already a string here (`c` suppressed, `z` not applicable), so the page,
the CSV and the Excel file cannot disagree about what is shown.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

SUPPRESSION_NOTE = "c: fewer than {n} children after the adjustment below (none included), not shown."
PERTURBATION_NOTE = (
    "Counts of children are adjusted by a small, fixed amount (at most 2) to protect confidentiality: the same "
    "children always give the same figure, so totals may differ slightly from the sum of their rows."
)
NOT_APPLICABLE_NOTE = "z: not applicable (a rate of nothing)."


@dataclass(frozen=True)
class PublishedTable:
    """A table as published: headings, rows of strings, an optional totals row, notes."""

    key: str
    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    labels: int = 1  # leading columns that are labels, not figures
    totals: tuple[str, ...] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.rows


def table(
    key: str,
    title: str,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    labels: int = 1,
    totals: Sequence[str] | None = None,
    notes: Sequence[str] = (),
) -> PublishedTable:
    return PublishedTable(
        key,
        title,
        tuple(headings),
        tuple(tuple(r) for r in rows),
        labels,
        tuple(totals) if totals is not None else None,
        tuple(notes),
    )


def to_csv(published: PublishedTable) -> str:
    """The table as CSV: headings, rows, totals, then the notes as single-cell lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(published.headings)
    writer.writerows(published.rows)
    if published.totals is not None:
        writer.writerow(published.totals)
    for note in published.notes:
        writer.writerow([note])
    return out.getvalue()


def to_xlsx(published: PublishedTable) -> bytes:
    """The table as an Excel workbook (one sheet), figures as numbers where they are numbers."""
    import pandas as pd

    body = list(published.rows) + ([published.totals] if published.totals is not None else [])
    # Columns given with the rows, so a table with nothing to count still writes its headings.
    frame = pd.DataFrame(
        [[_number(v, i >= published.labels) for i, v in enumerate(r)] for r in body], columns=list(published.headings)
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="Table", index=False, startrow=1)
        sheet = writer.sheets["Table"]
        sheet.cell(row=1, column=1, value=published.title)
        for n, note in enumerate(published.notes):
            sheet.cell(row=len(body) + 4 + n, column=1, value=note)
    return buffer.getvalue()


def _number(value: str, figure: bool) -> str | int | float:
    """A figure as a number for Excel ('1,234' -> 1234); `c`, `z` and words stay text."""
    if not figure:
        return value
    text = value.replace(",", "")
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return value


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD_KINDS = ("csv", "xlsx")


def as_download(published: PublishedTable, name: str, kind: str) -> tuple[str | bytes, str, str]:
    """The table as a file to send, for a page and the API alike: (body, media type, file name)."""
    if kind == "csv":
        return to_csv(published), "text/csv", f"{name}.csv"
    return to_xlsx(published), XLSX, f"{name}.xlsx"
