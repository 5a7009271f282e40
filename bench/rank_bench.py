"""Ranking one referral against 10,000 placements and 35,000 areas (issue 2).

    python bench/rank_bench.py [--shared ../shared/data] [--seed 1] [--repeats 30]

Builds a synthetic but realistic `placement-case/1` from the English LSOA centroids
in `../shared/data/ons-geography/lsoa_latlong.csv` (fixed numpy seed), then measures:

  (a) json.loads + parse_case (validate and load the case),
  (b) prepare_world,
  (c) rank(world, referral, policy) over N repeats (median, p90, min); the same with
      every exclusion worded (reading `Ranking.excluded`, which a ranking leaves until
      someone reads it), and separately Ranking.to_dict() + json.dumps of a fresh ranking
      (which words them),
  (d) a naive baseline: a Python loop calling geopy's geodesic per
      (placement, point) pair the ranking needs, timed on a sample and extrapolated,
  (e) accuracy: planner.geometry.distance_km against geopy on random pairs, and the
      ranking's facts against a geopy brute force for up to 50 options.

Prints a table and writes the figures to bench/out/rank_bench.json (git-ignored).
Figures go in docs/performance.md by hand; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import geopy  # noqa: E402
import scipy  # noqa: E402
from geopy.distance import geodesic  # noqa: E402

import planner  # noqa: E402
from planner.case import CASE_FORMAT, SPECIALISMS  # noqa: E402
from planner.geometry import distance_km, unit_vectors  # noqa: E402

AS_OF = date(2026, 11, 25)
N_PLACEMENTS = 10_000
N_AREAS = 35_000
N_GROUPS = 2_000
TARGET_RANK_MS = 25.0  # issue 13 (issue 2 asked for 100)
ACCURACY_BOUND = 0.005  # 0.5%: CASE-FORMAT.md "Distance"
KM_PER_DEG_LAT = 111.32

T = TypeVar("T")
FloatArray = NDArray[np.float64]


# --- the synthetic case -------------------------------------------------------------


def read_english_lsoas(shared: Path) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude of the English LSOA centroids (codes E01...)."""
    path = shared / "ons-geography" / "lsoa_latlong.csv"
    lat: list[float] = []
    lon: list[float] = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["LSOACD"].startswith("E01"):
                lat.append(float(row["latitude"]))
                lon.append(float(row["longitude"]))
    return np.array(lat), np.array(lon)


