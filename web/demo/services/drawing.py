"""What the demo world is drawn on and with: the seeded random draws, the map and the calendar.

Every random choice in the demo world comes through one `Drawing` (one `random.Random(seed)`),
so the modules that build each part must draw in the order `world.py` calls them.

Places are real: LSOA population-weighted centroids (`data/reference/lsoa_points_north_west.csv`)
moved by up to 300 m, so the maps look like the region. Histories are laid out back from
`ANCHOR`; dates judged against *now* are relative to `today`, the day of seeding.
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar

from planner.authorities import REFERENCE_DIR, authority_names

# Histories (missing episodes, moves, past referrals, updates) end here, so they never change.
ANCHOR = date(2026, 11, 1)

MANCHESTER = "E08000003"
SALFORD = "E08000006"
STOCKPORT = "E08000007"
TAMESIDE = "E08000008"
TRAFFORD = "E08000009"
CONSORTIUM = (MANCHESTER, SALFORD, TRAFFORD, STOCKPORT, TAMESIDE)
GREATER_MANCHESTER = frozenset({*CONSORTIUM, "E08000001", "E08000002", "E08000004", "E08000005", "E08000010"})

# Town centres in other North West authorities where county-lines destinations are put
# (at LSOA points near them). Only the authority's name reaches any label.
TOWNS: tuple[tuple[str, float, float], ...] = (
    ("E06000009", 53.8175, -3.0357),  # Blackpool
    ("E10000017", 53.7632, -2.7031),  # Preston
    ("E10000017", 54.0466, -2.8007),  # Lancaster
    ("E10000017", 53.7893, -2.2405),  # Burnley
    ("E06000008", 53.7486, -2.4875),  # Blackburn
    ("E06000064", 54.1108, -3.2261),  # Barrow-in-Furness
    ("E06000064", 54.3280, -2.7463),  # Kendal
    ("E06000063", 54.8925, -2.9329),  # Carlisle
    ("E06000063", 54.6425, -3.5440),  # Workington
    ("E06000049", 53.0979, -2.4416),  # Crewe
    ("E06000050", 53.1934, -2.8931),  # Chester
    ("E08000014", 53.6475, -3.0053),  # Southport
    ("E06000007", 53.3900, -2.5970),  # Warrington
)
CITY_CENTRE = (53.4808, -2.2426)  # Manchester city centre

CONFIDENCE_WEIGHTS = {"high": 3, "medium": 5, "low": 2}

KM_PER_DEG_LAT = 111.32
Point = tuple[float, float]
K = TypeVar("K")


@lru_cache(maxsize=1)
def lsoa_points() -> dict[str, tuple[Point, ...]]:
    found: dict[str, list[Point]] = defaultdict(list)
    with open(REFERENCE_DIR / "lsoa_points_north_west.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found[row["gss_code"]].append((float(row["lat"]), float(row["lon"])))
    return {code: tuple(points) for code, points in sorted(found.items())}


def km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine): plenty for laying out a synthetic world."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def move(point: Point, distance_km: float, bearing: float) -> Point:
    lat, lon = point
    new_lat = lat + distance_km * math.cos(bearing) / KM_PER_DEG_LAT
    new_lon = lon + distance_km * math.sin(bearing) / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(new_lat, 5), round(new_lon, 5)


def short_name(code: str) -> str:
    return authority_names()[code]


class Drawing:
    """The seeded draws: weighted picks, chances, places near places, dates and times."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.points = lsoa_points()

    def pick(self, weights: Mapping[K, float]) -> K:
        keys = list(weights)
        return self.rng.choices(keys, weights=[float(w) for w in weights.values()])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def jitter(self, point: Point, max_km: float = 0.3) -> Point:
        return move(point, max_km * math.sqrt(self.rng.random()), self.rng.uniform(0, 2 * math.pi))

    def near(self, point: Point, min_km: float, max_km: float) -> Point:
        return move(point, self.rng.uniform(min_km, max_km), self.rng.uniform(0, 2 * math.pi))

    def lsoa(self, authority: str) -> Point:
        return self.jitter(self.rng.choice(self.points[authority]))

    def lsoa_near(self, authority: str, centre: Point, max_km: float) -> Point:
        """A jittered LSOA point of `authority` within `max_km` of `centre` (else the nearest)."""
        candidates = [p for p in self.points[authority] if km(p, centre) <= max_km]
        if not candidates:
            candidates = [min(self.points[authority], key=lambda p: km(p, centre))]
        return self.jitter(self.rng.choice(candidates))

    def review_date(self, expired: bool, soonest: int = 30, latest: int = 300) -> date:
        if expired:
            return self.today - timedelta(days=self.rng.randint(3, 90))
        return self.today + timedelta(days=self.rng.randint(soonest, latest))

    def at(self, day: date, earliest: int = 8, latest: int = 20) -> datetime:
        return datetime.combine(day, time(self.rng.randint(earliest, latest - 1), self.rng.choice((0, 15, 30, 45))))

    def confidence(self) -> str:
        return self.pick(CONFIDENCE_WEIGHTS)
