"""Time DfE's counts (children at 31 March, placement starts) on the shared SSDA903 sample and copies of it.

    python bench/dfe_figures_bench.py [--repeats 5] [--factors 1 10 50]

Reads the shared sample's episodes (5,050 rows, 2,123 children; ../shared/data), gives
each a PL_DISTANCE and PL_LOCATION (half the postcodes "found", the rest not known, so
both paths run), then for each factor makes that many copies with new child ids and times
`planner.dfe_figures` over every collection year the episodes cover: building the frame,
the 31 March count and the placement starts. The database read and the protection are
not timed here (bench/capacity_bench.py times pages). Prints a table; nothing asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zlib
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from planner.dfe_figures import episodes_frame, looked_after_on, placement_starts, year_span, years_covered

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "ssda903" / "csc-validator-be-903" / "episodes.csv"


def _rows(factor: int) -> list[dict[str, object]]:
    raw = pd.read_csv(SAMPLE, dtype=str)
    rows = []
    for copy in range(factor):
        for r in raw.to_dict("records"):
            found = r["PL_POST"] if isinstance(r["PL_POST"], str) else ""
            key = zlib.crc32(found.encode())
            rows.append(
                {
                    "CHILD": f"{copy}-{r['CHILD']}",
                    "DECOM": pd.to_datetime(r["DECOM"], format="%d/%m/%Y"),
                    "DEC": pd.to_datetime(r["DEC"], format="%d/%m/%Y") if isinstance(r["DEC"], str) else None,
                    "RNE": r["RNE"],
                    "LS": r["LS"],
                    "PLACE": r["PLACE"],
                    "PL_DISTANCE": (key % 600) / 10 if key % 2 else None,
                    "PL_LOCATION": ("IN" if key % 3 else "OUT") if key % 2 else None,
                }
            )
    return rows


def _once(rows: list[dict[str, object]]) -> tuple[float, int, int]:
    started = time.perf_counter()
    episodes = episodes_frame(rows)
    children = starts = 0
    for year in years_covered(episodes, date(2026, 12, 2)):
        children += len(looked_after_on(episodes, year_span(year)[1]))
        starts += len(placement_starts(episodes, year))
    return time.perf_counter() - started, children, starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 50])
    args = parser.parse_args()
    if not SAMPLE.exists():
        sys.exit(f"{SAMPLE} is not here: the shared data folder is not mounted")
    print(f"{'episodes':>10} {'children counted':>17} {'starts':>8} {'median s':>9} {'fastest s':>10}")
    for factor in args.factors:
        rows = _rows(factor)
        times = []
        for _ in range(args.repeats):
            seconds, children, starts = _once(rows)
            times.append(seconds)
        print(f"{len(rows):>10,} {children:>17,} {starts:>8,} {statistics.median(times):>9.3f} {min(times):>10.3f}")


if __name__ == "__main__":
    main()
