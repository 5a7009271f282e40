"""Our SSDA903 rules against DfE's validator, rule by rule, on the same return.

Runs DfE's package `csc-validator-be-903` in its own environment (`.venv-dfe`, built by
`make dfe-validator`) through `scripts/dfe_validator_run.py`, runs `planner.ssda903_rules`
here, and for every rule we cover compares the rows each flags. Prints one line per rule
and collection year, and how many of DfE's rules we cover.

    python bench/dfe_validator_compare.py [--data DIR] [--years 2023,2024,2025,2026,2027]

Exits 1 when any covered rule flags different rows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from planner import ssda903_rules as rules  # noqa: E402
from planner.postcode_lookup import packaged_postcodes  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data/ssda903/csc-validator-be-903")
DFE_PYTHON = REPO / ".venv-dfe" / "bin" / "python"
RUNNER = REPO / "scripts" / "dfe_validator_run.py"
YEARS = tuple(range(rules.FIRST_YEAR, rules.LAST_YEAR + 1))


def _k3_rows(tables: dict[str, pd.DataFrame]) -> dict[str, list[int]]:
    place = tables["episodes"]["PLACE"]
    return {"Episodes": [int(i) for i in place.index[place == "K3"]]}


# Where DfE's package departs from DfE's own guidance, and we follow the guidance: the rows
# the package flags for that reason alone, by (rule, year). Said on every run, never hidden.
KNOWN_DIFFERENCES = {
    ("146", 2025): (
        "DfE's package lists K3 as 'k3' for 2024/25, so it flags every K3 placement; K3 is valid from 2024/25",
        _k3_rows,
    ),
}


@dataclass(frozen=True)
class Comparison:
    year: int
    code: str
    ours: dict[str, list[int]]
    dfe: dict[str, list[int]]
    # Rows DfE's package flags only through a known departure from DfE's guidance (see above).
    excused: dict[str, list[int]]
    note: str = ""

    @property
    def expected(self) -> dict[str, list[int]]:
        """DfE's rows without the excused ones."""
        kept = {t: [r for r in rows if r not in set(self.excused.get(t, []))] for t, rows in self.dfe.items()}
        return {t: rows for t, rows in kept.items() if rows}

    @property
    def same(self) -> bool:
        return self.ours == self.expected

    @property
    def rows(self) -> int:
        return sum(len(r) for r in self.dfe.values())


def dfe_flagged(data: Path, year: int, python: Path = DFE_PYTHON) -> dict[str, object]:
    """DfE's validator's answer for the return in `data` and a collection year (JSON from the runner)."""
    done = subprocess.run(
        [str(python), str(RUNNER), str(data), str(year)], check=True, capture_output=True, text=True, timeout=600
    )
    # Some of DfE's rules print to stdout as they run: the answer is the runner's last line.
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def read_tables(data: Path) -> dict[str, pd.DataFrame]:
    return {
        name: rules.read_table((data / f"{name}.csv").read_bytes())
        for name in rules.TABLES
        if (data / f"{name}.csv").exists()
    }


def compare(data: Path, year: int, python: Path = DFE_PYTHON) -> tuple[list[Comparison], int]:
    """Every covered rule's rows, ours and DfE's, and the number of rules in DfE's set for the year."""
    dfe = dfe_flagged(data, year, python)
    flagged = dfe["flagged"]
    assert isinstance(flagged, dict)
    lookup = packaged_postcodes()
    tables = read_tables(data)
    ours = rules.flagged_rows(tables, rules.CollectionYear(year), lambda code: lookup.find(code) is not None)
    names = rules.DFE_TABLE_NAMES
    comparisons = []
    for code, by_table in ours.items():
        mine = {names[t]: sorted(rows) for t, rows in by_table.items() if rows}
        theirs = {t: sorted(rows) for t, rows in flagged.get(code, {}).items() if rows}
        note, excused = "", {}
        if (code, year) in KNOWN_DIFFERENCES:
            note, rows_of = KNOWN_DIFFERENCES[(code, year)]
            excused = rows_of(tables)
        comparisons.append(Comparison(year, code, mine, theirs, excused, note))
    total = dfe["rules"]
    assert isinstance(total, int)
    return comparisons, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--years", default=",".join(str(y) for y in YEARS))
    args = parser.parse_args()
    if not DFE_PYTHON.exists():
        sys.exit(f"{DFE_PYTHON} is missing: run `make dfe-validator` first")
    failed = False
    for year in (int(y) for y in args.years.split(",")):
        started = time.perf_counter()
        comparisons, total = compare(args.data, year)
        label = rules.CollectionYear(year).label
        same = sum(c.same for c in comparisons)
        print(
            f"{label}: {same} of {len(comparisons)} rules we cover flag the same rows as DfE's validator "
            f"({len(comparisons)} of DfE's {total} rules for the year; {time.perf_counter() - started:.1f} s)"
        )
        for c in sorted(comparisons, key=lambda c: (not c.same, c.code)):
            counts = ", ".join(f"{t} {len(r):,}" for t, r in c.dfe.items()) or "no rows"
            print(f"  {'same' if c.same else 'DIFFERENT':9} {c.code:6} {counts}")
            excused = sum(len(r) for r in c.excused.values())
            if c.note and excused:
                print(f"            but for {excused} rows: {c.note}")
            if not c.same:
                failed = True
                for table in sorted(set(c.ours) | set(c.dfe)):
                    extra = sorted(set(c.ours.get(table, [])) - set(c.expected.get(table, [])))
                    short = sorted(set(c.expected.get(table, [])) - set(c.ours.get(table, [])))
                    print(f"            {table}: only ours {extra[:10]}, only DfE's {short[:10]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
