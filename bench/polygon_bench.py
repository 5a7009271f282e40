"""Ranking with 50 polygon areas of 200 corners each, against the same areas as circles.

    python bench/polygon_bench.py [--seed 1] [--repeats 20] [--placements 10000]

Builds one synthetic `placement-case/1` (fixed numpy seed): placements spread over
England, 50 areas near the middle (20 linked to the referral's group or its rival, 15
high and 15 medium severity, unlinked), each an irregular star of 200 corners 1 to 4 km
across. The same case is then written twice, in the same run: with each area's
`polygon`, and without it (a circle of the star's mean radius at the same point). For
each it times:

  (a) parse_case (validating 10,000 polygon positions is part of reading the case),
  (b) prepare_world (each placement's nearest high- and medium-severity area),
  (c) rank(world, referral, policy) (the nearest linked area, then every rule and score),

and prints the median times and the polygon ÷ circle ratio. Accuracy: for a sample of
placements, the polygon distance the ranking used against the distance to the polygon's
boundary sampled every few metres. Writes bench/out/polygon_bench.json (git-ignored);
figures go in docs/performance.md by hand; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import planner  # noqa: E402
from planner.case import CASE_FORMAT  # noqa: E402
from planner.geometry import distance_km  # noqa: E402

AS_OF = date(2026, 11, 25)
N_AREAS = 50
CORNERS = 200
KM_PER_DEG_LAT = 111.2
T = TypeVar("T")


def _offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    return lat + north_km / KM_PER_DEG_LAT, lon + east_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))


def _star(rng: np.random.Generator, lat: float, lon: float, radius_km: float) -> list[list[float]]:
    """A closed ring of CORNERS corners around (lat, lon): lobes and noise, never crossing itself."""
    angle = np.linspace(0, 2 * np.pi, CORNERS, endpoint=False)
    lobes = rng.integers(2, 6)
    r = radius_km * (1 + 0.35 * np.sin(lobes * angle + rng.uniform(0, 2 * np.pi)) + rng.uniform(-0.1, 0.1, CORNERS))
    ring = [_offset(lat, lon, float(ri * np.sin(a)), float(ri * np.cos(a))) for ri, a in zip(r, angle, strict=True)]
    coords = [[round(p[1], 6), round(p[0], 6)] for p in ring]
    return [*coords, coords[0]]


def build_cases(seed: int, n_placements: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case with polygon areas, and the same case with circles instead."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(50.8, 54.8, n_placements)
    lon = rng.uniform(-3.0, 0.3, n_placements)
    settings = rng.choice(["foster", "residential", "supported", "secure"], n_placements, p=[0.7, 0.2, 0.08, 0.02])
    placements = [
        {
            "id": f"P-{i:05d}",
            "setting": str(settings[i]),
            "lat": float(lat[i]),
            "lon": float(lon[i]),
            "vacancies": 1,
            "capacity": 2,
            "age_min": 16 if settings[i] == "supported" else 0,
            "weekly_cost": float(rng.uniform(600, 5000)),
        }
        for i in range(n_placements)
    ]
    areas_polygon, areas_circle = [], []
    for k in range(N_AREAS):
        a_lat, a_lon = float(rng.uniform(52.0, 53.8)), float(rng.uniform(-2.6, -0.8))
        radius = float(rng.uniform(0.5, 2.0))
        if k < 20:
            groups, severity = ["G-1" if k % 2 else "G-2"], "medium"
        else:
            groups, severity = [], "high" if k < 35 else "medium"
        area = {
            "id": f"A-{k:02d}",
            "kind": "gang_territory",
            "lat": a_lat,
            "lon": a_lon,
            "groups": groups,
            "severity": severity,
            "review_by": "2027-06-30",
        }
        areas_circle.append({**area, "radius_km": radius})
        areas_polygon.append(
            {**area, "radius_km": 0, "polygon": {"type": "Polygon", "coordinates": [_star(rng, a_lat, a_lon, radius)]}}
        )
    home = {"lat": 52.9, "lon": -1.7}
    referral = {
        "id": "R-1",
        "young_people": [{"id": "YP-1", "age": 15, "sex": "male", "home": home, "groups": ["G-1"]}],
    }
    base = {
        "format": CASE_FORMAT,
        "as_of": AS_OF.isoformat(),
        "referral": referral,
        "groups": [{"id": "G-1", "rivals": ["G-2"]}, {"id": "G-2"}],
        "placements": placements,
    }
    return {**base, "areas": areas_polygon}, {**base, "areas": areas_circle}


def timed(fn: Callable[[], T], repeats: int) -> tuple[list[float], T]:
    """Seconds per call over `repeats` calls after one untimed call, and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def median_ms(times: list[float]) -> float:
    return float(np.median(times) * 1000)


