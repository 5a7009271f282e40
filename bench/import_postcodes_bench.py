"""Importing an ONS Postcode Directory file: time and peak memory on a synthetic 100,000-row file.

    python bench/import_postcodes_bench.py [--rows 100000] [--database-url URL] [--seed 1]

Writes a synthetic file with the ONSPD's published columns (55 of them, as in the
real directory; postcodes in the unused ZZ area, about 3% terminated and 1% with no
grid reference), then runs the `postcodes` import through `run_import`, as the page
and `flask import-data` do, into a fresh SQLite database (or a fresh database on the
PostgreSQL server of --database-url), twice: into an empty table, then again
replacing every row. Each run happens in a child process so its peak memory (max RSS)
is its own. Prints the figures; nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

COLUMNS = [
    "pcd",
    "pcd2",
    "pcds",
    "dointr",
    "doterm",
    "oscty",
    "ced",
    "oslaua",
    "osward",
    "parish",
    "usertype",
    "oseast1m",
    "osnrth1m",
    "osgrdind",
    "oshlthau",
    "nhser",
    "ctry",
    "rgn",
    "streg",
    "pcon",
    "eer",
    "teclec",
    "ttwa",
    "pct",
    "itl",
    "statsward",
    "oa01",
    "casward",
    "npark",
    "lsoa01",
    "msoa01",
    "ur01ind",
    "oac01",
    "oa11",
    "lsoa11",
    "msoa11",
    "wz11",
    "sicbl",
    "bua24",
    "ru11ind",
    "oac11",
    "lat",
    "long",
    "lep1",
    "lep2",
    "pfa",
    "imd",
    "calncv",
    "icb",
    "oa21",
    "lsoa21",
    "msoa21",
    "ruc21ind",
    "globalid",
    "ons_utla",
]


def synthetic_onspd(rows: int, seed: int) -> bytes:
    """A synthetic ONSPD CSV: every published column, plausible values, no real postcode."""
    rng = random.Random(seed)
    lines = [",".join(COLUMNS)]
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    for i in range(rows):
        # 4,000 units per district, 99 districts per area: unique up to 7.9 million rows.
        block, sector, unit = i // 4_000, (i // 400) % 10, i % 400
        inward = f"{sector}{letters[unit // 20]}{letters[unit % 20]}"
        outward = f"Z{letters[::-1][block // 99]}{block % 99 + 1}"
        pcds = f"{outward} {inward}"
        lat, lon = 50.5 + rng.random() * 4.5, -4.5 + rng.random() * 6.0
        easting, northing = int(400_000 + (lon + 2) * 69_000), int((lat - 49.77) * 111_000 - 100_000)
        terminated = "202001" if rng.random() < 0.03 else ""
        no_grid = rng.random() < 0.01
        county, district_code = ("E10000012", "E07000066") if rng.random() < 0.5 else ("E99999999", "E06000033")
        values = {
            "pcd": f"{outward:<4}{inward}",
            "pcd2": f"{outward:<5}{inward}",
            "pcds": pcds,
            "dointr": "199801",
            "doterm": terminated,
            "oscty": county,
            "oslaua": district_code,
            "osgrdind": "9" if no_grid else "1",
            "oseast1m": "" if no_grid else str(easting),
            "osnrth1m": "" if no_grid else str(northing),
            "lsoa11": f"E0{1_000_000 + i % 30_000:07d}",
            "lsoa21": f"E0{1_000_000 + i % 33_000:07d}",
            "lat": "99.999999" if no_grid else f"{lat:.6f}",
            "long": "0.000000" if no_grid else f"{lon:.6f}",
            "ctry": "E92000001",
            "rgn": "E12000006",
            "usertype": "0",
        }
        lines.append(",".join(values.get(column, "E00000000") for column in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def _high_water_kb() -> int:
    """This process's peak resident memory (VmHWM), in kB.

    Not getrusage's ru_maxrss: on Linux that survives execve, so a child would report
    its parent's peak (the parent wrote the file).
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(path: str, database_url: str, replace: bool) -> None:
    """Run one import in this (child) process and print its figures as JSON."""
    from web import create_app, migrate
    from web.data_exchange.services import imports
    from web.shared.services import reference_data

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url})
    migrate.upgrade(app)
    data = Path(path).read_bytes()
    with app.app_context():
        reference_data.load_authorities()
        if replace:
            imports.run_import("postcodes", {"file": ("onspd.csv", data)}, dry_run=False, authority_code="E10000012")
        before = _high_water_kb()
        start = time.perf_counter()
        outcome = imports.run_import(
            "postcodes", {"file": ("onspd.csv", data)}, dry_run=False, authority_code="E10000012"
        )
        seconds = time.perf_counter() - start
    peak = _high_water_kb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": outcome.rows,
                "added": outcome.added,
                "skipped": outcome.skipped,
                "problems": outcome.problem_count,
                "peak_rss_mb": peak / 1024,
                "rss_before_mb": before / 1024,
                "file_mb": len(data) / 1e6,
            }
        )
    )


