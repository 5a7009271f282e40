"""Placement panel and relocation re-check on the demo world, and with the pool and demand 10x.

    python bench/panel_bench.py [--repeats 3] [--factor 10]

Seeds the synthetic demo world (seed 1) into a temporary SQLite database and times,
through the services a page calls:
- a panel over every open referral of Manchester (`web.matching.services.panel.run_panel`: the
  case built from the records, CP-SAT allocation, each match explained, the run stored),
  against the obvious baseline of ranking the same referrals one at a time, most urgent
  first, each taking its top option still free (what happens without a panel); the
  urgency-weighted young people each places, and the ratio of times;
- the relocation re-check of every young person living in a placement
  (`web.relocation.services.relocation.recheck`, one case for all of them, the world prepared
  once), against re-checking them one case at a time.
Then multiplies placements and open referrals by `--factor` (bench/capacity_bench.py's
`_multiply`) and times the panel again. Figures go in docs/performance.md by hand.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from bench.capacity_bench import _app, _multiply
from planner import rank
from planner.panel import URGENCY_POINTS
from web import db
from web.accounts.repositories import users
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import referrals as referral_repository
from web.matching.services import panel
from web.matching.services.batch_case import build_case
from web.models import PanelRun, RelocationReview
from web.relocation.repositories import relocation as relocation_repository
from web.relocation.services import relocation

OFFICER = "placement.officer@manchester.demo"
T = TypeVar("T")


def _timed(fn: Callable[[], T], repeats: int) -> tuple[float, T]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _one_at_a_time(references: list[str]) -> int:
    """Rank each referral alone, most urgent first, taking its best option with room left."""
    referrals = [r for r in referral_repository.list_referrals("E08000003", "open") if r.reference in references]
    used: dict[str, int] = {}
    points = 0
    for referral in referrals:  # listed most urgent first, then oldest
        built = build_case([referral], date.today(), batch=False)
        assert built.parsed.referral is not None
        ranking = rank(built.world, built.parsed.referral, built.policy)
        size = len(referral.young_people)
        vacancies = {p.id: p.vacancies for p in built.parsed.placements}
        for option in ranking.options:
            if vacancies[option.placement_id] - used.get(option.placement_id, 0) >= size:
                used[option.placement_id] = used.get(option.placement_id, 0) + size
                points += URGENCY_POINTS[referral.needed_by] * size
                break
    return points


def _panel_points(run_id: int) -> tuple[int, str, float]:
    run = db.session().get(PanelRun, run_id)
    assert run is not None
    result = json.loads(run.result_json)
    return result["levels"]["urgency_points"]["value"], result["status"], result["solve_seconds"]


def measure(label: str, app: Flask, repeats: int, recheck: bool) -> None:
    with app.app_context():
        row = users.find_user_by_email(OFFICER)
        assert row is not None
        user = SignedInUser(row.id, row.name, row.email, row.role, row.authority_code, row.authority.name)
        references = [c.reference for c in panel.open_referrals(user)]
        seconds, run_id = _timed(lambda: panel.run_panel(user, references), repeats)
        points, status, solve = _panel_points(run_id)
        base_seconds, base_points = _timed(lambda: _one_at_a_time(references), repeats)
        print(
            f"{label}: panel of {len(references)} referrals: {seconds:.2f} s ({status}, solve {solve:.2f} s), "
            f"{points} urgency points; one at a time: {base_seconds:.2f} s, {base_points} urgency points; "
            f"time ratio {seconds / base_seconds:.2f}"
        )
        if not recheck:
            return
        housed = relocation_repository.housed()
        ids = [person.id for person, _ in housed]

        def batch() -> int:
            opened = relocation.recheck("bench", None)
            db.session().query(RelocationReview).delete()
            db.commit()
            return len(opened)

        def singly() -> int:
            opened = sum(len(relocation.recheck("bench", None, [i])) for i in ids)
            db.session().query(RelocationReview).delete()
            db.commit()
            return opened

        batch_seconds, opened = _timed(batch, repeats)
        single_seconds, _ = _timed(singly, repeats)
        print(
            f"{label}: relocation re-check of {len(ids)} placed young people: {batch_seconds:.2f} s "
            f"({opened} reviews); one at a time {single_seconds:.2f} s; ratio {single_seconds / batch_seconds:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(str(Path(tmp) / "bench.db"))
        measure("demo", app, args.repeats, recheck=True)
        _multiply(app, args.factor)
        measure(f"{args.factor}x", app, args.repeats, recheck=False)


if __name__ == "__main__":
    main()
