"""Reading CSV files for importers: the header check, rows numbered as a spreadsheet does, typed cells.

`read_csv` checks the header (naming every missing column) and yields each data row
with its spreadsheet row number (header row 1, first data row 2). `Cells` reads one
row's values as text, numbers, dates, choices or lists, adding a `Problem` that names
the field for each bad value instead of raising, so one pass reports every problem.
Messages never repeat a value (it may be personal data), only the row and the field.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TypeVar

from planner.ascii_numbers import read_float, read_int
from web.data_exchange.services.imports.base import Problems

# [0-9], not \d: \d also matches Arabic-Indic and other Unicode digits.
_DMY = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_N = TypeVar("_N", int, float)
# `Cells.date` shadows the type inside the class; annotations there use this name.
_Day = date
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def _by_lower_case(allowed: Collection[str]) -> dict[str, str]:
    """{value in lower case: value as written} for a `Cells.choice` vocabulary, made once per vocabulary
    (a provider list asks five choices a row: 1,000,000 dicts for 200,000 rows otherwise)."""
    if isinstance(allowed, tuple | frozenset):
        return _by_lower_case_cached(allowed)
    return {a.lower(): a for a in allowed}


@lru_cache(maxsize=128)
def _by_lower_case_cached(allowed: tuple[str, ...] | frozenset[str]) -> dict[str, str]:
    return {a.lower(): a for a in allowed}


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip().lower())


@dataclass(frozen=True)
class Table:
    """A CSV file's header (as written) and the canonical names found in it."""

    file: str
    columns: tuple[str, ...]  # canonical names, in the file's order (unknown columns as written)
    data: bytes  # the file as given (UTF-8, perhaps with a byte order mark)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(spreadsheet row number, {canonical column: stripped value}) for each non-blank row.

        A row with more values than the header has columns is yielded with the key
        "" holding the surplus, so the importer can report it (see `Cells.extra`).
        """
        reader = csv.reader(_text(self.data))
        next(reader, None)
        width = len(self.columns)
        for number, values in enumerate(reader, start=2):
            if not "".join(values).strip():  # a blank row (one join: a generator per row cost more)
                continue
            if len(values) < width:
                values = values + [""] * (width - len(values))
            # zip stops at the header's width; the surplus, if any, is counted below.
            row = dict(zip(self.columns, map(str.strip, values), strict=False))
            if len(values) > width and any(v.strip() for v in values[width:]):
                row[""] = str(len(values))
            yield number, row


def read_csv(
    data: bytes,
    *,
    file: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    problems: Problems,
    aliases: dict[str, str] | None = None,
) -> Table | None:
    """The file as a `Table`, or None (with a problem naming each missing column).

    Column names match ignoring case, surrounding spaces, and spaces against
    underscores ("Crime ID" matches "crime_id"); rows are keyed by the names given in
    `required` and `optional`. `aliases` maps another accepted header to one of those.
    """
    try:
        header = next(csv.reader(_text(data)), [])
    except UnicodeDecodeError:
        problems.add(file, None, None, "The file is not UTF-8 text: save it as CSV UTF-8 and try again")
        return None
    except csv.Error:
        problems.add(file, 1, None, "The header row could not be read as CSV")
        return None
    wanted = {_key(name): name for name in (*required, *optional)}
    for alias, name in (aliases or {}).items():
        wanted.setdefault(_key(alias), name)
    columns: list[str] = []
    seen: set[str] = set()
    for raw in header:
        name = wanted.get(_key(raw), raw.strip())
        if name in seen and name:
            problems.add(file, 1, name, f"The column {name} appears more than once")
        seen.add(name)
        columns.append(name)
    missing = [name for name in required if name not in seen]
    if missing:
        listed = ", ".join(missing)
        words = f"the column {listed}" if len(missing) == 1 else f"the columns {listed}"
        problems.add(file, 1, None, f"The header row is missing {words}")
        return None
    if not any(columns):
        problems.add(file, 1, None, "The file has no header row")
        return None
    return Table(file=file, columns=tuple(columns), data=data)


def _text(data: bytes) -> io.TextIOWrapper:
    """The file's text, decoded as it is read: a 200,000-row file is never held whole as a str
    (nor copied into a StringIO, which keeps 4 bytes a character)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


def iterate_rows(table: Table, problems: Problems) -> Iterator[tuple[int, dict[str, str]]]:
    """`table.rows()`, turning a CSV syntax error into a problem at the row where it happened."""
    number = 1
    try:
        for number, row in table.rows():
            yield number, row
    except csv.Error:
        problems.add(table.file, number + 1, None, "This row could not be read as CSV (check its quote marks)")
    except UnicodeDecodeError:
        # The framework checks every file is UTF-8 first; read_csv may be called on its own.
        problems.add(table.file, number + 1, None, "This row is not UTF-8 text: save the file as CSV UTF-8")


def parse_dmy(value: str) -> date:
    """A dd/mm/yyyy date (SSDA903's form); ValueError otherwise."""
    match = _DMY.match(value.strip())
    if not match:
        raise ValueError("not dd/mm/yyyy")
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


def parse_iso(value: str) -> date:
    """A yyyy-mm-dd date; ValueError otherwise."""
    match = _ISO.match(value.strip())
    if not match:
        raise ValueError("not yyyy-mm-dd")
    year, month, day = (int(g) for g in match.groups())
    return date(year, month, day)


