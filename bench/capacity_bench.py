"""Time to render the capacity review's overview and a scenario, on the demo world and one 10x larger.

    python bench/capacity_bench.py [--repeats 3] [--factor 10]

Seeds the synthetic demo world (seed 1: 5 consortium authorities, 447 placements,
34 open referrals) into a temporary SQLite database and times, through the test client
as a signed-in commissioner: the overview (unfiltered, and filtered to specialist foster
places for 14-17-year-olds at risk of criminal exploitation), the location, trends and
equality pages, and a scenario adding 5 specialist foster places in each of two
authorities. Then multiplies the placements, open referrals (with their young people)
and current residents by `--factor`, with new codes and references, and times the same.
Prints a table; figures go in docs/performance.md by hand. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask.testing import FlaskClient

from web import create_app, db, migrate
from web.accounts.services import accounts
from web.capacity.repositories import capacity as capacity_repository
from web.casework.repositories import referrals as referral_repository
from web.casework.repositories import young_people as young_people_repository
from web.demo.services import decisions as demo_decisions
from web.demo.services import world as demo_world
from web.matching.repositories import placements as placement_repository
from web.models import CurrentResident, Placement, Referral, YoungPerson
from web.shared.services import reference_data

COMMISSIONER = "commissioner@manchester.demo"
FILTERED = "/capacity/?setting=foster&specialism=criminal_exploitation&band=14_15&band=16_17"
SCENARIO = {
    f"line-{i}-{k}": v
    for i, authority in ((1, "E06000049"), (2, "E10000017"))
    for k, v in (
        ("places", "5"),
        ("setting", "foster"),
        ("specialisms", "criminal_exploitation"),
        ("authority", authority),
        ("age_min", "14"),
        ("age_max", "17"),
    )
}


def _app(path: str) -> Flask:
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{path}",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            # A scenario is a job: run it inside the request that queues it, so it is timed.
            "JOBS_IMMEDIATE": True,
        }
    )
    migrate.upgrade(app)
    with app.app_context():
        reference_data.load_authorities()
        demo_world.generate(1)
        demo_decisions.seed()
    return app


def _multiply(app: Flask, factor: int) -> None:
    """Copies of every active placement, open referral (and its young people) and resident."""
    with app.app_context():
        pool = capacity_repository.active_placements()
        originals = [(p, [(r.person_reference, r.since) for r in p.residents]) for p in pool]
        open_referrals = capacity_repository.open_referrals()
        people = [(r, [yp for yp in r.young_people]) for r in open_referrals]
        snapshot_p = [
            {k: getattr(p, k) for k in [c.key for c in Placement.__table__.columns] if k != "id"} | {"residents": res}
            for p, res in originals
        ]
        snapshot_r = [
            (
                {
                    k: getattr(r, k)
                    for k in [c.key for c in Referral.__table__.columns]
                    if k not in ("id", "created_by_id")
                },
                [{k: getattr(yp, k) for k in [c.key for c in YoungPerson.__table__.columns] if k != "id"} for yp in ys],
            )
            for r, ys in people
        ]
        for copy in range(1, factor):
            for values in snapshot_p:
                fields = {k: v for k, v in values.items() if k != "residents"}
                fields["code"] = f"{fields['code']}-X{copy}"
                fields["urn"] = f"{fields['urn']}X{copy}" if fields.get("urn") else None
                placement = Placement(**fields)
                placement.residents = [
                    CurrentResident(person_reference=f"{ref}-X{copy}", since=since)
                    for ref, since in values["residents"]
                ]
                placement_repository.add_placement(placement)
            for referral_values, person_values in snapshot_r:
                copies = []
                for values in person_values:
                    fields = dict(values)
                    fields["reference"] = f"{fields['reference']}-X{copy}"
                    person = YoungPerson(**fields)
                    young_people_repository.add_young_person(person)
                    copies.append(person)
                fields = dict(referral_values)
                fields["reference"] = f"{fields['reference']}-X{copy}"
                referral_repository.add_referral(Referral(**fields, young_people=copies))
        db.commit()


def _client(app: Flask) -> FlaskClient:
    with app.app_context():
        password = next(p for _, email, p, _ in accounts.reset_demo_passwords() if email == COMMISSIONER)
    client = app.test_client()
    client.post("/sign-in", data={"email": COMMISSIONER, "password": password})
    return client


def _time(client: FlaskClient, repeats: int, path: str, data: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.post(path, data=data) if data is not None else client.get(path)
        times.append(time.perf_counter() - started)
        # 302: a scenario answers with its job's page, the job already run (JOBS_IMMEDIATE).
        assert response.status_code in (200, 302), (path, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(os.path.join(tmp, "planner.db"))
        rows = []
        for label in ("demo world", f"{args.factor}x world"):
            if label != "demo world":
                _multiply(app, args.factor)
            with app.app_context():
                sizes = (len(capacity_repository.active_placements()), len(capacity_repository.open_referrals()))
            client = _client(app)
            figures = {
                "overview": _time(client, args.repeats, "/capacity/"),
                "overview, filtered": _time(client, args.repeats, FILTERED),
                "location": _time(client, args.repeats, "/capacity/location"),
                "trends": _time(client, args.repeats, "/capacity/trends"),
                "equality": _time(client, args.repeats, "/capacity/equality"),
                "scenario (2 solves)": _time(client, args.repeats, "/capacity/scenario", SCENARIO),
            }
            rows.append((label, sizes, figures))
    print(f"capacity review, median of {args.repeats} (seconds)")
    for label, (placements, referrals), figures in rows:
        print(f"\n{label}: {placements} active placements, {referrals} open referrals")
        for name, seconds in figures.items():
            print(f"  {name:24} {seconds:8.2f}")


if __name__ == "__main__":
    main()
