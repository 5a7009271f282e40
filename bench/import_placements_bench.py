"""Importing a 200,000-row provider list: through the page as a job, and from the command line.

    python bench/import_placements_bench.py [--rows 200000] [--seed 1] [--database-url URL]
                                            [--only page|cli] [--repeat 1]

Writes the seeded synthetic provider list of `bench/provider_list.py` (33 MB at 200,000
rows), then, on a fresh SQLite database (or a fresh database on the PostgreSQL server
of --database-url):

- page: signs in as an administrator and posts the file to /imports/placements_csv, as a
  browser does (the request's own time is printed: it only stores the file and queues the
  job); then starts the real worker (`flask jobs-worker --workers 1`, the SQLite queue) and
  follows the job until it is done. Printed: the job's time from the worker taking it to
  done, from the post to done, and the worker process's peak memory (VmHWM, read before
  it is stopped; it includes the app, about 200 MB, and the engine's libraries).
- cli: `run_import` in a child process, as `flask import-data placements_csv` does; its
  time and the child's peak memory.

Each database starts empty (every row an added placement). Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.import_postcodes_bench import _high_water_kb  # noqa: E402
from bench.provider_list import provider_list  # noqa: E402

AUTHORITY = "E08000003"  # Manchester
PASSWORD = "correct horse battery staple"


def _database(base_url: str | None, folder: Path) -> tuple[str, tuple[Engine, str] | None]:
    if base_url is None:
        return f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}", None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

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


def _config(database_url: str, folder: Path) -> dict[str, Any]:
    return {
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url,
        "JOBS_SQLITE_PATH": str(folder / f"jobs-{uuid.uuid4().hex[:6]}.sqlite3"),
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,
    }


def _cli_child(path: str, database_url: str) -> None:
    """One import as `flask import-data` runs it, in this (child) process; figures as JSON."""
    from web import create_app, migrate
    from web.data_exchange.services import imports
    from web.shared.services import reference_data

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url})
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
        before = _high_water_kb()
        start = time.perf_counter()
        cpu_start = time.process_time()
        data = Path(path).read_bytes()
        outcome = imports.run_import(
            "placements_csv", {"file": ("providers.csv", data)}, dry_run=False, authority_code=AUTHORITY
        )
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "rows": outcome.rows,
                "added": outcome.added,
                "problems": outcome.problem_count,
                "first_problems": [p.message for p in outcome.problems[:3]],
                "peak_rss_mb": _high_water_kb() / 1024,
                "rss_before_mb": before / 1024,
            }
        )
    )


def _cli(path: Path, database_url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--cli-child", str(path), database_url],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process so far (less sensitive to a busy machine than wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _csrf(client: Any, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found is not None, f"no form token on {path}"
    return found.group(1)


def _page(path: Path, database_url: str, folder: Path) -> dict[str, Any]:
    """Post the file through the page, then let the real worker run the job; its figures."""
    from web import create_app, db, migrate
    from web.accounts.services import accounts
    from web.models import Job
    from web.shared.services import reference_data

    config = _config(database_url, folder)
    app = create_app(config)
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
        accounts.create_user("admin@bench.test", "Bench admin", "admin", AUTHORITY, PASSWORD)
        db.commit()
    client = app.test_client()
    signed_in = client.post(
        "/sign-in", data={"email": "admin@bench.test", "password": PASSWORD, "csrf_token": _csrf(client, "/sign-in")}
    )
    assert signed_in.status_code == 302, signed_in.status_code
    data = path.read_bytes()
    posted = time.perf_counter()
    with open(path, "rb") as fh:
        response = client.post(
            "/imports/placements_csv",
            data={"file": (fh, "providers.csv"), "csrf_token": _csrf(client, "/imports/placements_csv")},
            content_type="multipart/form-data",
        )
    request_seconds = time.perf_counter() - posted
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.status_code
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url,
        "JOBS_SQLITE_PATH": config["JOBS_SQLITE_PATH"],
        "SESSION_COOKIE_SECURE": "0",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs-worker", "--workers", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Followed on a plain connection of its own: the app's sessions begin IMMEDIATE on SQLite
    # and would wait behind the import's write lock; a WAL reader does not.
    from sqlalchemy import create_engine, select

    follower = create_engine(database_url)
    # How long the job's own page takes while the import runs, as the person watching it sees it
    # (on SQLite the import's transaction holds the write lock, and a page view waits for it).
    page_seconds: list[float] = []
    page_statuses: list[int] = []
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            asked = time.perf_counter()
            page_statuses.append(client.get(f"/jobs/{job_id}").status_code)
            page_seconds.append(time.perf_counter() - asked)
            with follower.connect() as connection:
                row = connection.execute(
                    select(Job.status, Job.started_at, Job.finished_at, Job.result, Job.error).where(Job.id == job_id)
                ).one()
            status, started, finished, result, error = row
            if status in ("done", "failed"):
                break
            time.sleep(0.2)
        to_done = time.perf_counter() - posted
        peak = _vm_hwm_mb(worker.pid)
        cpu = _cpu_seconds(worker.pid)  # its start-up (the app, the engine's libraries) included
    finally:
        follower.dispose()
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=60)
    return {
        "status": status,
        "error": error,
        "request_seconds": request_seconds,
        "job_seconds": (finished - started).total_seconds() if finished and started else None,
        "post_to_done_seconds": to_done,
        "worker_peak_rss_mb": peak,
        "worker_cpu_seconds": cpu,
        "job_page_views": len(page_seconds),
        "job_page_slowest_seconds": max(page_seconds, default=0.0),
        "job_page_statuses": sorted(set(page_statuses)),
        "rows": (result or {}).get("rows"),
        "added": (result or {}).get("added"),
        "problems": len((result or {}).get("problems") or []) + int((result or {}).get("more_problems") or 0),
        "file_mb": len(data) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (postgresql+psycopg://...)")
    parser.add_argument("--only", choices=("page", "cli"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cli-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cli_child:
        _cli_child(*args.cli_child)
        return
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "providers.csv"
        path.write_bytes(provider_list(args.rows, args.seed))
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"Synthetic provider list: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB; {database}")
        for _ in range(args.repeat):
            for how in ("page", "cli"):
                if args.only and how != args.only:
                    continue
                url, handle = _database(args.database_url, folder)
                try:
                    found = _page(path, url, folder) if how == "page" else _cli(path, url)
                finally:
                    _drop(handle)
                figures.append({"how": how, "database": database, **found})
                if how == "page":
                    print(
                        f"page, as a job: request {found['request_seconds']:.2f} s; job {found['job_seconds']:.1f} s "
                        f"(post to done {found['post_to_done_seconds']:.1f} s); worker CPU "
                        f"{found['worker_cpu_seconds']:.1f} s (with its start-up); worker peak "
                        f"{found['worker_peak_rss_mb']:.0f} MB; {found['status']} {found['added']} "
                        f"problems {found['problems']} {found['error'] or ''}\n"
                        f"  the job's page while it ran: {found['job_page_views']} views, slowest "
                        f"{found['job_page_slowest_seconds']:.1f} s, statuses {found['job_page_statuses']}"
                    )
                else:
                    print(
                        f"command line: {found['seconds']:.1f} s (CPU {found['cpu_seconds']:.1f} s); "
                        f"peak {found['peak_rss_mb']:.0f} MB "
                        f"(before {found['rss_before_mb']:.0f} MB); {found['added']} problems {found['problems']} "
                        f"{found['first_problems']}"
                    )
    (out / "import_placements_bench.json").write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