def parse_date(value: str) -> date:
    """A date written dd/mm/yyyy or yyyy-mm-dd; ValueError otherwise."""
    text = value.strip()
    return parse_iso(text) if _ISO.match(text) else parse_dmy(text)


def parse_datetime(value: str) -> datetime:
    """A date with an optional time: dd/mm/yyyy [hh:mm] or ISO yyyy-mm-dd[Thh:mm[:ss]]."""
    text = value.strip()
    if " " in text and _DMY.match(text.split(" ", 1)[0]):
        day_part, time_part = text.split(" ", 1)
        when = datetime.strptime(time_part.strip(), "%H:%M").time()
        return datetime.combine(parse_dmy(day_part), when)
    if _DMY.match(text):
        return datetime.combine(parse_dmy(text), datetime.min.time())
    return datetime.fromisoformat(text)


class Cells:
    """One row's values, read by type; each bad value adds a problem naming its field.

    Every getter returns None for a blank optional value and for a bad one (after
    recording the problem), so an importer reads every field, then writes the row only
    if `ok`.
    """

    def __init__(self, file: str, row: int, values: dict[str, str], problems: Problems) -> None:
        self.file = file
        self.row = row
        self.values = values
        self.problems = problems
        self._before = len(problems)

    @property
    def ok(self) -> bool:
        """True when no problem was recorded for this row."""
        return len(self.problems) == self._before

    def problem(self, field: str | None, message: str) -> None:
        self.problems.add(self.file, self.row, field, message)

    def extra(self) -> None:
        """Record a problem when the row has more values than the header has columns."""
        if "" in self.values:
            self.problem(None, f"Row has {self.values['']} values but the header has {len(self.values) - 1} columns")

    def raw(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def text(self, name: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, f"Enter {name}: it is blank")
            return None
        if max_length is not None and len(value) > max_length:
            self.problem(name, f"{name} must be {max_length} characters or fewer")
            return None
        return value

    def integer(
        self, name: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, f"Enter {name}: it is blank")
            return None
        try:
            number = read_int(value)
        except ValueError:
            try:
                as_float = read_float(value)
            except ValueError:
                self.problem(name, f"{name} must be a whole number")
                return None
            if not as_float.is_integer():
                self.problem(name, f"{name} must be a whole number")
                return None
            number = int(as_float)
        return self._in_range(name, number, minimum, maximum)

    def number(
        self, name: str, *, required: bool = False, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, f"Enter {name}: it is blank")
            return None
        try:
            # Thousands separators only in a plain number ("1,250.50"), never inside digits elsewhere.
            plain = re.fullmatch(r"[0-9,]+(\.[0-9]+)?", value)
            number = read_float(value.replace(",", "") if plain else value)
        except ValueError:
            self.problem(name, f"{name} must be a number")
            return None
        if number != number or number in (float("inf"), float("-inf")):
            self.problem(name, f"{name} must be a number")
            return None
        return self._in_range(name, number, minimum, maximum)

    def _in_range(self, name: str, number: _N, minimum: _N | None, maximum: _N | None) -> _N | None:
        if minimum is not None and number < minimum:
            self.problem(name, f"{name} must be {minimum} or more")
            return None
        if maximum is not None and number > maximum:
            self.problem(name, f"{name} must be {maximum} or less")
            return None
        return number

    def choice(self, name: str, allowed: Collection[str], *, required: bool = False, upper: bool = False) -> str | None:
        """One of `allowed` (matched ignoring case; returned as written in `allowed`)."""
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, f"Enter {name}: it is blank")
            return None
        found = _by_lower_case(allowed).get(value.lower())
        if found is None:
            shown = ", ".join(sorted(allowed)) if len(allowed) <= 12 else f"one of {len(allowed)} codes"
            self.problem(name, f"{name} must be one of: {shown}")
            return None
        return found.upper() if upper else found

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        """yes/no, y/n, true/false or 1/0."""
        value = self.raw(name).lower()
        if not value:
            if required:
                self.problem(name, f"Enter {name}: it is blank")
            return None
        if value in _YES:
            return True
        if value in _NO:
            return False
        self.problem(name, f"{name} must be yes or no")
        return None

    def listing(self, name: str, *, separator: str = ";") -> list[str]:
        """A separated list with blanks dropped and each item stripped (empty when blank)."""
        return [item.strip() for item in self.raw(name).split(separator) if item.strip()]

    def date_dmy(self, name: str, *, required: bool = False) -> date | None:
        return self._date(name, required, parse_dmy, "a date written dd/mm/yyyy")

    def date_iso(self, name: str, *, required: bool = False) -> date | None:
        return self._date(name, required, parse_iso, "a date written yyyy-mm-dd")

    def date(self, name: str, *, required: bool = False) -> _Day | None:
        """A date written dd/mm/yyyy or yyyy-mm-dd."""
        return self._date(name, required, parse_date, "a date written dd/mm/yyyy or yyyy-mm-dd")

    def _date(self, name: str, required: bool, parse: Callable[[str], _Day], words: str) -> _Day | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, f"Enter {name}: it is blank")
            return None
        try:
            found = parse(value)
        except ValueError:
            self.problem(name, f"{name} must be {words} (a real date)")
            return None
        return found
