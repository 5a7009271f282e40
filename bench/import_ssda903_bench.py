"""SSDA903 import benchmark: the public 5,050-episode synthetic return, checked and imported.

The return is csc-validator-be-903's fake data (2,675 header rows, 5,050 episodes of
2,123 children, 43 missing episodes; /work/shared/data/ssda903, MIT). Its postcodes are
random strings: as it is (`--postcodes packaged`, the default) almost every one is not
found, flagged by DfE's rule 392c, and PL_DISTANCE is not known; with `--postcodes
synthetic` the benchmark first writes a postcode table covering every HOME_POST and
PL_POST in it (seeded made-up grid references in England, a third of them in the
importing authority), so every distance is computed. It then times, through the same
`run_import` the page and command line use: a check (dry run), the import, and the same
import again (every row an update); then DfE's rules for the report (`ssda903.findings`),
and measures peak memory.

    python bench/import_ssda903_bench.py [--data DIR] [--database-url URL] [--postcodes packaged|synthetic]

With no URL the database is a temporary SQLite file. Prints the figures.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flask import Flask  # noqa: E402

from web import create_app, migrate  # noqa: E402
from web.data_exchange.services.imports import Outcome, run_import, ssda903  # noqa: E402
from web.shared.repositories import imports as import_repository  # noqa: E402
from web.shared.services import reference_data  # noqa: E402
from web.shared.services.postcodes import compact  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data/ssda903/csc-validator-be-903")
AUTHORITY = "E08000003"  # Manchester
OTHERS = ("E08000006", "E10000007", "E08000009", "E06000008")
SEED = 903


def synthetic_postcodes(episodes: Path) -> list[dict[str, object]]:
    """One made-up postcode row per HOME_POST / PL_POST in the file, seeded."""
    codes: set[str] = set()
    with open(episodes, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            codes.update(compact(row[c]) for c in ("HOME_POST", "PL_POST") if row[c].strip())
    rng = random.Random(SEED)
    rows = []
    for code in sorted(codes):
        easting, northing = rng.randint(350_000, 450_000), rng.randint(300_000, 450_000)
        rows.append(
            {
                "postcode": code,
                "lat": 52.6 + (northing - 300_000) / 111_000,
                "lon": -2.7 + (easting - 350_000) / 67_000,
                "easting": easting,
                "northing": northing,
                "authority_code": AUTHORITY if rng.random() < 1 / 3 else rng.choice(OTHERS),
                "lsoa_code": None,
            }
        )
    return rows


def make_app(url: str) -> Flask:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
    return app


def timed(app: Flask, files: dict[str, tuple[str, bytes]], dry_run: bool) -> tuple[float, Outcome]:
    with app.app_context():
        started = time.perf_counter()
        outcome = run_import("ssda903", files, dry_run=dry_run, authority_code=AUTHORITY)
        return time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--postcodes", choices=("packaged", "synthetic"), default="packaged")
    args = parser.parse_args()

    files = {
        name: (f"{name}.csv", (args.data / f"{name}.csv").read_bytes()) for name in ("header", "episodes", "missing")
    }
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = make_app(url)
        postcodes = synthetic_postcodes(args.data / "episodes.csv") if args.postcodes == "synthetic" else []
        with app.app_context():
            from web import db

            import_repository.replace_postcodes(postcodes)
            db.commit()
        print(f"database: {url.split('://')[0].split('+')[0]}; synthetic postcodes: {len(postcodes):,}")
        sizes = ", ".join(f"{name} {len(data) / 1024:.0f} KiB" for name, (_f, data) in files.items())
        print(f"files: {sizes}")

        for label, dry_run in (("check (dry run)", True), ("import", False), ("import again (all updates)", False)):
            seconds, outcome = timed(app, files, dry_run)
            if not outcome.ok:
                print(f"{label}: refused with {outcome.problem_count} problems, first: {outcome.problems[:3]}")
                return
            print(f"{label}: {seconds:.2f} s; {outcome.rows:,} rows; {outcome.added}; skipped {outcome.skipped}")

        with app.app_context():
            started = time.perf_counter()
            year, found = ssda903.findings({name: data for name, (_f, data) in files.items()}, date.today())
            seconds = time.perf_counter() - started
        print(f"DfE's rules for {year.ruleset.label}: {seconds:.2f} s; {len(found):,} flags")
        for line in ssda903.summary_lines(found):
            print(f"  {line[:110]}")

        tracemalloc.start()
        timed(app, files, True)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak Python allocation during a check (tracemalloc): {peak / 2**20:.1f} MiB")
        print(
            f"peak resident memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )


if __name__ == "__main__":
    main()