def offset(
    lat: FloatArray, lon: FloatArray, north_km: FloatArray, east_km: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Move points by a few km (flat-earth step: fine for jitter and nearby points)."""
    new_lat = lat + north_km / KM_PER_DEG_LAT
    new_lon = lon + east_km / (KM_PER_DEG_LAT * np.cos(np.deg2rad(lat)))
    return np.round(new_lat, 6), np.round(new_lon, 6)


def pick(rng: np.random.Generator, choices: dict[str, float], n: int) -> list[str]:
    names = list(choices)
    p = np.array([choices[k] for k in names])
    return [names[i] for i in rng.choice(len(names), size=n, p=p / p.sum())]


SETTING_MIX = {"foster": 0.70, "residential": 0.20, "supported": 0.08, "secure": 0.02}
SEVERITY_MIX = {"high": 0.15, "medium": 0.35, "low": 0.50}
KIND_MIX = {"gang_territory": 0.45, "county_lines_destination": 0.20, "exploitation_hotspot": 0.25, "other": 0.10}
OFSTED_MIX = {
    "outstanding": 0.15,
    "good": 0.60,
    "requires_improvement": 0.15,
    "inadequate": 0.03,
    "not_inspected": 0.07,
}
# How often a placement offers each specialism (independently).
SPECIALISM_RATE = {
    "criminal_exploitation": 0.25,
    "sexual_exploitation": 0.20,
    "going_missing": 0.35,
    "self_harm": 0.30,
    "drugs_alcohol": 0.25,
    "eating_disorder": 0.08,
    "physical_harm_to_others": 0.20,
    "sexual_harm_to_others": 0.05,
    "fire_setting": 0.05,
    "harm_to_animals": 0.05,
    "therapeutic": 0.30,
    "disability": 0.10,
    "parent_and_child": 0.05,
    "sibling_group": 0.20,
    "remand": 0.05,
    "deprivation_of_liberty": 0.03,
}
assert set(SPECIALISM_RATE) == set(SPECIALISMS)
# Per setting: capacity, age_min and age_max ranges (inclusive), weekly cost range (GBP), SSDA903 PLACE codes.
SETTING_SHAPE: dict[str, dict[str, Any]] = {
    "foster": {
        "capacity": (1, 4),
        "ages_min": (0, 12),
        "ages_max": (11, 17),
        "cost": (450, 1_200),
        "codes": ["U1", "U3", "U4", "U5"],
    },
    "residential": {
        "capacity": (2, 6),
        "ages_min": (8, 13),
        "ages_max": (17, 17),
        "cost": (4_000, 9_000),
        "codes": ["K2"],
    },
    "supported": {
        "capacity": (1, 8),
        "ages_min": (16, 16),
        "ages_max": (17, 17),
        "cost": (1_000, 3_500),
        "codes": ["H5"],
    },
    "secure": {
        "capacity": (4, 12),
        "ages_min": (10, 12),
        "ages_max": (17, 17),
        "cost": (7_000, 12_000),
        "codes": ["K1"],
    },
}


def build_case(lsoa_lat: FloatArray, lsoa_lon: FloatArray, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `placement-case/1` document, and a few facts about how it was made."""
    rng = np.random.default_rng(seed)
    n_lsoa = len(lsoa_lat)

    # Groups: each has a home base at an LSOA centroid (LSOAs follow population, so
    # bases cluster in towns and cities). Rivals are mostly neighbours, sometimes a
    # distant group (county lines).
    base = rng.choice(n_lsoa, size=N_GROUPS, replace=False)
    base_lat, base_lon = lsoa_lat[base], lsoa_lon[base]
    base_tree = cKDTree(unit_vectors(base_lat, base_lon))
    group_ids = [f"G-{i + 1:04d}" for i in range(N_GROUPS)]
    _, near_bases = base_tree.query(unit_vectors(base_lat, base_lon), k=7)
    groups: list[dict[str, Any]] = []
    for i, gid in enumerate(group_ids):
        n_rivals = int(rng.choice([0, 1, 1, 2, 2, 3]))
        rivals: set[int] = set()
        for _ in range(n_rivals):
            if rng.random() < 0.2:
                rivals.add(int(rng.integers(N_GROUPS)))
            else:
                rivals.add(int(near_bases[i, rng.integers(1, 7)]))
        rivals.discard(i)
        group: dict[str, Any] = {"id": gid, "label": f"Group {i + 1:04d}"}
        if rivals:
            group["rivals"] = [group_ids[r] for r in sorted(rivals)]
        groups.append(group)

    # Areas: every English LSOA centroid once (34,789), topped up to 35,000 with
    # jittered repeats. Each is linked to the group whose base is nearest, and 40%
    # also to one of the next few groups along.
    order = rng.permutation(n_lsoa)
    extra = rng.choice(n_lsoa, size=max(0, N_AREAS - n_lsoa), replace=True)
    area_lat = np.concatenate([lsoa_lat[order], lsoa_lat[extra]])[:N_AREAS]
    area_lon = np.concatenate([lsoa_lon[order], lsoa_lon[extra]])[:N_AREAS]
    jitter = np.zeros(N_AREAS)
    jitter[n_lsoa:] = 0.5
    area_lat, area_lon = offset(
        area_lat, area_lon, rng.normal(0, 1, N_AREAS) * jitter, rng.normal(0, 1, N_AREAS) * jitter
    )
    _, owner = base_tree.query(unit_vectors(area_lat, area_lon), k=4)
    severity = pick(rng, SEVERITY_MIX, N_AREAS)
    kind = pick(rng, KIND_MIX, N_AREAS)
    radius = np.round(rng.uniform(0.2, 3.0, N_AREAS), 2)
    expired = rng.random(N_AREAS) < 0.05
    days = np.where(expired, -rng.integers(1, 366, N_AREAS), rng.integers(1, 541, N_AREAS))
    second = rng.random(N_AREAS) < 0.4
    areas: list[dict[str, Any]] = []
    for i in range(N_AREAS):
        linked = [group_ids[owner[i, 0]]]
        if second[i]:
            linked.append(group_ids[owner[i, rng.integers(1, 4)]])
        areas.append(
            {
                "id": f"A-{i + 1:05d}",
                "label": f"Area {i + 1:05d}",
                "kind": kind[i],
                "lat": float(area_lat[i]),
                "lon": float(area_lon[i]),
                "radius_km": float(radius[i]),
                "groups": linked,
                "severity": severity[i],
                "review_by": (AS_OF + timedelta(days=int(days[i]))).isoformat(),
            }
        )

    # Placements: at LSOA centroids with ~300 m jitter; most are full.
    at = rng.choice(n_lsoa, size=N_PLACEMENTS, replace=True)
    p_lat, p_lon = offset(
        lsoa_lat[at], lsoa_lon[at], rng.normal(0, 0.3, N_PLACEMENTS), rng.normal(0, 0.3, N_PLACEMENTS)
    )
    settings = pick(rng, SETTING_MIX, N_PLACEMENTS)
    ratings = pick(rng, OFSTED_MIX, N_PLACEMENTS)
    full = rng.random(N_PLACEMENTS) < 0.80
    placements: list[dict[str, Any]] = []
    resident_no = 0
    for i in range(N_PLACEMENTS):
        setting = settings[i]
        shape = SETTING_SHAPE[setting]
        capacity = int(rng.integers(shape["capacity"][0], shape["capacity"][1] + 1))
        vacancies = 0 if full[i] else int(rng.integers(1, min(capacity, 2 if setting == "foster" else 3) + 1))
        age_min = int(rng.integers(shape["ages_min"][0], shape["ages_min"][1] + 1))
        age_max = max(age_min, int(rng.integers(shape["ages_max"][0], shape["ages_max"][1] + 1)))
        residents = [f"C-{resident_no + k + 1:05d}" for k in range(capacity - vacancies)]
        resident_no += len(residents)
        offered = [s for s in SPECIALISMS if rng.random() < SPECIALISM_RATE[s]]
        placement: dict[str, Any] = {
            "id": f"P-{i + 1:05d}",
            "label": f"{setting.title()} placement {i + 1:05d}",
            "setting": setting,
            "place_code": str(rng.choice(shape["codes"])),
            "provider": f"PR{int(rng.integers(0, 6))}",
            "lat": float(p_lat[i]),
            "lon": float(p_lon[i]),
            "vacancies": vacancies,
            "capacity": capacity,
            "age_min": age_min,
            "age_max": age_max,
            "specialisms": offered,
            "specialist": bool(setting == "foster" and rng.random() < 0.10),
            "residents": residents,
            "ofsted_rating": ratings[i],
        }
        if setting != "foster":
            placement["urn"] = f"SC{int(rng.integers(100_000, 999_999))}"
        roll = rng.random()
        if roll < 0.15:
            placement["sexes"] = ["male"]
        elif roll < 0.30:
            placement["sexes"] = ["female"]
        if rng.random() > 0.05:  # 5% have no recorded cost
            placement["weekly_cost"] = round(float(rng.uniform(*shape["cost"])), 2)
        placements.append(placement)

    # The referral: a 15-year-old boy at risk of criminal exploitation, linked to
    # the two groups whose bases are nearest his home.
    home_i = int(rng.integers(n_lsoa))
    home_lat, home_lon = float(lsoa_lat[home_i]), float(lsoa_lon[home_i])
    _, own = base_tree.query(unit_vectors([home_lat], [home_lon]), k=2)
    own_groups = [group_ids[int(g)] for g in own.reshape(-1)]

    def near_home(km: float, bearing_deg: float) -> tuple[float, float]:
        b = np.deg2rad(bearing_deg)
        la, lo = offset(
            np.array([home_lat]), np.array([home_lon]), np.array([km * np.cos(b)]), np.array([km * np.sin(b)])
        )
        return float(la[0]), float(lo[0])

    def point(km: float, bearing_deg: float) -> dict[str, float]:
        la, lo = near_home(km, bearing_deg)
        return {"lat": la, "lon": lo}

    occupied = [p for p in placements if p["residents"]]
    avoid = [str(occupied[int(rng.integers(len(occupied)))]["residents"][0]) for _ in range(2)]
    referral: dict[str, Any] = {
        "id": "R-1",
        "needed_by": "within_5_days",
        "settings": {
            "foster": "preferred",
            "residential": "suitable",
            "supported": "unsuitable",
            "secure": "unsuitable",
        },
        "required_specialisms": ["criminal_exploitation"],
        "preferred_specialisms": ["going_missing", "therapeutic", "drugs_alcohol"],
        "max_km_from_home": 150,
        "excluded_placements": [
            {
                "placement_id": placements[int(rng.integers(N_PLACEMENTS))]["id"],
                "reason": "Carers declined: a previous placement broke down.",
            },
            {
                "placement_id": placements[int(rng.integers(N_PLACEMENTS))]["id"],
                "reason": "Known to the young person's exploiters.",
            },
        ],
        "young_people": [
            {
                "id": "YP-1",
                "age": 15,
                "sex": "male",
                "home": {"lat": home_lat, "lon": home_lon},
                "risks": ["criminal_exploitation", "going_missing", "drugs_alcohol"],
                "groups": own_groups,
                "avoid_people": avoid,
                "risk_locations": [
                    {"id": "RL-1", "label": "Where found when missing", **point(6.0, 40), "radius_km": 0.5},
                    {"id": "RL-2", "label": "An exploiter's address", **point(11.0, 200), "radius_km": 0.0},
                    {"id": "RL-3", "label": "County-lines destination", **point(140.0, 120), "radius_km": 2.0},
                ],
                "support": [
                    {
                        "id": "S-1",
                        "label": "Mother",
                        "kind": "parent",
                        **point(1.2, 300),
                        "importance": "essential",
                        "visits_per_month": 4,
                        "max_km": 150,
                    },
                    {
                        "id": "S-2",
                        "label": "Current school",
                        "kind": "school",
                        **point(3.5, 80),
                        "importance": "important",
                        "visits_per_month": 20,
                    },
                    {
                        "id": "S-3",
                        "label": "Youth worker",
                        "kind": "youth_worker",
                        **point(2.0, 160),
                        "importance": "important",
                        "visits_per_month": 2,
                    },
                    {
                        "id": "S-4",
                        "label": "Grandmother",
                        "kind": "relative",
                        **point(45.0, 10),
                        "importance": "helpful",
                        "visits_per_month": 1,
                    },
                ],
            }
        ],
    }
    case = {
        "format": CASE_FORMAT,
        "as_of": AS_OF.isoformat(),
        "referral": referral,
        "groups": groups,
        "areas": areas,
        "placements": placements,
    }
    made = {
        "seed": seed,
        "english_lsoas": n_lsoa,
        "placements": N_PLACEMENTS,
        "areas": N_AREAS,
        "groups": N_GROUPS,
        "areas_expired": int(expired.sum()),
        "placements_with_vacancy": int((~full).sum()),
        "home": {"lat": home_lat, "lon": home_lon},
        "referral_groups": own_groups,
    }
    return case, made


# --- timing helpers -------------------------------------------------------------------


def timed(fn: Callable[[], T], repeats: int, warmup: int = 0) -> tuple[list[float], T]:
    """Seconds per call over `repeats` calls (after `warmup` untimed ones), and the last result."""
    result: T | None = None
    for _ in range(warmup):
        result = fn()
    times: list[float] = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return times, result


def summary_ms(times: list[float]) -> dict[str, float]:
    ms = np.array(times) * 1000.0
    return {
        "median_ms": float(np.median(ms)),
        "p90_ms": float(np.percentile(ms, 90)),
        "min_ms": float(ms.min()),
        "max_ms": float(ms.max()),
        "runs": len(times),
    }


# --- the naive baseline ---------------------------------------------------------------


def naive_targets(case: planner.Case, world: planner.World) -> dict[str, Any]:
    """Every point the naive method measures from each placement, as (lat, lon, radius) rows.

    Worked out from the case directly (not from the engine): the linked areas (the
    referral's groups and their rivals), every high and medium area (these matter
    to every placement), the personal risk locations, the homes and the support
    links. Expired areas are left out, as the engine leaves them out.
    """
    assert case.referral is not None
    people = case.referral.young_people
    own = {g for p in people for g in p.groups}
    rivals: dict[str, set[str]] = {}
    for g in case.groups:
        for r in g.rivals:
            rivals.setdefault(g.id, set()).add(r)
            rivals.setdefault(r, set()).add(g.id)
    linked_groups = own | {r for g in own for r in rivals.get(g, set())}
    as_of = case.as_of or AS_OF
    live = [a for a in case.areas if a.review_by is None or a.review_by >= as_of]
    linked = [a for a in live if linked_groups.intersection(a.groups)]
    needed = [a for a in live if a.severity in ("high", "medium") or linked_groups.intersection(a.groups)]
    rows = [(a.lat, a.lon, a.radius_km) for a in needed]
    rows += [(r.lat, r.lon, r.radius_km) for p in people for r in p.risk_locations]
    rows += [(p.home.lat, p.home.lon, 0.0) for p in people]
    rows += [(s.lat, s.lon, 0.0) for p in people for s in p.support]
    return {
        "rows": rows,
        "linked_groups": sorted(linked_groups),
        "linked_areas": linked,
        "areas_live": len(live),
        "areas_needed": len(needed),
        "referral_points": len(rows) - len(needed),
        "pairs": len(world) * len(rows),
        "pairs_all_live_areas": len(world) * (len(live) + len(rows) - len(needed)),
    }


def naive_seconds_per_pair(world: planner.World, rows: list[tuple[float, float, float]], n: int, seed: int) -> float:
    """Time the naive inner loop (geodesic, edge distance, running minimum) on `n` random pairs."""
    rng = np.random.default_rng(seed + 1)
    pi = rng.integers(len(world), size=n)
    ti = rng.integers(len(rows), size=n)
    sample = [(float(world.lat[i]), float(world.lon[i]), *rows[j]) for i, j in zip(pi, ti, strict=True)]
    best = float("inf")
    gc.collect()
    start = time.perf_counter()
    for plat, plon, tlat, tlon, radius in sample:
        edge = geodesic((plat, plon), (tlat, tlon)).km - radius
        if edge < 0.0:
            edge = 0.0
        if edge < best:
            best = edge
    elapsed = time.perf_counter() - start
    return elapsed / n


# --- accuracy ---------------------------------------------------------------------------


def accuracy(world: planner.World, case: planner.Case, n: int, seed: int) -> dict[str, Any]:
    """distance_km against geopy's geodesic on random (placement, area) pairs, and on short ones."""
    rng = np.random.default_rng(seed + 2)
    area_lat = np.array([a.lat for a in case.areas])
    area_lon = np.array([a.lon for a in case.areas])
    pi = rng.integers(len(world), size=n)
    ai = rng.integers(len(case.areas), size=n)
    out: dict[str, Any] = {"random_pairs": _compare(world.lat[pi], world.lon[pi], area_lat[ai], area_lon[ai])}
    # Short lines: each sampled placement against its nearest area centre.
    tree = cKDTree(unit_vectors(area_lat, area_lon))
    _, near = tree.query(unit_vectors(world.lat[pi], world.lon[pi]))
    out["nearest_area_pairs"] = _compare(world.lat[pi], world.lon[pi], area_lat[near], area_lon[near])
    return out


def _compare(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> dict[str, float]:
    ours = distance_km(lat1, lon1, lat2, lon2)
    ref = np.array([geodesic((a, b), (c, d)).km for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)])
    ok = ref > 0
    rel = np.abs(ours[ok] - ref[ok]) / ref[ok]
    return {
        "pairs": len(ref),
        "km_min": float(ref.min()),
        "km_median": float(np.median(ref)),
        "km_max": float(ref.max()),
        "max_rel_error": float(rel.max()),
        "mean_rel_error": float(rel.mean()),
        "max_abs_error_m": float(np.abs(ours - ref).max() * 1000.0),
    }


def spot_check_facts(
    world: planner.World, case: planner.Case, policy: planner.Policy, linked_areas: list[Any], n: int
) -> dict[str, Any]:
    """Check the facts of `n` options against a geopy brute force.

    The benchmark referral has few feasible placements (most are full, and the
    high-severity buffer covers most towns), so its options are topped up with
    those of the same referral with its required specialism, its distance limit and
    the high-severity buffer lifted. The facts come from the same code either way.
    """
    assert case.referral is not None
    options = planner.rank(world, case.referral, policy.with_overrides({"max_options": n})).to_dict()["options"]
    from_benchmark = len(options)
    if len(options) < n:
        relaxed = replace(case.referral, required_specialisms=(), max_km_from_home=None)
        looser = policy.with_overrides({"max_options": n, "min_km_from_high_severity_areas": 0.0})
        seen = {o["placement_id"] for o in options}
        more = [o for o in planner.rank(world, relaxed, looser).to_dict()["options"] if o["placement_id"] not in seen]
        options += more[: n - len(options)]
    person = case.referral.young_people[0]
    high = world.high
    worst_home = worst_linked = worst_support = worst_risk = worst_high = 0.0
    id_mismatch = 0
    checked = 0
    for option in options:
        p = world.placements[world.index_of[option["placement_id"]]]
        here = (p.lat, p.lon)
        facts = option["facts"]
        home = geodesic(here, (person.home.lat, person.home.lon)).km
        worst_home = max(worst_home, _rel(facts["distance_from_home_km"], home))
        if linked_areas:
            edges = [(max(0.0, geodesic(here, (a.lat, a.lon)).km - a.radius_km), a.id) for a in linked_areas]
            best_km, best_id = min(edges)
            worst_linked = max(worst_linked, _rel(facts["nearest_linked_km"], best_km))
            # A different id is only wrong if its distance is not (within rounding) the same.
            if facts["nearest_linked_id"] != best_id:
                other = next(e for e, i in edges if i == facts["nearest_linked_id"])
                id_mismatch += int(abs(other - best_km) > ACCURACY_BOUND * best_km)
        for s in person.support:
            worst_support = max(worst_support, _rel(facts["support_km"][s.id], geodesic(here, (s.lat, s.lon)).km))
        risk = min(max(0.0, geodesic(here, (r.lat, r.lon)).km - r.radius_km) for r in person.risk_locations)
        worst_risk = max(worst_risk, _rel(facts["nearest_risk_location_km"], risk))
        # Nearest high-severity edge: geopy over every high area whose centre is (by a
        # generous spherical prefilter) within the reported distance + radius + 5 km.
        near = np.nonzero(
            _sphere_km(p.lat, p.lon, high.circles.lat, high.circles.lon)
            <= (facts["nearest_high_severity_km"] + float(high.circles.radius_km.max()) + 5.0) * 1.02
        )[0]
        best_high = min(
            max(0.0, geodesic(here, (high.circles.lat[j], high.circles.lon[j])).km - high.circles.radius_km[j])
            for j in near
        )
        worst_high = max(worst_high, _rel(facts["nearest_high_severity_km"], best_high))
        checked += 1
    return {
        "options_checked": checked,
        "options_from_benchmark_ranking": from_benchmark,
        "max_rel_error_nearest_high_severity": worst_high,
        "linked_areas": len(linked_areas),
        "max_rel_error_distance_from_home": worst_home,
        "max_rel_error_nearest_linked": worst_linked,
        "nearest_linked_id_wrong": id_mismatch,
        "max_rel_error_support_km": worst_support,
        "max_rel_error_nearest_risk_location": worst_risk,
    }


def _sphere_km(lat: float, lon: float, lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Great circle on the mean sphere (haversine): only a prefilter, independent of the engine."""
    p1, p2 = np.deg2rad(lat), np.deg2rad(lats)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.deg2rad(lons - lon) / 2) ** 2
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)


def _rel(reported: float, reference: float) -> float:
    # Facts are rounded to 3 decimals (1 m); allow that before comparing.
    return max(0.0, abs(reported - reference) - 0.0005) / max(reference, 1e-9)


# --- the machine ------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        nproc = len(os.sched_getaffinity(0))
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": nproc,
        "cpu_model": model,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "geopy": geopy.__version__,
        "platform": platform.platform(),
    }


# --- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data", help="../shared/data")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30, help="timed rankings")
    parser.add_argument("--load-repeats", type=int, default=3, help="timed loads and prepares")
    parser.add_argument("--naive-sample", type=int, default=3_000, help="geopy pairs timed for the baseline")
    parser.add_argument("--accuracy-pairs", type=int, default=2_000)
    parser.add_argument("--spot-check", type=int, default=50, help="options checked against geopy")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one ranking")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "rank_bench.json")
    args = parser.parse_args(argv)

    lsoa_csv = args.shared / "ons-geography" / "lsoa_latlong.csv"
    if not lsoa_csv.is_file():
        print(
            f"rank_bench: {lsoa_csv} not found.\n"
            "This benchmark needs the shared data beside the checkout (../shared/data); "
            "give its place with --shared PATH.",
            file=sys.stderr,
        )
        return 2

    load_before = os.getloadavg()
    print("Building the case ...", flush=True)
    lsoa_lat, lsoa_lon = read_english_lsoas(args.shared)
    raw_case, made = build_case(lsoa_lat, lsoa_lon, args.seed)
    text = json.dumps(raw_case)
    del raw_case

    # (a) validate and load
    print("Timing load + validate ...", flush=True)

    def load() -> planner.Case:
        return planner.parse_case(json.loads(text), require="rank")

    load_times, case = timed(load, args.load_repeats)
    assert case.referral is not None and case.as_of is not None
    policy = planner.effective_policy(case)

    # (b) prepare the world
    print("Timing prepare_world ...", flush=True)

    def prepare() -> planner.World:
        return planner.prepare_world(
            case.placements, case.areas, case.groups, case.as_of or AS_OF, policy.use_expired_intelligence
        )

    prepare_times, world = timed(prepare, args.load_repeats)

    # (c) rank, and serialise
    print(f"Timing rank x {args.repeats} ...", flush=True)
    referral = case.referral
    rank_times, ranking = timed(lambda: planner.rank(world, referral, policy), args.repeats, warmup=2)
    # The same, back to back, with the garbage collector running when it falls due
    # (as in a busy server) rather than emptied before each run.
    back_to_back: list[float] = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        planner.rank(world, referral, policy)
        back_to_back.append(time.perf_counter() - start)
    # Exclusions are worded when first read: time that on fresh rankings, as a caller meets it.
    worded_times, _ = timed(lambda: planner.rank(world, referral, policy).excluded, args.repeats, warmup=1)
    fresh = iter([planner.rank(world, referral, policy) for _ in range(args.repeats + 1)])
    serialise_times, document = timed(lambda: json.dumps(next(fresh).to_dict()), args.repeats, warmup=1)
    result = ranking.to_dict()

    # (d) naive baseline
    print(f"Timing the naive geopy loop on {args.naive_sample:,} pairs ...", flush=True)
    targets = naive_targets(case, world)
    per_pair = naive_seconds_per_pair(world, targets["rows"], args.naive_sample, args.seed)
    naive_s = per_pair * targets["pairs"]
    rank_median_s = float(np.median(rank_times))
    prepare_median_s = float(np.median(prepare_times))

    # (e) accuracy
    print("Checking accuracy against geopy ...", flush=True)
    acc = accuracy(world, case, args.accuracy_pairs, args.seed)
    facts = spot_check_facts(world, case, policy, targets["linked_areas"], args.spot_check)

    figures: dict[str, Any] = {
        "date": date.today().isoformat(),
        "command": "python bench/rank_bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {**machine(), "loadavg_1m_before": load_before[0], "loadavg_1m_after": os.getloadavg()[0]},
        "case": {
            **made,
            "json_bytes": len(text.encode("utf-8")),
            "areas_live": targets["areas_live"],
            "areas_high": len(world.high.areas),
            "areas_medium": len(world.medium.areas),
            "linked_groups": len(targets["linked_groups"]),
            "linked_areas": len(targets["linked_areas"]),
        },
        "ranking_summary": result["summary"],
        "ranking_warnings": len(result["warnings"]),
        "ranking_json_bytes": len(document.encode("utf-8")),
        "load_validate": summary_ms(load_times),
        "prepare_world": summary_ms(prepare_times),
        "rank": summary_ms(rank_times),
        "rank_back_to_back": summary_ms(back_to_back),
        "rank_and_word_exclusions": summary_ms(worded_times),
        "serialise": summary_ms(serialise_times),
        "naive": {
            "sample_pairs": args.naive_sample,
            "us_per_pair": per_pair * 1e6,
            "points_per_placement": len(targets["rows"]),
            "areas_per_placement": targets["areas_needed"],
            "referral_points_per_placement": targets["referral_points"],
            "pairs": targets["pairs"],
            "extrapolated_s": naive_s,
            "pairs_if_every_live_area": targets["pairs_all_live_areas"],
            "extrapolated_s_if_every_live_area": per_pair * targets["pairs_all_live_areas"],
        },
        "ratios": {
            "naive_over_rank": naive_s / rank_median_s,
            "naive_over_prepare_plus_rank": naive_s / (prepare_median_s + rank_median_s),
        },
        "target": {"rank_median_ms_under": TARGET_RANK_MS, "met": rank_median_s * 1000.0 < TARGET_RANK_MS},
        "accuracy": {**acc, "bound": ACCURACY_BOUND, "facts_spot_check": facts},
    }
    figures["accuracy"]["within_bound"] = bool(
        acc["random_pairs"]["max_rel_error"] < ACCURACY_BOUND
        and acc["nearest_area_pairs"]["max_rel_error"] < ACCURACY_BOUND
        and facts["max_rel_error_distance_from_home"] < ACCURACY_BOUND
        and facts["max_rel_error_nearest_linked"] < ACCURACY_BOUND
        and facts["nearest_linked_id_wrong"] == 0
        and facts["max_rel_error_support_km"] < ACCURACY_BOUND
        and facts["max_rel_error_nearest_risk_location"] < ACCURACY_BOUND
        and facts["max_rel_error_nearest_high_severity"] < ACCURACY_BOUND
    )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print()
    print(report(figures))
    print(f"\nFigures written to {args.out}")

    if args.profile:
        print("\ncProfile of one ranking (top 15 by cumulative time):")
        profiler = cProfile.Profile()
        profiler.enable()
        planner.rank(world, referral, policy)
        profiler.disable()
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(15)
        print(buffer.getvalue())
    return 0


def report(f: dict[str, Any]) -> str:
    m, c, s, n = f["machine"], f["case"], f["ranking_summary"], f["naive"]
    acc, facts = f["accuracy"], f["accuracy"]["facts_spot_check"]

    def row(label: str, stats: dict[str, float]) -> str:
        return f"  {label:<34} {stats['median_ms']:>10.1f} {stats['p90_ms']:>10.1f} {stats['min_ms']:>10.1f}"

    lines = [
        f"Machine: {m['nproc']} cores, {m['cpu_model']}; Python {m['python']}, numpy {m['numpy']}, "
        f"scipy {m['scipy']}, geopy {m['geopy']}; load average {m['loadavg_1m_before']:.2f} before, "
        f"{m['loadavg_1m_after']:.2f} after",
        f"Case: {c['placements']:,} placements ({c['placements_with_vacancy']:,} with a vacancy), "
        f"{c['areas']:,} areas ({c['areas_expired']:,} expired; {c['areas_high']:,} high and "
        f"{c['areas_medium']:,} medium in use), {c['groups']:,} groups; JSON {c['json_bytes'] / 1e6:.1f} MB",
        f"Referral: {c['linked_groups']} linked groups (own + rivals), {c['linked_areas']} linked areas; "
        f"feasible {s['feasible']:,} of {s['placements']:,}, returned {s['returned']}",
        "",
        f"  {'':<34} {'median ms':>10} {'p90 ms':>10} {'min ms':>10}",
        row(f"load + validate (x{f['load_validate']['runs']})", f["load_validate"]),
        row(f"prepare_world (x{f['prepare_world']['runs']})", f["prepare_world"]),
        row(f"rank (x{f['rank']['runs']})", f["rank"]),
        row("rank, back to back (GC as it falls)", f["rank_back_to_back"]),
        row("rank + every exclusion worded", f["rank_and_word_exclusions"]),
        row("to_dict + json.dumps (words them)", f["serialise"]),
        "",
        f"  naive geopy loop: {n['us_per_pair']:.1f} µs/pair x {n['pairs']:,} pairs "
        f"({n['areas_per_placement']:,} areas + {n['referral_points_per_placement']} referral points per placement)"
        f" = {n['extrapolated_s']:,.0f} s ({n['extrapolated_s'] / 3600:.1f} h)",
        f"  ratio naive / rank median: {f['ratios']['naive_over_rank']:,.0f}x; "
        f"naive / (prepare + rank): {f['ratios']['naive_over_prepare_plus_rank']:,.0f}x",
        f"  target rank median < {f['target']['rank_median_ms_under']:.0f} ms: "
        f"{'MET' if f['target']['met'] else 'NOT MET'} ({f['rank']['median_ms']:.1f} ms)",
        "",
        f"  accuracy vs geopy (bound {acc['bound']:.1%}): random pairs max rel error "
        f"{acc['random_pairs']['max_rel_error']:.2e} ({acc['random_pairs']['pairs']:,} pairs, "
        f"{acc['random_pairs']['km_min']:.1f}-{acc['random_pairs']['km_max']:.0f} km); nearest-area pairs "
        f"{acc['nearest_area_pairs']['max_rel_error']:.2e} "
        f"(max abs {acc['nearest_area_pairs']['max_abs_error_m']:.2f} m)",
        f"  facts of {facts['options_checked']} options ({facts['options_from_benchmark_ranking']} from the benchmark"
        f" ranking, the rest relaxed) vs geopy brute force over {facts['linked_areas']} linked areas: home "
        f"{facts['max_rel_error_distance_from_home']:.2e}, nearest linked {facts['max_rel_error_nearest_linked']:.2e}"
        f" (wrong ids {facts['nearest_linked_id_wrong']}), support {facts['max_rel_error_support_km']:.2e}, "
        f"risk location {facts['max_rel_error_nearest_risk_location']:.2e}, nearest high severity "
        f"{facts['max_rel_error_nearest_high_severity']:.2e}",
        f"  all within bound: {'yes' if acc['within_bound'] else 'NO'}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
