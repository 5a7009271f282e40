"""police.uk import benchmark: one month of a force's street-level crime counted into suggestions.

The file is police.uk's Essex Police street-level crime for January 2018 (14,786 rows,
/work/shared/data/police-uk, Open Government Licence v3.0). The benchmark times, each
the median of `--repeat` runs:

* the counting alone (`planner.crime_counts.count_offences`, whole-column pandas), for
  Essex County Council: LSOAs in Southend-on-Sea, Thurrock and elsewhere are counted as
  theirs (`data/reference/lsoa_authorities.csv`), and ties at the cut-off are kept;
* the obvious baseline: a `csv.DictReader` loop doing the same checks, counting and
  ranking row by row in plain Python (checked to give the same suggestions);
* the whole import as a check (dry run) and as an import, through the same
  `run_import` the page and the command line use, into a fresh database (the first
  import adds the suggestions; the repeats find them already suggested and add none).

Peak memory is measured separately with tracemalloc (it slows what it watches).

    python bench/import_police_uk_bench.py [--file PATH] [--repeat N] [--scale K] [--database-url URL]

`--scale K` repeats the file's data rows K times in memory (K = 34 gives about 500,000
rows, the size of a national month) to show how each method grows.

With no URL the database is a temporary SQLite file; with a PostgreSQL URL, a scratch
database is created on that server and dropped afterwards (the URL's own database is
only used to connect). Prints the figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from planner.authorities import lsoa_authorities  # noqa: E402
from planner.crime_counts import FAMILIES, count_offences  # noqa: E402
from web import create_app, db, migrate  # noqa: E402
from web.data_exchange.services.imports import Outcome, run_import  # noqa: E402
from web.shared.services import reference_data  # noqa: E402

DEFAULT_FILE = Path("/work/shared/data/police-uk/2018-01-essex-street.csv")
AUTHORITY = "E10000012"  # Essex
TOP_N, MIN_OFFENCES = 25, 10
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_GSS = re.compile(r"[A-Z]\d{8}")


def baseline(data: bytes, where: dict[str, str]) -> list[tuple[str, int]]:
    """The same counting as a plain DictReader loop: (LSOA code, total) of the suggestions."""
    crime_family = {crime: code for code, crime in FAMILIES.items()}
    totals: dict[str, dict[str, Any]] = {}
    problems = 0
    for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
        month, lsoa = row["Month"].strip(), row["LSOA code"].strip()
        raw_lon, raw_lat = row["Longitude"].strip(), row["Latitude"].strip()
        if not _MONTH.fullmatch(month) or (lsoa and not _GSS.fullmatch(lsoa)):
            problems += 1
            continue
        try:
            lon = float(raw_lon) if raw_lon else None
            lat = float(raw_lat) if raw_lat else None
        except ValueError:
            problems += 1
            continue
        if (lon is not None and abs(lon) > 180) or (lat is not None and abs(lat) > 90):
            problems += 1
            continue
        family = crime_family.get(row["Crime type"].strip())
        if lon is None or lat is None or not lsoa or family is None:
            continue
        if where.get(lsoa, AUTHORITY) != AUTHORITY:
            continue  # another authority's LSOA
        item = totals.setdefault(
            lsoa,
            {"counts": dict.fromkeys(FAMILIES, 0), "lat": 0.0, "lon": 0.0, "first": month, "last": month},
        )
        item["counts"][family] += 1
        item["lat"] += lat
        item["lon"] += lon
        item["first"], item["last"] = min(item["first"], month), max(item["last"], month)
    if problems:
        return []
    ranked = sorted(
        ((code, sum(item["counts"].values())) for code, item in totals.items()),
        key=lambda pair: (-pair[1], pair[0]),
    )
    kept = [pair for pair in ranked if pair[1] >= MIN_OFFENCES]
    cut_off = kept[TOP_N - 1][1] if len(kept) > TOP_N else 0
    return [pair for index, pair in enumerate(kept) if index < TOP_N or pair[1] == cut_off]


def median_seconds(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, fastest) wall-clock seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def peak_mib(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


@contextmanager
def scratch_database(url: str, tmp: str) -> Iterator[str]:
    """A database nobody else uses: a SQLite file in `tmp`, or a new PostgreSQL database."""
    if not url:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    base = make_url(url)
    name = f"planner_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str) -> Flask:
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "POLICE_UK_SUGGESTIONS": TOP_N,
            "POLICE_UK_MIN_OFFENCES": MIN_OFFENCES,
        }
    )
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
    return app


def imported(app: Flask, data: bytes, dry_run: bool) -> Outcome:
    with app.app_context():
        outcome = run_import("police_uk", {"file": ("street.csv", data)}, dry_run=dry_run, authority_code=AUTHORITY)
    if not outcome.ok:
        raise SystemExit(f"the file was refused: {outcome.problems[:3]}")
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    data = args.file.read_bytes()
    if args.scale > 1:
        header, _newline, rows = data.partition(b"\n")
        data = header + b"\n" + rows * args.scale

    where = lsoa_authorities()

    def count() -> Any:
        return count_offences(data, TOP_N, MIN_OFFENCES, lsoa_authorities=where, authority=AUTHORITY)

    counted = count()  # also warms pandas up
    assert counted.ok, counted.problems[:3]
    same = [(s.lsoa_code, s.total) for s in counted.suggestions] == baseline(data, where)
    print(f"file: {args.file.name}, {len(data) / 2**20:.1f} MiB, {counted.rows:,} rows")
    print(
        f"offences counted {sum(counted.offences.values()):,} in {counted.lsoas:,} LSOAs; "
        f"{counted.lsoas_at_threshold} at the threshold of {MIN_OFFENCES}; {len(counted.suggestions)} suggested; "
        f"skipped {counted.skipped_no_coordinates} without coordinates, {counted.skipped_no_lsoa} without an LSOA, "
        f"{counted.other_crime_types:,} of other crime types, {sum(counted.other_authorities.values()):,} in "
        f"{len(counted.other_authorities)} other authorities' LSOAs"
    )
    print(f"same suggestions as the baseline: {'yes' if same else 'NO'}")

    count_s = median_seconds(count, args.repeat)
    base_s = median_seconds(lambda: baseline(data, where), args.repeat)
    count_mib = peak_mib(count)
    base_mib = peak_mib(lambda: baseline(data, where))
    print(f"{'':34}{'median':>10}{'fastest':>10}{'peak (tracemalloc)':>22}")
    print(f"{'counting (pandas)':34}{count_s[0]:>9.3f}s{count_s[1]:>9.3f}s{count_mib:>17.1f} MiB")
    print(f"{'baseline (csv.DictReader loop)':34}{base_s[0]:>9.3f}s{base_s[1]:>9.3f}s{base_mib:>17.1f} MiB")
    print(f"baseline ÷ counting, median time: {base_s[0] / count_s[0]:.1f}×; peak memory: {base_mib / count_mib:.2f}×")

    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database_url, tmp) as url:
        app = make_app(url)
        print(f"database: {url.split('://')[0].split('+')[0]}")
        check_s = median_seconds(lambda: imported(app, data, True), args.repeat)
        check_mib = peak_mib(lambda: imported(app, data, True))
        import_s = median_seconds(lambda: imported(app, data, False), args.repeat)
        print(f"{'whole import, check (dry run)':34}{check_s[0]:>9.3f}s{check_s[1]:>9.3f}s{check_mib:>17.1f} MiB")
        print(f"{'whole import, imported':34}{import_s[0]:>9.3f}s{import_s[1]:>9.3f}s")
        db.engine(app).dispose()


if __name__ == "__main__":
    main()