def measure(document: dict[str, Any], repeats: int) -> dict[str, Any]:
    parse_times, case = timed(lambda: planner.parse_case(document, require="rank"), max(3, repeats // 4))
    policy = planner.effective_policy(case)
    prepare_times, world = timed(lambda: planner.world_for(case, policy), repeats)
    assert case.referral is not None
    referral = case.referral
    rank_times, ranking = timed(lambda: planner.rank(world, referral, policy), repeats)
    return {
        "parse_ms": median_ms(parse_times),
        "prepare_world_ms": median_ms(prepare_times),
        "rank_ms": median_ms(rank_times),
        "rank_p90_ms": float(np.percentile(rank_times, 90) * 1000),
        "feasible": ranking.feasible,
        "excluded_by_reason": ranking.excluded_by_reason,
        "world": world,
    }


def accuracy(case_doc: dict[str, Any], world: planner.World, sample: int, seed: int) -> dict[str, float]:
    """The high-severity edge distances the world holds, against each polygon's boundary sampled densely."""
    rng = np.random.default_rng(seed)
    high = [a for a in case_doc["areas"] if a["severity"] == "high" and not a["groups"]]
    rows = rng.choice(len(world), size=min(sample, len(world)), replace=False)
    dense = []
    for a in high:
        ring = np.array(a["polygon"]["coordinates"][0])
        t = np.linspace(0, 1, 41)[:, None, None]
        points = (ring[:-1] + t * (ring[1:] - ring[:-1])).reshape(-1, 2)
        dense.append(
            distance_km(world.lat[rows][:, None], world.lon[rows][:, None], points[:, 1], points[:, 0]).min(axis=1)
        )
    reference = np.min(np.stack(dense), axis=0)
    used = world.high.nearest_km[rows]
    outside = used > 0
    diff = used[outside] - reference[outside]
    return {
        "placements_checked": int(outside.sum()),
        "max_abs_diff_m": float(np.abs(diff).max() * 1000),
        "max_rel_diff": float((np.abs(diff) / reference[outside]).max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--placements", type=int, default=10_000)
    args = parser.parse_args(argv)

    polygons, circles = build_cases(args.seed, args.placements)
    print(f"{args.placements:,} placements, {N_AREAS} areas of {CORNERS} corners (and as circles); timing ...")
    as_circles = measure(circles, args.repeats)
    as_polygons = measure(polygons, args.repeats)
    check = accuracy(polygons, as_polygons["world"], 500, args.seed)
    figures: dict[str, Any] = {"placements": args.placements, "areas": N_AREAS, "corners": CORNERS}
    for name, m in (("circles", as_circles), ("polygons", as_polygons)):
        figures[name] = {k: v for k, v in m.items() if k != "world"}
    figures["ratio"] = {
        k: as_polygons[k] / as_circles[k] for k in ("parse_ms", "prepare_world_ms", "rank_ms") if as_circles[k] > 0
    }
    figures["accuracy"] = check

    print()
    print("| step | circles | polygons | polygons ÷ circles |")
    print("|---|---:|---:|---:|")
    for key, label in (("parse_ms", "parse_case"), ("prepare_world_ms", "prepare_world"), ("rank_ms", "rank")):
        print(f"| {label} | {as_circles[key]:.1f} ms | {as_polygons[key]:.1f} ms | {figures['ratio'][key]:.2f} |")
    total_c = as_circles["prepare_world_ms"] + as_circles["rank_ms"]
    total_p = as_polygons["prepare_world_ms"] + as_polygons["rank_ms"]
    figures["ratio"]["prepare_and_rank"] = total_p / total_c
    print(f"| prepare_world + rank | {total_c:.1f} ms | {total_p:.1f} ms | {total_p / total_c:.2f} |")
    print()
    print(f"feasible: circles {as_circles['feasible']:,}, polygons {as_polygons['feasible']:,}")
    print(
        f"accuracy ({check['placements_checked']} placements outside every high-severity polygon): "
        f"max {check['max_abs_diff_m']:.1f} m, {check['max_rel_diff']:.2e} relative, against a dense boundary"
    )
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "polygon_bench.json").write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
