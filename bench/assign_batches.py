"""Seeded synthetic batches for the allocation benchmark: a North West consortium's panel.

Placements and homes sit at the North West LSOA points shipped in
`data/reference/lsoa_points_north_west.csv` (so every record has a real authority
code), areas cluster round group bases, and about 10% of referrals are sibling
groups and there is one pair to keep apart for every 10 referrals. Nothing here is real
data about anyone.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from planner.case import CASE_FORMAT, RISKS, SPECIALISMS

REPO = Path(__file__).resolve().parent.parent
POINTS = REPO / "data" / "reference" / "lsoa_points_north_west.csv"
AS_OF = date(2026, 11, 25)
KM_PER_DEG_LAT = 111.32

SETTING_MIX = {"foster": 0.70, "residential": 0.20, "supported": 0.08, "secure": 0.02}
URGENCY_MIX = {"today": 0.2, "within_5_days": 0.3, "later": 0.5}
SEVERITY_MIX = {"high": 0.10, "medium": 0.30, "low": 0.60}
OFSTED_MIX = {
    "outstanding": 0.15,
    "good": 0.60,
    "requires_improvement": 0.15,
    "inadequate": 0.03,
    "not_inspected": 0.07,
}
SPECIALISM_RATE = {s: 0.08 for s in SPECIALISMS} | {
    "criminal_exploitation": 0.25,
    "sexual_exploitation": 0.20,
    "going_missing": 0.35,
    "self_harm": 0.30,
    "therapeutic": 0.30,
    "sibling_group": 0.25,
}
SHAPE: dict[str, dict[str, Any]] = {
    "foster": {"capacity": (1, 4), "ages_min": (0, 10), "ages_max": (12, 17), "cost": (450, 1_200)},
    "residential": {"capacity": (2, 6), "ages_min": (8, 13), "ages_max": (17, 17), "cost": (4_000, 9_000)},
    "supported": {"capacity": (1, 8), "ages_min": (16, 16), "ages_max": (17, 17), "cost": (1_000, 3_500)},
    "secure": {"capacity": (4, 12), "ages_min": (10, 12), "ages_max": (17, 17), "cost": (7_000, 12_000)},
}
N_GROUPS = 60
N_AREAS = 400


def read_points() -> tuple[NDArray[np.float64], NDArray[np.float64], list[str]]:
    lat: list[float] = []
    lon: list[float] = []
    codes: list[str] = []
    with open(POINTS, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lat.append(float(row["lat"]))
            lon.append(float(row["lon"]))
            codes.append(row["gss_code"])
    return np.array(lat), np.array(lon), codes


def _pick(rng: np.random.Generator, mix: dict[str, float], n: int) -> list[str]:
    names = list(mix)
    p = np.array([mix[k] for k in names])
    return [names[i] for i in rng.choice(len(names), size=n, p=p / p.sum())]


def _near(rng: np.random.Generator, lat: float, lon: float, km: float) -> dict[str, float]:
    north, east = rng.normal(0, km, 2)
    return {
        "lat": round(lat + north / KM_PER_DEG_LAT, 6),
        "lon": round(lon + east / (KM_PER_DEG_LAT * np.cos(np.deg2rad(lat))), 6),
    }


def build_batch(n_referrals: int, n_placements: int, seed: int) -> dict[str, Any]:
    """A `placement-case/1` with `referrals` to assign, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    lat, lon, codes = read_points()
    n_points = len(lat)

    group_ids = [f"G-{i + 1:03d}" for i in range(N_GROUPS)]
    base = rng.choice(n_points, size=N_GROUPS, replace=False)
    groups = []
    for i, gid in enumerate(group_ids):
        rivals = sorted({group_ids[int(j)] for j in rng.choice(N_GROUPS, size=int(rng.integers(0, 3)))} - {gid})
        groups.append({"id": gid, "label": f"Group {i + 1:03d}", **({"rivals": rivals} if rivals else {})})
    areas = []
    severities = _pick(rng, SEVERITY_MIX, N_AREAS)
    for i in range(N_AREAS):
        g = int(rng.integers(N_GROUPS))
        areas.append(
            {
                "id": f"A-{i + 1:04d}",
                "label": f"Area {i + 1:04d}",
                "kind": "gang_territory",
                **_near(rng, float(lat[base[g]]), float(lon[base[g]]), 4.0),
                "radius_km": round(float(rng.uniform(0.2, 2.0)), 2),
                "groups": [group_ids[g]],
                "severity": severities[i],
                "review_by": (AS_OF + timedelta(days=int(rng.integers(-30, 500)))).isoformat(),
            }
        )

    settings = _pick(rng, SETTING_MIX, n_placements)
    ratings = _pick(rng, OFSTED_MIX, n_placements)
    placements = []
    resident_no = 0
    for i in range(n_placements):
        setting = settings[i]
        shape = SHAPE[setting]
        at = int(rng.integers(n_points))
        capacity = int(rng.integers(shape["capacity"][0], shape["capacity"][1] + 1))
        vacancies = 0 if rng.random() < 0.4 else min(capacity, int(rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 2, 3])))
        age_min = int(rng.integers(shape["ages_min"][0], shape["ages_min"][1] + 1))
        age_max = max(age_min, int(rng.integers(shape["ages_max"][0], shape["ages_max"][1] + 1)))
        residents = [f"C-{resident_no + k + 1:05d}" for k in range(capacity - vacancies)]
        resident_no += len(residents)
        placement: dict[str, Any] = {
            "id": f"P-{i + 1:05d}",
            "label": f"{setting.title()} placement {i + 1:05d}",
            "setting": setting,
            "la_code": codes[at],
            **_near(rng, float(lat[at]), float(lon[at]), 0.3),
            "vacancies": vacancies,
            "capacity": capacity,
            "age_min": age_min,
            "age_max": age_max,
            "specialisms": [s for s in SPECIALISMS if rng.random() < SPECIALISM_RATE[s]],
            "specialist": bool(setting == "foster" and rng.random() < 0.15),
            "residents": residents,
            "ofsted_rating": ratings[i],
            "weekly_cost": round(float(rng.uniform(*shape["cost"])), 2),
        }
        roll = rng.random()
        if roll < 0.1:
            placement["sexes"] = ["male"]
        elif roll < 0.2:
            placement["sexes"] = ["female"]
        placements.append(placement)

    urgency = _pick(rng, URGENCY_MIX, n_referrals)
    referrals = []
    person_no = 0
    all_residents = [r for p in placements for r in p["residents"]]
    for i in range(n_referrals):
        at = int(rng.integers(n_points))
        home = {"lat": float(lat[at]), "lon": float(lon[at])}
        size = int(rng.choice([2, 2, 3])) if rng.random() < 0.10 else 1
        eldest = int(rng.integers(8, 18))
        people = []
        own_groups = (
            sorted({group_ids[int(g)] for g in rng.choice(N_GROUPS, size=int(rng.integers(1, 3)))})
            if rng.random() < 0.35
            else []
        )
        for k in range(size):
            person_no += 1
            person: dict[str, Any] = {
                "id": f"YP-{person_no:05d}",
                "age": max(0, eldest - 2 * k),
                "sex": str(rng.choice(["male", "female"])),
                "home": home,
                "risks": [r for r in RISKS if rng.random() < 0.12],
            }
            if k == 0 and own_groups:
                person["groups"] = own_groups
            if k == 0 and rng.random() < 0.3:
                person["risk_locations"] = [
                    {"id": f"RL-{person_no}-{j}", "label": "Found while missing", **_near(rng, **home, km=8.0)}
                    for j in range(int(rng.integers(1, 3)))
                ]
            if k == 0 and rng.random() < 0.05:
                person["avoid_people"] = [str(rng.choice(all_residents))]
            if k == 0:
                person["support"] = [
                    {
                        "id": f"S-{person_no}-{j}",
                        "kind": str(rng.choice(["parent", "school", "youth_worker", "relative"])),
                        **_near(rng, **home, km=3.0),
                        "importance": str(rng.choice(["essential", "important", "helpful"])),
                        **({"max_km": 80} if rng.random() < 0.1 else {}),
                    }
                    for j in range(int(rng.integers(1, 4)))
                ]
            people.append(person)
        referral: dict[str, Any] = {
            "id": f"R-{i + 1:05d}",
            "la_code": codes[at],
            "needed_by": urgency[i],
            "young_people": people,
        }
        if rng.random() < 0.15:
            referral["required_specialisms"] = [str(rng.choice(["criminal_exploitation", "therapeutic", "self_harm"]))]
        if rng.random() < 0.3:
            referral["preferred_specialisms"] = [str(rng.choice(["going_missing", "therapeutic", "sibling_group"]))]
        if rng.random() < 0.5:
            referral["settings"] = {"foster": "preferred", "secure": "unsuitable"}
        if rng.random() < 0.5:
            referral["max_km_from_home"] = float(rng.choice([40, 60, 80, 120]))
        if size == 1 and rng.random() < 0.05:
            referral["solo"] = True
        referrals.append(referral)

    # Conflict pairs, one for every 10 referrals (so about 20% of referrals are in one): young
    # people from rival groups, or one exploiting the other. The first names the other.
    pairs = rng.choice(n_referrals, size=(max(1, n_referrals // 10), 2), replace=False)
    for a, b in pairs:
        first = referrals[int(a)]["young_people"][0]
        other = referrals[int(b)]["young_people"][0]["id"]
        first["avoid_people"] = [*first.get("avoid_people", []), other]

    return {
        "format": CASE_FORMAT,
        "as_of": AS_OF.isoformat(),
        "referrals": referrals,
        "groups": groups,
        "areas": areas,
        "placements": placements,
    }
