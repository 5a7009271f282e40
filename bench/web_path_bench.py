"""The web path of a ranking: "find options" and the options page, through the test client.

    python bench/web_path_bench.py [--repeats 20] [--factor 1] [--areas 0] [--profile]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Seeds the synthetic demo world (seed 1) into a temporary SQLite database, or into a fresh
PostgreSQL database created on the server of `--database-url` and dropped afterwards.
`--factor` copies every placement and open referral (bench/capacity_bench.py's `_multiply`);
`--areas` adds that many synthetic areas of concern (random circles over England, a few
linked to the demo's groups), so `--factor 23 --areas 35000` is the regional world of
issue 13 (about 10,000 placements and 35,000 areas).

Then, signed in as Manchester's placement officer, it times over `--repeats`:
- "find options": POST /referrals/<ref>/rankings (the ranking run stored, the redirect
  not followed), after one warm-up request which is reported on its own (the first
  request after the world changed pays for preparing it);
- the options page: GET /referrals/<ref>/rankings/<id>, once after each "find options" (the
  run's first view, as a person sees it) and then `--repeats` times for the last run;
- one page of the exclusions drill-down: GET /referrals/<ref>/rankings/<id>/excluded/<code>?page=2
  for the reason that excluded most placements, `--repeats` times for the last run;
- the same drill-down's page 3 and the API's run document (GET /api/v1/referrals/<ref>/ranking-runs/<id>)
  as another process first reads them: every run's kept result and ranking forgotten first;
- the referral page: GET /referrals/<ref> (it lists the referral's runs, which grow with
  every repeat above).
It prints p50 and p95 in milliseconds, the pages' sizes, and the bytes one stored run
takes (every column of its row, plus any world snapshot it refers to, counted once per
world). `--profile` prints a cProfile breakdown of one request of each kind.
Figures go in docs/performance.md by hand. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, insert, inspect, select, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from bench.capacity_bench import _multiply
from web import create_app, db, migrate
from web.accounts.repositories import users
from web.accounts.services import accounts, api_tokens
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import referrals as referral_repository
from web.demo.services import decisions as demo_decisions
from web.demo.services import world as demo_world
from web.matching.services import ranking_runs

try:
    from web.matching.services import run_exclusions
except ImportError:  # a commit before decision 0091, for a "before" figure
    run_exclusions = None  # type: ignore[assignment]
from web.models import Area, AreaGroup, Group, Placement, RankingRun
from web.shared.services import reference_data

OFFICER = "placement.officer@manchester.demo"
AUTHORITY = "E08000003"


@contextmanager
def _database(url: str | None, folder: str) -> Iterator[str]:
    """A SQLite file in `folder`, or a fresh PostgreSQL database dropped afterwards."""
    if url is None:
        yield f"sqlite:///{folder}/bench.db"
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


def _app(url: str) -> Flask:
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
        demo_world.generate(1)
        demo_decisions.seed()
    return app


def _add_areas(app: Flask, count: int, seed: int) -> None:
    """`count` synthetic circles over England: 1 in 5 high severity, 1 in 50 linked to a demo group."""
    rng = random.Random(seed)
    with app.app_context():
        groups = list(db.session().scalars(select(Group.id)))
        review_by = date.today() + timedelta(days=365)
        rows = [
            {
                "code": f"BENCH-A{i:06d}",
                "label": f"Synthetic area {i}",
                "kind": rng.choice(["gang_territory", "county_lines_destination", "exploitation_hotspot"]),
                "lat": rng.uniform(50.6, 54.8),
                "lon": rng.uniform(-3.4, 0.6),
                "radius_km": round(rng.uniform(0.1, 1.0), 2),
                "severity": rng.choices(["high", "medium", "low"], [1, 2, 2])[0],
                "source": "bench",
                "confidence": "medium",
                "review_by": review_by,
                "updated_at": datetime.now(),
            }
            for i in range(count)
        ]
        for start in range(0, len(rows), 5000):
            db.session().execute(insert(Area), rows[start : start + 5000])
        if groups:
            ids = db.session().scalars(select(Area.id).where(Area.code.like("BENCH-A%"))).all()
            links = [{"area_id": a, "group_id": rng.choice(groups)} for a in ids if rng.random() < 0.02]
            if links:
                db.session().execute(insert(AreaGroup), links)
        db.commit()


def _client(app: Flask) -> FlaskClient:
    with app.app_context():
        password = next(p for _, email, p, _ in accounts.reset_demo_passwords() if email == OFFICER)
    client = app.test_client()
    signed_in = client.post("/sign-in", data={"email": OFFICER, "password": password})
    assert signed_in.status_code == 302, signed_in.status_code
    return client


def _timed(call: Callable[[], TestResponse], repeats: int, status: int) -> tuple[list[float], TestResponse]:
    times = []
    response = None
    for _ in range(repeats):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == status, response.status_code
    assert response is not None
    return times, response


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _run_bytes(app: Flask, run_id: int) -> tuple[int, int]:
    """(bytes of the run's row, bytes of the world snapshot it refers to, if any)."""

    def size(value: Any) -> int:
        if value is None:
            return 0
        if isinstance(value, bytes | str):
            return len(value.encode() if isinstance(value, str) else value)
        return len(json.dumps(value, default=str))

    with app.app_context():
        connection = db.session().connection()
        row = connection.execute(select(RankingRun.__table__).where(RankingRun.__table__.c.id == run_id)).one()
        values = row._mapping
        snapshot = 0
        if values.get("world_sha256") and inspect(connection).has_table("world_snapshots"):
            snapshot = (
                connection.execute(
                    text("SELECT length(parts) FROM world_snapshots WHERE sha256 = :h"), {"h": values["world_sha256"]}
                ).scalar()
                or 0
            )
        return sum(size(v) for v in values.values()), snapshot


def _forgotten(call: Callable[[], TestResponse]) -> TestResponse:
    """`call` with nothing kept for any run in this process: its first reading in another worker."""
    ranking_runs._results.clear()
    if run_exclusions is not None:
        run_exclusions.forget()
    return call()


def _token(app: Flask) -> str:
    with app.test_request_context():
        user = users.find_user_by_email(OFFICER)
        assert user is not None
        who = SignedInUser(user.id, user.name, user.email, user.role, user.authority_code, user.authority.name)
        _, token = api_tokens.create(who, "bench")
    return token


def _profile(call: Callable[[], TestResponse], label: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(f"\n--- profile: {label} ---")
    print(out.getvalue())


def _after_a_vacancy_changes(app: Flask, find: Callable[[], TestResponse]) -> float:
    """Milliseconds of the first "find options" after one placement's vacancies change (as a
    decision or an edit does): the world's version moves, so it is prepared again."""
    with app.app_context():
        placement = db.session().scalars(select(Placement).where(Placement.status == "active").limit(1)).one()
        placement.vacancies = 1 if placement.vacancies == 0 else placement.vacancies - 1
        db.commit()
    (took,), _ = _timed(find, 1, 302)
    return took


def measure(app: Flask, repeats: int, profile: bool) -> None:
    with app.app_context():
        placements = db.session().execute(text("SELECT count(*) FROM placements")).scalar()
        areas = db.session().execute(text("SELECT count(*) FROM areas")).scalar()
        referral = referral_repository.list_referrals(AUTHORITY, "open")[0].reference
    client = _client(app)
    print(f"world: {placements} placements, {areas} areas; referral {referral}; {repeats} repeats")

    def find() -> TestResponse:
        return client.post(f"/referrals/{referral}/rankings")

    started = time.perf_counter()
    first = find()
    cold = (time.perf_counter() - started) * 1000
    assert first.status_code == 302, first.status_code
    find_times, first_view_times = [], []
    for _ in range(repeats):
        # As a person goes: find options, then the new run's page (its first view, nothing kept for it yet).
        find_time, last = _timed(find, 1, 302)
        new_run = last.headers["Location"]
        view_time, _ = _timed(lambda: client.get(new_run), 1, 200)  # noqa: B023 (called at once)
        find_times += find_time
        first_view_times += view_time
    run_path = last.headers["Location"]
    run_id = int(run_path.rstrip("/").rsplit("/", 1)[1])
    page_times, page = _timed(lambda: client.get(run_path), repeats, 200)
    # One page of the reason that excluded most placements: its sentences are worded as it is read.
    with app.app_context():
        counts = db.session().get(RankingRun, run_id).summary.get("excluded_by_reason", {})  # type: ignore[union-attr]
    code = max(counts, key=lambda c: (counts[c], c))
    drill_path = f"{run_path}/excluded/{code}?page=2"
    drill_times, drill = _timed(lambda: client.get(drill_path), repeats, 200)
    # The same page as another process first reads it: nothing kept for the run, today's world
    # prepared (the run's sentences come from its case ranked again, decision 0091).
    fresh_times, fresh = _timed(
        lambda: _forgotten(lambda: client.get(f"{run_path}/excluded/{code}?page=3")), repeats, 200
    )
    api_path = f"/api/v1/referrals/{referral}/ranking-runs/{run_id}"
    headers = {"Authorization": f"Bearer {_token(app)}"}
    api_times, document = _timed(lambda: _forgotten(lambda: client.get(api_path, headers=headers)), repeats, 200)
    referral_times, referral_page = _timed(lambda: client.get(f"/referrals/{referral}"), repeats, 200)
    row_bytes, snapshot_bytes = _run_bytes(app, run_id)
    print(f"find options, first request after start: {cold:8.1f} ms")
    for label, times, size in (
        ("find options (POST, 302)", find_times, len(last.get_data())),
        ("options page, first view", first_view_times, len(page.get_data())),
        ("options page, again (GET)", page_times, len(page.get_data())),
        (f"excluded page 2 ({code[:12]})", drill_times, len(drill.get_data())),
        ("excluded page 3, first reading", fresh_times, len(fresh.get_data())),
        ("API run document, first reading", api_times, len(document.get_data())),
        ("referral page (GET)", referral_times, len(referral_page.get_data())),
    ):
        print(f"{label:30} p50 {_p(times, 0.5):8.1f} ms  p95 {_p(times, 0.95):8.1f} ms  {size:>11,} bytes")
    print(f"stored run: {row_bytes:,} bytes in its row; world snapshot {snapshot_bytes:,} bytes (stored once)")
    changed = [_after_a_vacancy_changes(app, find) for _ in range(3)]
    print(f"find options after a vacancy changed: {', '.join(f'{t:.0f}' for t in changed)} ms")
    if profile:
        _profile(find, "find options")
        _profile(lambda: client.get(run_path), "options page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--factor", type=int, default=1, help="copies of every placement and open referral")
    parser.add_argument("--areas", type=int, default=0, help="synthetic areas to add")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; a fresh database is made on it")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; p50/p95 of each request's wall time")
    with tempfile.TemporaryDirectory() as folder, _database(args.database_url, folder) as url:
        app = _app(url)
        if args.factor > 1:
            _multiply(app, args.factor)
        if args.areas:
            _add_areas(app, args.areas, seed=1)
        try:
            measure(app, args.repeats, args.profile)
        finally:
            db.engine(app).dispose()


if __name__ == "__main__":
    main()