def _database(kind: str, base_url: str | None, folder: Path) -> tuple[str, tuple[Engine, str] | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}", None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    assert base_url is not None
    base = make_url(base_url)
    name = f"planner_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), (admin, name)


def _drop(handle: tuple[Engine, str] | None) -> None:
    if handle is None:
        return
    from sqlalchemy import text

    admin, name = handle
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _command_line(path: Path, folder: Path, replace: bool) -> tuple[float, float]:
    """`flask import-data postcodes` itself, on a fresh SQLite database: (seconds, peak RSS MB).

    The command maps a large file and reads it a slice at a time (decision 0072), which
    `run_import` on bytes, as the children above call it, does not show.
    """
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SECRET_KEY": "bench",
        "DATABASE_URL": f"sqlite:///{folder / f'cli-{uuid.uuid4().hex[:6]}.db'}",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "setup-db"], cwd=REPO, env=env, check=True, capture_output=True)
    command = [*flask, "import-data", "postcodes", "--file", str(path), "--authority", "E10000012"]
    if replace:
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    # wait4 gives this child's own peak (ru_maxrss, kB), not the largest of every child so far.
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"flask import-data failed ({child.returncode})")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (postgresql+psycopg://...)")
    parser.add_argument(
        "--command-line", action="store_true", help="also run `flask import-data` itself (SQLite), timed with its peak"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.child[2] == "replace")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "onspd.csv"
        path.write_bytes(synthetic_onspd(args.rows, args.seed))
        print(f"Synthetic ONSPD: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, 55 columns")
        backends = ["sqlite"] + (["postgresql"] if args.database_url else [])
        header = f"{'database':<11} {'table':<9} {'seconds':>8} {'rows/s':>9} {'RSS before MB':>14} {'peak RSS MB':>12}"
        print(header + "  result")
        for backend in backends:
            for mode in ("empty", "replace"):
                url, handle = _database(backend, args.database_url, folder)
                try:
                    done = subprocess.run(
                        [sys.executable, __file__, "--child", str(path), url, mode],
                        check=True,
                        capture_output=True,
                        text=True,
                        env={**os.environ, "PYTHONPATH": str(REPO)},
                    )
                finally:
                    _drop(handle)
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                rate = figures["rows"] / figures["seconds"]
                result = f"{figures['added']} skipped {figures['skipped']} problems {figures['problems']}"
                print(
                    f"{backend:<11} {mode:<9} {figures['seconds']:>8.2f} {rate:>9,.0f} "
                    f"{figures['rss_before_mb']:>14.0f} {figures['peak_rss_mb']:>12.0f}  {result}"
                )
        if args.command_line:
            for mode in ("empty", "replace"):
                seconds, peak = _command_line(path, folder, mode == "replace")
                rate = args.rows / seconds
                print(
                    f"{'sqlite':<11} {mode:<9} {seconds:>8.2f} {rate:>9,.0f} {'':>14} {peak:>12.0f}  "
                    "flask import-data itself (with its start-up)"
                )


if __name__ == "__main__":
    main()
