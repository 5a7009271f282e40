"""What the access policy adds to building a ranking's case, on the demo world (decision 0080).

    python -m bench.sharing_bench [--repeats 30]

Seeds the synthetic demo world (seed 1) in a temporary SQLite database, then for one
Manchester referral times, over N repeats (median, min):

  (a) loading the stored pool, areas, groups and rivalries (what every case reads),
  (b) the policy's scoping of them to what Manchester may use (`batch_case._scoped`:
      agreements read, one verdict per owner and kind),
  (c) the whole `build_case` (world cached, as in a second ranking of the day).

Prints the figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from web import create_app, migrate
from web.casework.repositories import referrals
from web.demo.services import world as demo_world
from web.matching.repositories import placements
from web.matching.services import batch_case
from web.shared.repositories import intelligence
from web.shared.services import reference_data, sharing

MANCHESTER = "E08000003"


def _times(step: Callable[[], object], repeats: int) -> tuple[float, float]:
    found = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        found.append((time.perf_counter() - start) * 1000)
    return statistics.median(found), min(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{Path(folder) / 'b.db'}"})
        migrate.upgrade(app)
        with app.app_context():
            reference_data.load_authorities()
            demo_world.generate(1)
            referral = next(r for r in referrals.list_referrals(MANCHESTER, "open"))

            def load() -> tuple[list[object], ...]:
                return (
                    list(placements.list_live_placement_records()),
                    list(intelligence.list_groups()),
                    list(intelligence.list_rivalries()),
                    list(intelligence.list_area_records()),
                )

            pool, groups, rivalries, areas = (
                placements.list_live_placement_records(),
                intelligence.list_groups(),
                intelligence.list_rivalries(),
                intelligence.list_area_records(),
            )
            batch_case.build_case([referral], referral.created_at.date(), batch=False)  # warm the world cache
            rows = [
                ("(a) load pool, areas, groups, rivalries", _times(load, args.repeats)),
                (
                    "(b) scope them to Manchester (policy)",
                    _times(
                        lambda: batch_case._scoped(
                            batch_case._visibility(sharing.for_organisation(MANCHESTER, sharing.READER_ROLE)),
                            pool,
                            groups,
                            rivalries,
                            areas,
                            (),
                        ),
                        args.repeats,
                    ),
                ),
                (
                    "(c) build_case, world cached",
                    _times(
                        lambda: batch_case.build_case([referral], referral.created_at.date(), batch=False),
                        args.repeats,
                    ),
                ),
            ]
            print(f"demo world: {len(pool)} live placements, {len(areas)} areas, {len(groups)} groups")
            print(f"{'step':44} {'median ms':>10} {'min ms':>8}")
            for label, (median, least) in rows:
                print(f"{label:44} {median:10.1f} {least:8.1f}")


if __name__ == "__main__":
    main()
