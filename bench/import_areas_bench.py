"""A regional world loaded through the imports: 35,000 areas into PostgreSQL, then ranked (issue 13 item 2).

    python bench/import_areas_bench.py [--areas 35000] [--factors 1,23] [--repeats 10]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each factor: a fresh PostgreSQL database (dropped afterwards) from the migrations, the
demo world (seed 1) with every placement, open referral and resident copied `factor` times
(bench/capacity_bench.py's `_multiply`: 23 gives about 10,000 placements), then an areas CSV
of `--areas` synthetic circles over England (1 in 5 high severity, review date a year ahead)
imported by Manchester through `flask import-data areas`, the command an authority runs.
The import runs in a child process, so its peak memory is its own (`ru_maxrss`), and the
relocation re-check after it is timed on its own: it looks only at placements near the
changed areas (decision 0061), so its time should not grow with the pool.
Then, at the largest factor, "find options" and the options page are timed through the
pages (bench/web_path_bench.py's `measure`) and one ranking through the API.
Figures go in docs/performance.md by hand; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

MANCHESTER = "E08000003"


def _areas_file(path: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    review_by = (date.today() + timedelta(days=365)).isoformat()
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["code", "label", "kind", "lat", "lon", "radius_km", "severity", "groups", "source",
                      "confidence", "review_by"])  # fmt: skip
        for i in range(count):
            out.writerow([
                f"BENCH-IA{i:06d}", f"Imported area {i}",
                rng.choice(["gang_territory", "county_lines_destination", "exploitation_hotspot"]),
                # Written as a person's file would be: never 1e-05 for a longitude near 0.
                f"{rng.uniform(50.6, 54.8):.5f}", f"{rng.uniform(-3.4, 0.6):.5f}", f"{rng.uniform(0.1, 1.0):.2f}",
                rng.choices(["high", "medium", "low"], [1, 2, 2])[0], "", "Bench partnership briefing", "medium",
                review_by,
            ])  # fmt: skip


def child(database_url: str, areas_csv: str) -> None:
    """In the child process: import the areas as Manchester, timing the re-check inside it."""
    from web import create_app
    from web.relocation.services import relocation

    timed: dict[str, float] = {}
    real = relocation.recheck_near_areas

    def recheck(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            timed["recheck_s"] = time.perf_counter() - started

    relocation.recheck_near_areas = recheck
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": database_url})
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["import-data", "areas", "--file", areas_csv, "--authority", MANCHESTER])
    took = time.perf_counter() - started
    print(json.dumps({"exit_code": result.exit_code, "import_s": took, **timed, "output": result.output[-600:]}))


def _fresh(server_url: str) -> str:
    base = make_url(server_url)
    name = f"planner_areas_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    engine.dispose()


def one_factor(server_url: str, factor: int, areas: int, repeats: int, rank: bool) -> dict[str, Any]:
    from bench.capacity_bench import _multiply
    from bench.web_path_bench import _app, measure
    from web import db

    url = _fresh(server_url)
    try:
        app = _app(url)
        if factor > 1:
            _multiply(app, factor)
        with app.app_context():
            placements = db.session().execute(text("SELECT count(*) FROM placements")).scalar()
        db.engine(app).dispose()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "areas.csv"
            _areas_file(path, areas, seed=1)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            env = os.environ | {"SECRET_KEY": "bench"}
            done = subprocess.run(
                [sys.executable, __file__, "--child", url, str(path)], capture_output=True, text=True, env=env,
                check=False, cwd=REPO,
            )  # fmt: skip
            peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            raise SystemExit(f"the import failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        figures = json.loads(lines[-1])
        if figures["exit_code"] != 0:
            raise SystemExit(f"the import refused the file: {figures['output']}")
        figures |= {
            "factor": factor,
            "placements": placements,
            "areas": areas,
            "peak_mb": round(max(peak_kb, before) / 1024),
        }
        print(json.dumps(figures, indent=2))
        if rank:
            app = _app_only(url)
            measure(app, repeats, False)
            db.engine(app).dispose()
        return figures
    finally:
        _drop(url)


def _app_only(url: str) -> Any:
    from web import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False})


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=35000)
    parser.add_argument("--factors", default="1,23", help="pool sizes: copies of the demo's placements")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    factors = [int(f) for f in args.factors.split(",")]
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()}")
    results = [one_factor(args.database_url, f, args.areas, args.repeats, f == max(factors)) for f in factors]
    print(json.dumps([{k: v for k, v in r.items() if k != "output"} for r in results], indent=2))


if __name__ == "__main__":
    main()
