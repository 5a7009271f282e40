"""Signed-in users asking for options back to back, against gunicorn (issue 13 item 1).

    python bench/load_bench.py [--users 20] [--seconds 60] [--workers 3] [--factor 1]
                               [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds a fresh PostgreSQL database (`planner_load`, dropped and made again) from the
migrations, seeds the demo world (seed 1; `--factor N` copies its placements and open
referrals N times, as bench/capacity_bench.py does), makes one placement officer account
per simulated user in Manchester, serves it with gunicorn (`--workers`, the app's own
config/gunicorn settings otherwise), and runs locust headless from its own virtualenv
(`.venv-load`, made by `make .venv-load`): `--users` users, each looping "find options" on
Manchester's open referrals and then the options page, no think time, for `--seconds`.
Then the same with one user. Prints p50 and p95 of each request, rankings per second, and
the database's size per stored run; writes bench/out/load_bench.json. Figures go in
docs/performance.md by hand; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

LOAD_PYTHON = REPO / ".venv-load" / "bin" / "python"
PASSWORD = "load-test-password-not-a-secret"
PORT = 5077


def _fresh_database(server_url: str, name: str) -> str:
    base = make_url(server_url)
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _seed(database_url: str, users: int, factor: int) -> list[str]:
    """Migrate, seed the demo, add the officers; Manchester's open referrals, most urgent first."""
    os.environ["DATABASE_URL"] = database_url
    from bench.capacity_bench import _multiply
    from web import create_app, db, migrate
    from web.accounts.services import accounts
    from web.casework.repositories import referrals
    from web.demo.services import decisions as demo_decisions
    from web.demo.services import world as demo_world
    from web.shared.services import reference_data

    app = create_app({"SECRET_KEY": "load", "DATABASE_URL": database_url})
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
        demo_world.generate(1)
        demo_decisions.seed()
    if factor > 1:
        _multiply(app, factor)
    with app.app_context():
        for i in range(users):
            accounts.create_user(f"officer{i}@load.test", f"Officer {i}", "placement_officer", "E08000003", PASSWORD)
        db.commit()
        open_ones = [r.reference for r in referrals.list_referrals("E08000003", "open")]
    return open_ones


def _serve(database_url: str, workers: int) -> subprocess.Popen[bytes]:
    # Plain http on loopback: a Secure cookie would not come back from the load generator.
    env = os.environ | {"DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(16), "SESSION_COOKIE_SECURE": "0"}
    command = [str(REPO / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{PORT}", "--workers", str(workers)]
    config = REPO / "config" / "gunicorn.conf.py"
    if config.exists():
        command += ["--config", str(config)]
    server = subprocess.Popen([*command, "wsgi:app"], cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            import urllib.request

            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/sign-in", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def _locust(users: int, seconds: int, accounts: Path, referrals: list[str], out: Path) -> dict[str, Any]:
    env = os.environ | {"LOAD_ACCOUNTS": str(accounts), "LOAD_REFERRALS": ",".join(referrals)}
    prefix = out / f"u{users}"
    subprocess.run(
        [
            str(LOAD_PYTHON), "-m", "locust", "-f", str(REPO / "bench" / "load" / "locustfile.py"), "--headless",
            "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
            "--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ],
        env=env,
        check=False,
    )  # fmt: skip
    figures: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] in ("find options", "options page"):
                figures[row["Name"]] = {
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"]),
                    "p95_ms": float(row["95%"]),
                    "average_size_bytes": float(row["Average Content Size"]),
                }
    rankings = figures.get("find options", {}).get("requests", 0) - figures.get("find options", {}).get("failures", 0)
    figures["rankings_per_second"] = round(rankings / seconds, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--factor", type=int, default=1)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not LOAD_PYTHON.exists():
        raise SystemExit(f"{LOAD_PYTHON} is missing: run `make .venv-load` first")
    database_url = _fresh_database(args.database_url, "planner_load")
    started = time.perf_counter()
    referrals = _seed(database_url, args.users, args.factor)
    print(f"seeded in {time.perf_counter() - started:.1f} s: {len(referrals)} open referrals in Manchester")
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "users": args.users, "seconds": args.seconds, "workers": args.workers, "factor": args.factor,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        accounts = Path(tmp) / "accounts.txt"
        accounts.write_text("".join(f"officer{i}@load.test {PASSWORD}\n" for i in range(args.users)))
        server = _serve(database_url, args.workers)
        try:
            for users in (1, args.users):
                results[f"{users} users"] = _locust(users, args.seconds, accounts, referrals, Path(tmp))
        finally:
            server.terminate()
            server.wait(10)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        runs = connection.execute(text("SELECT count(*) FROM ranking_runs")).scalar_one()
        size = connection.execute(text("SELECT pg_total_relation_size('ranking_runs')")).scalar_one()
    engine.dispose()
    results["stored runs"] = {"count": runs, "bytes_per_run": round(size / max(runs, 1))}
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    (out / "load_bench.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
