"""The seeded synthetic demo world: a consortium of five North West authorities.

`generate(seed)` fills an empty database with a plausible, entirely synthetic world
for demonstrations and manual testing (`flask --app wsgi demo-data --seed 1`):

* a consortium of Manchester, Salford, Trafford, Stockport and Tameside sharing a pool
  of 400+ placements, most in the consortium and the rest across the North West (some
  adjoining, some "at a distance"), so reg 11 approvals vary;
* 14 invented groups with rivalries, and 40+ gang-affected areas with generic labels
  ("Area 07 (Manchester)"): territories inside the consortium, county-lines destinations
  in other North West towns;
* 180 young people known by pseudonymous references only ("YP-0001"), with risks, group
  links, support networks, personal risk locations, people to keep apart from, and
  missing episodes with return home interviews;
* 34 open referrals (sibling groups and emergencies among them; two built so that no
  safe option exists, to show what the engine says then) and a history of placed and
  closed ones;
* demo accounts, one per role in Manchester plus a placement officer and a social worker
  in Salford, so the denial of another authority's records can be shown.

Places are real: homes, placements and areas sit at real LSOA population-weighted
centroids (`data/reference/lsoa_points_north_west.csv`) moved by up to 300 m, so the
maps look like the region. Everything about people, groups, providers and intelligence
is invented (`web.demo.services.demo_names`). Group links are drawn independently of
ethnicity, so the demo world carries no disproportion of its own for the commissioners'
checks to find.

Determinism. Every random choice comes from one `random.Random(seed)`, drawn in a fixed
order, so the same seed and the same `today` give the same rows (demo passwords aside:
they are random and reset by `flask demo-passwords`). Dates are of two kinds:

* Histories are laid out back from a fixed anchor, `ANCHOR` (1 November 2026): missing
  episodes and return home interviews, residents' move-in dates, placed and closed
  referrals, when areas and placements were last updated. They never change.
* Dates the engine and the pages judge against *now* are relative to the day of seeding
  (`today`, default `date.today()`), so the demo stays usable whenever it is seeded:
  review dates of intelligence (mostly ahead; a few deliberately past, so the warnings
  about stale intelligence show), dates of birth (every child is 10 to 17 on the day,
  which the engine requires) and when the open referrals were made (within 30 days).
  Pass `today` to pin these too.
"""

from __future__ import annotations

import csv
import math
import random
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar

from planner.authorities import REFERENCE_DIR, authority_names
from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals, young_people
from web.demo.services import agreements as demo_agreements
from web.demo.services import demo_names
from web.matching.repositories import placements
from web.models import (
    Area,
    CurrentResident,
    Group,
    MissingEpisode,
    PersonToAvoid,
    Placement,
    Referral,
    RiskLocation,
    Rivalry,
    SupportLink,
    YoungPerson,
    YoungPersonGroup,
)
from web.shared.repositories import authorities, intelligence
from web.shared.services import reference_data
from web.shared.services.people import age_on

ANCHOR = date(2026, 11, 1)

MANCHESTER = "E08000003"
SALFORD = "E08000006"
STOCKPORT = "E08000007"
TAMESIDE = "E08000008"
TRAFFORD = "E08000009"
CONSORTIUM = (MANCHESTER, SALFORD, TRAFFORD, STOCKPORT, TAMESIDE)

# Placements per authority: most in the consortium, the rest across the North West.
PLACEMENTS_PER_AUTHORITY = {
    MANCHESTER: 56,
    SALFORD: 36,
    TRAFFORD: 32,
    STOCKPORT: 40,
    TAMESIDE: 34,
    "E08000001": 16,  # Bolton
    "E08000002": 10,  # Bury
    "E08000004": 12,  # Oldham
    "E08000005": 12,  # Rochdale
    "E08000010": 18,  # Wigan
    "E08000011": 6,  # Knowsley
    "E08000012": 16,  # Liverpool
    "E08000013": 8,  # St. Helens
    "E08000014": 10,  # Sefton
    "E08000015": 10,  # Wirral
    "E06000006": 5,  # Halton
    "E06000007": 10,  # Warrington
    "E06000049": 22,  # Cheshire East
    "E06000050": 18,  # Cheshire West and Chester
    "E06000008": 8,  # Blackburn with Darwen
    "E06000009": 8,  # Blackpool
    "E10000017": 36,  # Lancashire
    "E06000063": 9,  # Cumberland
    "E06000064": 10,  # Westmorland and Furness
}
GREATER_MANCHESTER = frozenset({*CONSORTIUM, "E08000001", "E08000002", "E08000004", "E08000005", "E08000010"})
SECURE_HOMES = ("E10000017", "E06000050", "E08000001", "E06000064", "E08000012")

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

N_GROUPS = 14
GROUP_HOMES = (MANCHESTER,) * 4 + (SALFORD,) * 3 + (TRAFFORD,) * 2 + (STOCKPORT,) * 2 + (TAMESIDE,) * 3
N_HOTSPOTS = 6
MIN_CONSORTIUM_AREAS = 32  # with the county-lines destinations, at least 44 areas
N_DESTINATIONS = 12
N_RIVALRIES = 8
N_YOUNG_PEOPLE = 180
N_PLACED_REFERRALS = 16
N_CLOSED_REFERRALS = 6
N_LOOKED_AFTER = 64

AGE_WEIGHTS = {10: 3, 11: 4, 12: 7, 13: 12, 14: 17, 15: 21, 16: 20, 17: 16}
# SSDA903 ETHNIC codes, a plausible mix for looked-after children in Greater Manchester.
ETHNICITY_WEIGHTS = {
    "WBRI": 52,
    "WOTH": 4,
    "MWBC": 8,
    "MWBA": 3,
    "MOTH": 4,
    "AIND": 1,
    "APKN": 5,
    "ABAN": 2,
    "AOTH": 2,
    "BCRB": 4,
    "BAFR": 6,
    "BOTH": 3,
    "CHNE": 1,
    "OOTH": 3,
    "REFU": 1,
    "NOBT": 1,
}
AUTHORITY_WEIGHTS = {MANCHESTER: 30, SALFORD: 18, TRAFFORD: 14, STOCKPORT: 20, TAMESIDE: 18}
CONFIDENCE_WEIGHTS = {"high": 3, "medium": 5, "low": 2}

INTELLIGENCE_SOURCES = (
    "Police intelligence briefing",
    "Multi-agency child exploitation panel",
    "Community safety partnership analysis",
    "Police intelligence briefing; police.uk crime data reviewed by an analyst",
)
LINK_SOURCES = (
    "Strategy meeting",
    "Multi-agency child exploitation panel",
    "Police intelligence",
    "Return home interview",
)

KM_PER_DEG_LAT = 111.32
Point = tuple[float, float]
K = TypeVar("K")


# --- public ---------------------------------------------------------------------------


def is_empty() -> bool:
    """True when no young people are stored yet (so demo data may be seeded)."""
    return young_people.count_young_people() == 0


def generate(seed: int, today: date | None = None) -> dict[str, int]:
    """Seed the synthetic demo world in one transaction; returns counts of what was made.

    Loads the reference authorities first if they are missing. Refuses a database that
    already holds young people (references would collide), and a `today` before `ANCHOR`
    (histories would lie in the future). On any error nothing is kept.
    """
    today = today or date.today()
    if today < ANCHOR:
        raise ValueError(f"today ({today}) is before the demo world's histories end ({ANCHOR}); seed on a later day")
    if authorities.get_authority(MANCHESTER) is None:
        reference_data.load_authorities()
    if not is_empty():
        raise RuntimeError("The database already holds young people; demo data is only seeded into an empty one.")
    try:
        world = _Builder(random.Random(seed), today)
        summary = world.build()
        summary.update(demo_agreements.seed(today, world.area_authority))
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return summary


# --- geography ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lsoa_points() -> dict[str, tuple[Point, ...]]:
    found: dict[str, list[Point]] = defaultdict(list)
    with open(REFERENCE_DIR / "lsoa_points_north_west.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found[row["gss_code"]].append((float(row["lat"]), float(row["lon"])))
    return {code: tuple(points) for code, points in sorted(found.items())}


def _km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine): plenty for laying out a synthetic world."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _move(point: Point, km: float, bearing: float) -> Point:
    lat, lon = point
    new_lat = lat + km * math.cos(bearing) / KM_PER_DEG_LAT
    new_lon = lon + km * math.sin(bearing) / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(new_lat, 5), round(new_lon, 5)


def _short_name(code: str) -> str:
    return authority_names()[code]


# --- internal records -----------------------------------------------------------------


@dataclass
class _GroupInfo:
    group: Group
    authority: str
    centre: Point
    territories: list[Area] = field(default_factory=list)
    destinations: list[Area] = field(default_factory=list)
    rivals: list[_GroupInfo] = field(default_factory=list)


@dataclass
class _Child:
    person: YoungPerson
    age: int
    role: str  # open | placed | closed | looked_after | home
    home: Point
    groups: list[_GroupInfo] = field(default_factory=list)
    placement: Placement | None = None
    siblings: list[_Child] = field(default_factory=list)
    eldest: bool = True  # the eldest (or only) child of a family in the demo


@dataclass
class _ReferralPlan:
    authority: str
    size: int  # young people: more than one is a sibling group
    needed_by: str
    designed: str = ""  # "specialist_siblings" | "tight_distance": built to have no safe option
    children: list[_Child] = field(default_factory=list)


# --- the builder ------------------------------------------------------------------------


class _Builder:
    """Draws the world in a fixed order from one random generator."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.points = _lsoa_points()
        self.groups: list[_GroupInfo] = []
        self.areas: list[Area] = []
        self.area_authority: dict[str, str] = {}  # area code -> the authority it lies in
        self.rivalries: list[Rivalry] = []
        self.placements: list[Placement] = []
        self.children: list[_Child] = []
        self.plans: list[_ReferralPlan] = []
        self.referrals: list[Referral] = []
        self.residents: dict[str, list[str]] = {}  # placement code -> resident references
        self.urn_numbers: set[int] = set()

    # small helpers

    def pick(self, weights: Mapping[K, float]) -> K:
        keys = list(weights)
        return self.rng.choices(keys, weights=[float(w) for w in weights.values()])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def jitter(self, point: Point, max_km: float = 0.3) -> Point:
        return _move(point, max_km * math.sqrt(self.rng.random()), self.rng.uniform(0, 2 * math.pi))

    def near(self, point: Point, min_km: float, max_km: float) -> Point:
        return _move(point, self.rng.uniform(min_km, max_km), self.rng.uniform(0, 2 * math.pi))

    def lsoa(self, authority: str) -> Point:
        return self.jitter(self.rng.choice(self.points[authority]))

    def lsoa_near(self, authority: str, centre: Point, max_km: float) -> Point:
        """A jittered LSOA point of `authority` within `max_km` of `centre` (else the nearest)."""
        candidates = [p for p in self.points[authority] if _km(p, centre) <= max_km]
        if not candidates:
            candidates = [min(self.points[authority], key=lambda p: _km(p, centre))]
        return self.jitter(self.rng.choice(candidates))

    def review_date(self, expired: bool, soonest: int = 30, latest: int = 300) -> date:
        if expired:
            return self.today - timedelta(days=self.rng.randint(3, 90))
        return self.today + timedelta(days=self.rng.randint(soonest, latest))

    def at(self, day: date, earliest: int = 8, latest: int = 20) -> datetime:
        return datetime.combine(day, time(self.rng.randint(earliest, latest - 1), self.rng.choice((0, 15, 30, 45))))

    def confidence(self) -> str:
        return self.pick(CONFIDENCE_WEIGHTS)

    # the whole world

    def build(self) -> dict[str, int]:
        users = self.make_users()
        self.make_groups()
        self.make_areas()
        self.make_rivalries()
        self.make_placements()
        self.make_young_people()
        self.house_children()
        self.fill_residents()
        self.make_people_to_avoid()
        self.make_referrals()

        for item in [g.group for g in self.groups] + self.rivalries + self.areas:
            intelligence.add(item)
        for placement in self.placements:
            placements.add_placement(placement)
        for child in self.children:
            young_people.add_young_person(child.person)
        for referral in self.referrals:
            referrals.add_referral(referral)

        people = [c.person for c in self.children]
        return {
            "placements": len(self.placements),
            "current residents": sum(len(p.residents) for p in self.placements),
            "groups": len(self.groups),
            "rivalries": len(self.rivalries),
            "areas": len(self.areas),
            "young people": len(people),
            "support links": sum(len(p.support_links) for p in people),
            "risk locations": sum(len(p.risk_locations) for p in people),
            "people to keep apart": sum(len(p.people_to_avoid) for p in people),
            "missing episodes": sum(len(p.missing_episodes) for p in people),
            "open referrals": sum(r.status == "open" for r in self.referrals),
            "placed or closed referrals": sum(r.status != "open" for r in self.referrals),
            "demo users": users,
        }

    # accounts

    def make_users(self) -> int:
        made = 0
        for (role, slug), name in demo_names.DEMO_STAFF.items():
            authority = MANCHESTER if slug == "manchester" else SALFORD
            email = f"{role.replace('_', '.')}@{slug}.demo"
            accounts.create_user(email, name, role, authority, secrets.token_urlsafe(12), is_demo=True)
            made += 1
        return made

    # intelligence

    def make_groups(self) -> None:
        names = self.rng.sample(demo_names.GROUP_NAMES, N_GROUPS)
        homes = list(GROUP_HOMES)
        self.rng.shuffle(homes)
        for name, home in zip(names, homes, strict=True):
            code = "G-" + name.lower().replace(" ", "-")
            group = Group(
                code=code,
                label=name,
                source=self.rng.choice(INTELLIGENCE_SOURCES),
                confidence=self.confidence(),
                review_by=self.review_date(False, 60, 365),
            )
            self.groups.append(_GroupInfo(group, home, self.lsoa(home)))
        self.groups.sort(key=lambda g: g.group.code)

    def new_area(self, kind: str, authority: str, centre: Point, radius: tuple[float, float], severity: str) -> Area:
        area = Area(
            code=f"A-{len(self.areas) + 1:02d}",
            label=f"Area {len(self.areas) + 1:02d} ({_short_name(authority)})",
            kind=kind,
            lat=centre[0],
            lon=centre[1],
            radius_km=round(self.rng.uniform(*radius), 1),
            severity=severity,
            source=self.rng.choice(INTELLIGENCE_SOURCES),
            confidence=self.confidence(),
            review_by=self.review_date(False),
            updated_at=self.at(ANCHOR - timedelta(days=self.rng.randint(1, 200))),
        )
        self.areas.append(area)
        self.area_authority[area.code] = authority
        return area

    def make_areas(self) -> None:
        for info in self.groups:
            for i in range(self.pick({1: 1, 2: 6, 3: 3})):
                centre = info.centre if i == 0 else self.lsoa_near(info.authority, info.centre, 4.0)
                severity = self.pick({"high": 30, "medium": 45, "low": 25})
                area = self.new_area("gang_territory", info.authority, centre, (0.5, 2.0), severity)
                area.groups = [info.group]
                info.territories.append(area)
        hotspots = 0
        while hotspots < N_HOTSPOTS or len(self.areas) < MIN_CONSORTIUM_AREAS:
            hotspots += 1
            authority = self.pick({MANCHESTER: 3, SALFORD: 1, TRAFFORD: 1, STOCKPORT: 1, TAMESIDE: 1})
            centre = self.lsoa(authority)
            severity = self.pick({"high": 35, "medium": 45, "low": 20})
            area = self.new_area("exploitation_hotspot", authority, centre, (0.5, 1.5), severity)
            nearest = sorted(self.groups, key=lambda g: _km(g.centre, centre))[: self.pick({1: 3, 2: 2})]
            area.groups = sorted((g.group for g in nearest), key=lambda g: g.code)
        for authority, lat, lon in self.rng.sample(TOWNS, N_DESTINATIONS):
            centre = self.lsoa_near(authority, (lat, lon), 3.0)
            severity = self.pick({"high": 15, "medium": 55, "low": 30})
            area = self.new_area("county_lines_destination", authority, centre, (1.0, 3.0), severity)
            runners = self.rng.sample(self.groups, self.pick({1: 4, 2: 1}))
            area.groups = sorted((g.group for g in runners), key=lambda g: g.code)
            for info in runners:
                info.destinations.append(area)
        # A few past their review date, so the warnings about stale intelligence show.
        for area in self.rng.sample(self.areas, 4):
            area.review_by = self.review_date(True)

    def make_rivalries(self) -> None:
        pairs = [
            (a, b)
            for i, a in enumerate(self.groups)
            for b in self.groups[i + 1 :]
            if (_km(a.centre, b.centre) < 12 and a.authority != b.authority) or _km(a.centre, b.centre) < 5
        ]
        self.rng.shuffle(pairs)
        chosen: list[tuple[_GroupInfo, _GroupInfo]] = []
        for a, b in pairs:
            if len(chosen) == N_RIVALRIES:
                break
            if len(a.rivals) < 2 and len(b.rivals) < 2:
                a.rivals.append(b)
                b.rivals.append(a)
                chosen.append((a, b))
        expired = set(self.rng.sample(range(len(chosen)), 2))
        for i, (a, b) in enumerate(chosen):
            self.rivalries.append(
                Rivalry(
                    group=a.group,
                    rival=b.group,
                    source=self.rng.choice(INTELLIGENCE_SOURCES),
                    confidence=self.confidence(),
                    review_by=self.review_date(i in expired),
                )
            )
        # Two contested territories: claimed by both groups of a rivalry.
        for a, b in self.rng.sample(chosen, min(2, len(chosen))):
            area = self.rng.choice(a.territories)
            area.groups = sorted([a.group, b.group], key=lambda g: g.code)
            b.territories.append(area)

    # placements

    def make_placements(self) -> None:
        plan: list[tuple[str, str]] = []
        for authority, n in PLACEMENTS_PER_AUTHORITY.items():
            for _ in range(n):
                plan.append((authority, self.pick({"foster": 64, "residential": 22, "supported": 14})))
        plan += [(authority, "secure") for authority in SECURE_HOMES]
        fosters = [i for i, (_, setting) in enumerate(plan) if setting == "foster"]
        specialist = set(self.rng.sample(fosters, round(0.05 * len(plan))))
        specialist_vacant = set(self.rng.sample(sorted(specialist), 4))
        ratings = self.agency_ratings()
        for i, (authority, setting) in enumerate(plan):
            placement = self.new_placement(authority, setting, i in specialist, ratings)
            placement.code = f"P-{i + 1:04d}"
            if i in specialist:
                placement.vacancies = 1 if i in specialist_vacant else 0
            self.placements.append(placement)
        for placement in self.rng.sample(self.placements, 8):
            placement.status = "suspended"
        # A few homes rated inadequate: the engine leaves them out unless the policy allows them.
        homes = [p for p in self.placements if p.setting in ("residential", "supported")]
        for placement in self.rng.sample(homes, 5):
            placement.ofsted_rating = "inadequate"

    def agency_ratings(self) -> dict[str, str]:
        """One Ofsted rating per fostering agency: mostly good, one outstanding, one requiring improvement."""
        agencies = [name for name, _ in demo_names.FOSTERING_AGENCIES]
        grades = ["outstanding", "requires_improvement"] + ["good"] * (len(agencies) - 2)
        self.rng.shuffle(grades)
        schemes = [name for name, _ in demo_names.SPECIALIST_FOSTERING_SCHEMES]
        scheme_grades = ["outstanding"] + ["good"] * (len(schemes) - 1)
        self.rng.shuffle(scheme_grades)
        return dict(zip(agencies + schemes, grades + scheme_grades, strict=True))

    def urn(self) -> str:
        while True:
            n = self.rng.randint(1000, 9999)
            if n not in self.urn_numbers:
                self.urn_numbers.add(n)
                return f"SYN{n}"

    def vacancies(self, authority: str, capacity: int) -> int:
        if authority in CONSORTIUM:
            p = 0.13
        elif authority in GREATER_MANCHESTER:
            p = 0.18
        else:
            p = 0.28
        if not self.chance(p):
            return 0
        if capacity >= 3 and self.chance(0.2):
            return 3
        if capacity >= 2 and self.chance(0.35):
            return 2
        return 1

    def new_placement(self, authority: str, setting: str, specialist: bool, ratings: dict[str, str]) -> Placement:
        where = _short_name(authority)
        point = self.lsoa(authority)
        specialisms: list[str] = []
        sexes: list[str] | None = None
        urn: str | None = None
        rating: str | None
        if setting == "foster" and specialist:
            provider_name, provider = self.rng.choice(demo_names.SPECIALIST_FOSTERING_SCHEMES)
            label = f"Specialist foster carers, {where} ({provider_name})"
            place_code = self.pick({"U6": 3, "U4": 1})
            capacity = self.pick({1: 3, 2: 2})
            age_min, age_max = self.rng.choice(((11, 17), (12, 17), (13, 17)))
            specialisms = ["criminal_exploitation", "going_missing"]
            specialisms += [s for s, p in (("sexual_exploitation", 0.5), ("therapeutic", 0.4)) if self.chance(p)]
            if self.chance(0.2):
                sexes = [self.rng.choice(("male", "female"))]
            cost = self.rng.uniform(1000, 2000)
            rating = ratings[provider_name]
        elif setting == "foster":
            if self.chance(0.45):
                provider_name, provider = "In-house fostering service", "PR1"
                cost = self.rng.uniform(450, 750)
                rating = None  # Ofsted inspects a council's fostering within its children's services
            else:
                provider_name, provider = self.rng.choice(demo_names.FOSTERING_AGENCIES)
                cost = self.rng.uniform(800, 1200)
                rating = ratings[provider_name]
            label = f"Foster carers, {where} ({provider_name})"
            capacity = self.pick({1: 30, 2: 40, 3: 24, 4: 6})
            age_min, age_max = self.rng.choices(
                ((0, 17), (0, 11), (5, 17), (8, 17), (11, 17), (0, 5)), weights=(28, 14, 14, 16, 20, 8)
            )[0]
            # U4 long-term, U6 other; U5 (carers also approved to adopt) only where babies are placed.
            place_code = "U5" if age_max == 5 and self.chance(0.3) else self.pick({"U6": 2, "U4": 1})
            for name, p in (("sibling_group", 0.2), ("therapeutic", 0.15), ("disability", 0.08), ("self_harm", 0.08)):
                if self.chance(p):
                    specialisms.append(name)
            if age_max == 17 and self.chance(0.12):
                specialisms.append("going_missing")
            if capacity == 4 and "sibling_group" not in specialisms:
                specialisms.append("sibling_group")  # over the usual limit of 3: siblings only
            if self.chance(0.18):
                sexes = [self.rng.choice(("male", "female"))]
        elif setting == "residential":
            provider_name, provider = self.rng.choice(demo_names.CHILDRENS_HOME_PROVIDERS)
            label = f"Children's home, {where} ({provider_name})"
            place_code, urn = "K2", self.urn()
            capacity = self.rng.randint(2, 6)
            age_min, age_max = self.rng.choice(((11, 17), (11, 17), (12, 17), (13, 17)))
            # Homes for exploited children are more often out of the city, as in practice.
            offered = (
                ("criminal_exploitation", 0.3 if authority in GREATER_MANCHESTER else 0.55),
                ("going_missing", 0.45),
                ("therapeutic", 0.35),
                ("self_harm", 0.3),
                ("drugs_alcohol", 0.25),
                ("sexual_exploitation", 0.2),
                ("physical_harm_to_others", 0.2),
                ("disability", 0.08),
                ("fire_setting", 0.05),
            )
            specialisms = [name for name, p in offered if self.chance(p)]
            if self.chance(0.2):
                sexes = [self.rng.choice(("male", "female"))]
            cost = self.rng.uniform(4000, 9000)
            rating = self.pick({"outstanding": 16, "good": 67, "requires_improvement": 17})
        elif setting == "supported":
            provider_name, provider = self.rng.choice(demo_names.SUPPORTED_PROVIDERS)
            label = f"Supported accommodation, {where} ({provider_name})"
            place_code, urn = "K3", self.urn()
            capacity = self.rng.randint(2, 6)
            age_min, age_max = 16, 17
            specialisms = [name for name, p in (("going_missing", 0.3), ("drugs_alcohol", 0.2)) if self.chance(p)]
            if self.chance(0.25):
                sexes = [self.rng.choice(("male", "female"))]
            cost = self.rng.uniform(1000, 2500)
            # Registered with Ofsted since 2023; many not yet inspected.
            rating = self.pick({"not_inspected": 40, "good": 45, "outstanding": 5, "requires_improvement": 10})
        else:
            provider_name, provider = self.rng.choice(demo_names.SECURE_PROVIDERS)
            label = f"Secure children's home, {where} ({provider_name})"
            place_code, urn = "K1", self.urn()
            capacity = self.rng.randint(6, 12)
            age_min, age_max = 10, 17
            specialisms = ["deprivation_of_liberty", "remand", "self_harm", "criminal_exploitation"]
            cost = self.rng.uniform(7000, 12000)
            rating = self.pick({"outstanding": 1, "good": 3})
        vacancies = 1 if setting == "secure" and self.chance(0.4) else 0
        if setting != "secure":
            vacancies = self.vacancies(authority, capacity)
        return Placement(
            code="",
            label=label,
            provider_name=provider_name,
            postcode=None,
            status="active",
            setting=setting,
            place_code=place_code,
            provider=provider,
            urn=urn,
            authority_code=authority,
            lat=point[0],
            lon=point[1],
            vacancies=vacancies,
            capacity=capacity,
            age_min=age_min,
            age_max=age_max,
            sexes=sexes,
            specialisms=specialisms,
            specialist=specialist,
            ofsted_rating=rating,
            weekly_cost=float(round(cost / 5) * 5),
            # An in-house fostering service approves its own carers (reg 11(4) reads this).
            approved_by=authority if setting == "foster" and provider == "PR1" else None,
            updated_at=self.at(ANCHOR - timedelta(days=self.rng.randint(0, 60))),
        )

    # young people

    def make_young_people(self) -> None:
        self.plan_referrals()
        for plan in self.plans:
            self.children_for(plan)
        roles = ["placed"] * N_PLACED_REFERRALS + ["closed"] * N_CLOSED_REFERRALS + ["looked_after"] * N_LOOKED_AFTER
        roles += ["home"] * (N_YOUNG_PEOPLE - len(self.children) - len(roles))
        for role in roles:
            authority = self.pick(AUTHORITY_WEIGHTS)
            self.children.append(self.new_child(authority, role))
        # References in a random order, so they say nothing about a child's situation.
        order = list(self.children)
        self.rng.shuffle(order)
        for n, child in enumerate(order, start=1):
            child.person.reference = f"YP-{n:04d}"
        for child in self.children:
            self.missing_and_risk_locations(child)
        self.stale_links()
        self.children.sort(key=lambda c: c.person.reference)

    def plan_referrals(self) -> None:
        """34 open referrals: five sibling groups, eight emergencies, two with no safe option."""
        plans = self.plans
        plans.append(_ReferralPlan(MANCHESTER, 3, "within_5_days", "specialist_siblings"))
        plans.append(_ReferralPlan(MANCHESTER, 2, "later"))
        plans.append(_ReferralPlan(SALFORD, 1, "within_5_days", "tight_distance"))
        plans.append(_ReferralPlan(SALFORD, 2, "within_5_days"))
        plans.append(_ReferralPlan(STOCKPORT, 3, "later"))
        plans.append(_ReferralPlan(TAMESIDE, 2, "within_5_days"))
        solo = {MANCHESTER: 7, SALFORD: 5, TRAFFORD: 6, STOCKPORT: 5, TAMESIDE: 5}
        emergencies = {MANCHESTER: 2, SALFORD: 2, TRAFFORD: 1, STOCKPORT: 2, TAMESIDE: 1}
        for authority, n in solo.items():
            for i in range(n):
                needed_by = "today" if i < emergencies[authority] else self.pick({"within_5_days": 5, "later": 4})
                plans.append(_ReferralPlan(authority, 1, needed_by))

    def children_for(self, plan: _ReferralPlan) -> None:
        ages: tuple[int, ...]
        if plan.designed == "specialist_siblings":
            ages = (self.rng.randint(10, 11), self.rng.randint(12, 13), self.rng.randint(14, 15))
        elif plan.size == 3:
            ages = (self.rng.randint(12, 13), self.rng.randint(14, 15), self.rng.randint(15, 16))
        elif plan.size == 2:
            younger = self.rng.randint(11, 14)
            ages = (younger, younger + self.rng.randint(1, 3))
        else:
            ages = (self.pick(AGE_WEIGHTS),)
        if plan.designed == "tight_distance":
            # Home within 2.5 km of a current territory of the child's group: nothing within
            # 15 km of home can then be 20 km from that territory.
            territories = [
                (info, a)
                for info in self.groups
                if info.authority == plan.authority
                for a in info.territories
                if a.review_by >= self.today and a.groups == [info.group]
            ]
            info, territory = self.rng.choice(territories)
            home = self.lsoa_near(plan.authority, (territory.lat, territory.lon), 2.5)
            child = self.new_child(plan.authority, "open", age=max(ages[0], 14), home=home, groups=[info])
            plan.children.append(child)
            self.children.append(child)
            return
        if len(ages) == 1:
            child = self.new_child(plan.authority, "open", age=ages[0])
            plan.children.append(child)
            self.children.append(child)
            return
        home = self.lsoa(plan.authority)
        ethnicity = self.pick(ETHNICITY_WEIGHTS)
        linked = plan.designed == "specialist_siblings" or self.chance(0.6)
        eldest_groups = self.groups_for(home, plan.authority) if linked else []
        for i, age in enumerate(sorted(ages, reverse=True)):
            groups = eldest_groups if i == 0 else []
            child = self.new_child(
                plan.authority, "open", age=age, home=home, ethnicity=ethnicity, groups=groups, eldest=i == 0
            )
            plan.children.append(child)
            self.children.append(child)
        eldest = plan.children[0].person.support_links[0]
        for child in plan.children:
            child.siblings = [c for c in plan.children if c is not child]
            # Siblings share their parents.
            parent = child.person.support_links[0]
            parent.label, parent.lat, parent.lon = eldest.label, eldest.lat, eldest.lon
            parent.importance, parent.visits_per_month = eldest.importance, eldest.visits_per_month

    def dob_for(self, age: int) -> date:
        try:
            birthday = self.today.replace(year=self.today.year - age)
        except ValueError:  # 29 February
            birthday = self.today.replace(year=self.today.year - age, day=28)
        # A 17-year-old stays 17 for at least two months after seeding.
        dob = birthday - timedelta(days=self.rng.randint(0, 300 if age == 17 else 360))
        assert age_on(dob, self.today) == age
        return dob

    def groups_for(self, home: Point, authority: str) -> list[_GroupInfo]:
        weights = [
            math.exp(-_km(home, g.centre) / 5.0) + (0.3 if g.authority == authority else 0.02) for g in self.groups
        ]
        first = self.rng.choices(self.groups, weights=weights)[0]
        chosen = [first]
        if self.chance(0.15):
            others = [g for g in self.groups if g is not first and g not in first.rivals]
            if others:
                weights = [math.exp(-_km(home, g.centre) / 5.0) + 0.02 for g in others]
                chosen.append(self.rng.choices(others, weights=weights)[0])
        return chosen

    def new_child(
        self,
        authority: str,
        role: str,
        age: int | None = None,
        home: Point | None = None,
        ethnicity: str | None = None,
        groups: list[_GroupInfo] | None = None,
        eldest: bool = True,
    ) -> _Child:
        age = age if age is not None else self.pick(AGE_WEIGHTS)
        home = home or self.lsoa(authority)
        sex = "1" if self.chance(0.65) else "2"
        female = sex == "2"
        risks = []
        criminal = self.chance(0.45 if female else 0.72) and (eldest or age >= 13)
        if groups:
            criminal = True
        if criminal:
            risks.append("criminal_exploitation")
        if self.chance(0.4 if female else 0.1) and age >= 12:
            risks.append("sexual_exploitation")
        if self.chance(0.68):
            risks.append("going_missing")
        for name, p in (
            ("self_harm", 0.3 if female else 0.15),
            ("drugs_alcohol", 0.3 if age >= 13 else 0.05),
            ("eating_disorder", 0.03),
            ("physical_harm_to_others", 0.15),
            ("sexual_harm_to_others", 0.02),
            ("fire_setting", 0.03),
            ("harm_to_animals", 0.01),
        ):
            if self.chance(p):
                risks.append(name)
        person = YoungPerson(
            reference="",
            date_of_birth=self.dob_for(age),
            sex=sex,
            ethnicity=ethnicity or self.pick(ETHNICITY_WEIGHTS),
            home_postcode=None,
            home_lat=home[0],
            home_lon=home[1],
            responsible_authority_code=authority,
            risks=risks,
            created_at=self.at(ANCHOR - timedelta(days=self.rng.randint(30, 900))),
        )
        child = _Child(person, age, role, home, eldest=eldest)
        if groups is None:
            linked = self.chance(0.8 if criminal else 0.3) and eldest
            groups = self.groups_for(home, authority) if linked else []
        child.groups = groups
        self.link_groups(child)
        self.support_network(child)
        return child

    def link_groups(self, child: _Child) -> None:
        exploited = bool({"criminal_exploitation", "sexual_exploitation"} & set(child.person.risks))
        for info in child.groups:
            kind = "exploited_by" if exploited and (child.age < 16 or self.chance(0.5)) else "affiliated"
            day = ANCHOR - timedelta(days=self.rng.randint(5, 240))
            child.person.group_links.append(
                YoungPersonGroup(
                    group=info.group,
                    relationship_kind=kind,
                    source=f"{self.rng.choice(LINK_SOURCES)} {day.isoformat()}",
                    confidence=self.confidence(),
                    review_by=self.review_date(child.role != "open" and self.chance(0.06)),
                )
            )

    def stale_links(self) -> None:
        """Two children on open referrals keep an older link past its review date, so the warning shows."""
        candidates = [p.children[0] for p in self.plans if p.size == 1 and not p.designed and p.children[0].groups]
        for child in self.rng.sample(candidates, min(2, len(candidates))):
            current = child.groups[0]
            others = [g for g in self.groups if g is not current and g not in current.rivals]
            older = self.rng.choice(others)
            day = ANCHOR - timedelta(days=self.rng.randint(300, 400))
            child.person.group_links.append(
                YoungPersonGroup(
                    group=older.group,
                    relationship_kind="affiliated",
                    source=f"Strategy meeting {day.isoformat()}",
                    confidence="low",
                    review_by=self.review_date(True),
                )
            )

    def support_network(self, child: _Child) -> None:
        rng = self.rng
        authority = child.person.responsible_authority_code
        links: list[SupportLink] = []

        def add(
            label: str, kind: str, where: Point, importance: str, visits: float, max_km: float | None = None
        ) -> None:
            links.append(
                SupportLink(
                    label=label,
                    kind=kind,
                    lat=where[0],
                    lon=where[1],
                    importance=importance,
                    visits_per_month=visits,
                    max_km=max_km,
                )
            )

        parent = rng.choices(("Mother", "Father", "Mother and stepfather", "Father and partner"), (60, 20, 12, 8))[0]
        add(
            parent,
            "parent",
            self.jitter(child.home, 0.1),
            rng.choice(("essential", "essential", "important")),
            float(rng.choice((2, 4, 4, 8))),
        )
        extras: list[str] = []
        if self.chance(0.45):
            extras.append("relative")
        if self.chance(0.3) and not child.siblings:
            extras.append("sibling")
        extras.append("college" if child.age >= 16 else "school")
        if self.chance(0.45):
            extras.append("youth_worker")
        if {"criminal_exploitation", "sexual_exploitation"} & set(child.person.risks) and self.chance(0.55):
            extras.append("specialist_worker")
        if self.chance(0.2):
            extras.append("mentor")
        for kind in extras[:4]:
            if kind == "relative":
                label = rng.choice(("Grandmother", "Grandmother", "Grandfather", "Aunt", "Uncle", "Older cousin"))
                add(
                    label,
                    kind,
                    self.lsoa_near(authority, child.home, 12.0),
                    rng.choice(("important", "helpful")),
                    float(rng.randint(1, 4)),
                )
            elif kind == "sibling":
                label = rng.choice(("Older brother", "Older sister", "Younger brother", "Younger sister"))
                add(label, kind, self.jitter(child.home, 6.0), "important", float(rng.randint(2, 4)))
            elif kind == "school":
                # Key Stage 4 (14–15): keeping the school matters most; some plans set a limit.
                ks4 = child.age in (14, 15)
                limited = ks4 and child.eldest and self.chance(0.15)
                limit = float(self.rng.choice((30, 40, 50))) if limited else None
                add("School", kind, self.near(child.home, 0.5, 4.0), "essential" if ks4 else "important", 0.0, limit)
            elif kind == "college":
                add("College", kind, self.near(child.home, 1.0, 8.0), "important", 0.0)
            elif kind == "youth_worker":
                add(
                    "Youth worker",
                    kind,
                    self.near(child.home, 0.5, 5.0),
                    rng.choice(("important", "helpful")),
                    float(rng.randint(2, 4)),
                )
            elif kind == "specialist_worker":
                limit = float(rng.choice((60, 80))) if self.chance(0.1) else None
                add(
                    "Exploitation specialist worker",
                    kind,
                    self.near(CITY_CENTRE, 0.2, 3.0),
                    "important",
                    float(rng.randint(2, 4)),
                    limit,
                )
            else:
                add("Mentor", kind, self.near(child.home, 0.5, 6.0), "helpful", 2.0)
        child.person.support_links = links

    def missing_and_risk_locations(self, child: _Child) -> None:
        rng = self.rng
        person = child.person
        if "going_missing" in person.risks:
            n = rng.choices((1, 2, 3, 4, 5, 6), (20, 22, 20, 16, 12, 10))[0]
        else:
            n = 1 if self.chance(0.15) else 0
        destinations = [a for g in child.groups for a in g.destinations]
        in_care = child.role in ("placed", "looked_after")
        season_start, season_end = date(2026, 1, 5), ANCHOR - timedelta(days=3)
        starts = sorted(
            self.at(season_start + timedelta(days=rng.randint(0, (season_end - season_start).days)), 7, 23)
            for _ in range(n)
        )
        found_places: list[tuple[MissingEpisode, Point]] = []
        for start in starts:
            kind = "M" if self.chance(0.8) else "A"
            hours = rng.uniform(2, 12) if kind == "A" else min(rng.lognormvariate(math.log(18), 0.9), 120)
            end = start + timedelta(hours=round(hours, 1))
            roll = rng.random()
            found: Point | None
            if destinations and rng.random() < 0.35:
                area = rng.choice(destinations)
                authority = self.area_authority[area.code]
                found = self.lsoa_near(authority, (area.lat, area.lon), 1.5)
                where = f"Found at an address linked to county lines ({_short_name(authority)})"
            elif roll < 0.35:
                found, where = None, "Returned of their own accord"
            elif roll < 0.55:
                found, where = self.near(CITY_CENTRE, 0.1, 1.2), "Found by police in the city centre (Manchester)"
            elif roll < 0.85:
                authority = person.responsible_authority_code
                found = self.lsoa_near(authority, child.home, 6.0)
                where = f"Found at a friend's address ({_short_name(authority)})"
            else:
                authority, lat, lon = rng.choice(TOWNS)
                found = self.lsoa_near(authority, (lat, lon), 1.0)
                where = f"Found by police near a railway station ({_short_name(authority)})"
            reporters = (
                {"carer": 55, "police": 20, "school": 15, "parent": 10}
                if in_care
                else {"parent": 55, "police": 20, "school": 20, "carer": 5}
            )
            episode = MissingEpisode(
                kind=kind,
                start=start,
                end=end,
                where_found=where,
                found_lat=found[0] if found else None,
                found_lon=found[1] if found else None,
                reported_by=self.pick(reporters),
            )
            self.return_home_interview(episode, end)
            person.missing_episodes.append(episode)
            # Where a child was found becomes a risk location when the place itself is a concern.
            concern = where.startswith(("Found at an address linked", "Found by police near")) or (
                where.startswith("Found at a friend's") and self.chance(0.3)
            )
            if found is not None and concern:
                found_places.append((episode, found))
        self.risk_locations(child, found_places)

    def return_home_interview(self, episode: MissingEpisode, end: datetime) -> None:
        # Offered within 72 hours most often; late or not at all for the rest (as surveys find).
        roll = self.rng.random()
        if roll < 0.64:
            offered = end + timedelta(hours=self.rng.randint(4, 70))
        elif roll < 0.82:
            offered = end + timedelta(hours=self.rng.randint(76, 240))
        else:
            episode.rhi_offered = False
            return
        episode.rhi_offered = True
        episode.rhi_offered_at = offered
        episode.rhi_accepted = self.chance(0.68)
        if episode.rhi_accepted:
            episode.rhi_date = (offered + timedelta(days=self.rng.randint(0, 4))).date()

    def risk_locations(self, child: _Child, found_places: list[tuple[MissingEpisode, Point]]) -> None:
        rng = self.rng
        candidates: list[RiskLocation] = []
        for episode, place in found_places:
            candidates.append(
                RiskLocation(
                    label="Found while missing",
                    lat=place[0],
                    lon=place[1],
                    radius_km=round(rng.uniform(0.0, 0.5), 1),
                    source=f"Missing episode {episode.start.date().isoformat()}",
                    created_at=(episode.end or episode.start) + timedelta(hours=rng.randint(2, 48)),
                )
            )
        if child.groups and self.chance(0.5):
            authority, lat, lon = rng.choice(TOWNS)
            place = self.lsoa_near(authority, (lat, lon), 2.0)
            day = ANCHOR - timedelta(days=rng.randint(10, 200))
            candidates.append(
                RiskLocation(
                    label="County lines address",
                    lat=place[0],
                    lon=place[1],
                    radius_km=round(rng.uniform(0.5, 1.0), 1),
                    source=f"Police intelligence {day.isoformat()}",
                    created_at=self.at(day),
                )
            )
        if "criminal_exploitation" in child.person.risks and self.chance(0.25):
            place = self.near(child.home, 1.0, 5.0)
            day = ANCHOR - timedelta(days=rng.randint(10, 200))
            candidates.append(
                RiskLocation(
                    label="Address linked to an adult exploiting them",
                    lat=place[0],
                    lon=place[1],
                    radius_km=round(rng.uniform(0.2, 0.5), 1),
                    source=f"Strategy meeting {day.isoformat()}",
                    created_at=self.at(day),
                )
            )
        n = min(len(candidates), rng.choices((0, 1, 2, 3), (25, 40, 25, 10))[0])
        chosen = rng.sample(candidates, n)
        child.person.risk_locations = sorted(chosen, key=lambda r: r.created_at)

    # where children live now

    def takes(self, placement: Placement, child: _Child) -> bool:
        sex = "male" if child.person.sex == "1" else "female"
        return (
            placement.age_min <= child.age <= placement.age_max
            and (placement.sexes is None or sex in placement.sexes)
            and placement.setting != "secure"
        )

    def house_children(self) -> None:
        """Children in care (placed referrals and other looked-after children) live somewhere."""
        free = {p.code: p.capacity - p.vacancies for p in self.placements if p.status == "active"}
        by_code = {p.code: p for p in self.placements}
        for child in self.children:
            if child.role not in ("placed", "looked_after"):
                continue
            options = [by_code[code] for code, n in free.items() if n > 0 and self.takes(by_code[code], child)]
            weights = [math.exp(-_km(child.home, (p.lat, p.lon)) / 25.0) + 0.03 for p in options]
            placement = self.rng.choices(options, weights=weights)[0]
            free[placement.code] -= 1
            child.placement = placement
            since = ANCHOR - timedelta(days=self.rng.randint(14, 700))
            placement.residents.append(CurrentResident(person_reference=child.person.reference, since=since))

    def fill_residents(self) -> None:
        """Other children (not in the demo's records) fill the remaining occupied places."""
        n = 0
        for placement in self.placements:
            while len(placement.residents) < placement.capacity - placement.vacancies:
                n += 1
                since = ANCHOR - timedelta(days=self.rng.randint(7, 1000))
                placement.residents.append(CurrentResident(person_reference=f"RES-{n:04d}", since=since))
            placement.residents.sort(key=lambda r: r.since)
            self.residents[placement.code] = [r.person_reference for r in placement.residents]

    def make_people_to_avoid(self) -> None:
        rng = self.rng
        by_group: dict[str, list[_Child]] = defaultdict(list)
        for child in self.children:
            for info in child.groups:
                by_group[info.group.code].append(child)
        vacant_residents = [
            r for p in self.placements if p.vacancies > 0 and p.status == "active" for r in self.residents[p.code]
        ]
        for child in self.children:
            if not self.chance(0.45 if child.role == "open" else 0.25):
                continue
            options: list[tuple[str, str]] = []
            for info in child.groups:
                for other in by_group[info.group.code]:
                    if other is not child and other not in child.siblings:
                        if other.age > child.age + 1:
                            options.append((other.person.reference, "Believed to recruit for the group; keep apart"))
                        else:
                            options.append((other.person.reference, "Exploited by the same group; keep apart"))
                for rival in info.rivals:
                    for other in by_group[rival.group.code]:
                        options.append(
                            (other.person.reference, f"Linked to a group in conflict with {info.group.label}")
                        )
            if "sexual_exploitation" in child.person.risks:
                others = [c for c in self.children if c is not child and c.age >= child.age + 1 and c.placement]
                if others:
                    options.append(
                        (rng.choice(others).person.reference, "Concern about sexual exploitation; keep apart")
                    )
            if vacant_residents:
                options.append((rng.choice(vacant_residents), "Previous violent incident between them"))
            if not options:
                continue
            seen: set[str] = set()
            for reference, reason in rng.sample(options, min(len(options), rng.choice((1, 1, 2)))):
                if reference in seen or reference == child.person.reference:
                    continue
                seen.add(reference)
                child.person.people_to_avoid.append(PersonToAvoid(person_reference=reference, reason=reason))

    # referrals

    def make_referrals(self) -> None:
        rng = self.rng
        plans = sorted(self.plans, key=lambda p: (rng.random(), p.authority))
        number = 0
        for plan in plans:
            number += 1
            self.referrals.append(self.open_referral(f"R-{number:04d}", plan))
        history = [c for c in self.children if c.role in ("placed", "closed")]
        for child in history:
            number += 1
            self.referrals.append(self.past_referral(f"R-{number:04d}", child))
        self.referrals.sort(key=lambda r: r.reference)

    def settings_for(self, ages: list[int], risks: set[str]) -> dict[str, str]:
        youngest, eldest = min(ages), max(ages)
        if youngest >= 16:
            return dict(
                self.rng.choice(
                    (
                        {
                            "supported": "preferred",
                            "foster": "suitable",
                            "residential": "suitable",
                            "secure": "unsuitable",
                        },
                        {"foster": "preferred", "supported": "suitable", "secure": "unsuitable"},
                        {"residential": "preferred", "supported": "suitable", "secure": "unsuitable"},
                    )
                )
            )
        settings = {"supported": "unsuitable", "secure": "unsuitable"}
        if eldest < 11:
            settings.update({"foster": "preferred", "residential": "unsuitable"})
        elif "criminal_exploitation" in risks and self.chance(0.4):
            settings.update({"residential": "preferred", "foster": "suitable"})
        else:
            settings.update({"foster": "preferred", "residential": "suitable"})
        return settings

    def open_referral(self, reference: str, plan: _ReferralPlan) -> Referral:
        rng = self.rng
        children = plan.children
        risks = {r for c in children for r in c.person.risks}
        ages = [c.age for c in children]
        settings = self.settings_for(ages, risks)
        required: list[str] = []
        preferred: list[str] = [
            s for s in ("criminal_exploitation", "sexual_exploitation", "going_missing") if s in risks
        ]
        preferred = rng.sample(preferred, min(2, len(preferred)))
        solo = False
        max_km: float | None = None
        notes: list[str] = []
        if plan.designed == "specialist_siblings":
            settings = {
                "foster": "preferred",
                "residential": "unsuitable",
                "supported": "unsuitable",
                "secure": "unsuitable",
            }
            required = ["criminal_exploitation", "sibling_group"]
            preferred = ["going_missing"]
            notes.append(
                "Three siblings to stay together. The eldest is criminally exploited; the panel asks for "
                "specialist foster carers who can take all three."
            )
        elif plan.designed == "tight_distance":
            max_km = 15.0
            notes.append(
                "Family ask for a placement within 15 km of home to keep contact and school; police advise "
                "distance from the group's area."
            )
        else:
            if len(children) > 1:
                notes.append(
                    "Siblings to be placed together"
                    + ("; the eldest is at risk of exploitation." if "criminal_exploitation" in risks else ".")
                )
                if self.chance(0.4):
                    preferred.append("sibling_group")
            if "criminal_exploitation" in risks and len(children) == 1 and min(ages) >= 13 and self.chance(0.22):
                required.append("criminal_exploitation")
                settings.update({"residential": "preferred"} if settings.get("residential") != "unsuitable" else {})
            solo_risks = {"physical_harm_to_others", "sexual_exploitation"} & risks
            # Solo and a required specialism together leave almost nothing: real panels rarely ask both.
            if len(children) == 1 and solo_risks and not required and self.chance(0.35):
                solo = True
                notes.append("Solo placement recommended after incidents with other young people.")
            if self.chance(0.25):
                max_km = float(rng.choice((80, 100, 120, 150)))
            if "therapeutic" not in preferred and self.chance(0.2):
                preferred.append("therapeutic")
            notes.append(self.referral_story(children[0], plan.needed_by))
        if any(c.age < 16 for c in children):
            settings["supported"] = "unsuitable"
        created_day = self.today - timedelta(
            days=rng.randint(0, 1) if plan.needed_by == "today" else rng.randint(1, 29)
        )
        return Referral(
            reference=reference,
            authority_code=plan.authority,
            status="open",
            needed_by=plan.needed_by,
            settings=settings,
            required_specialisms=required,
            preferred_specialisms=sorted(set(preferred)),
            solo=solo,
            max_km_from_home=max_km,
            notes=" ".join(notes),
            created_at=self.at(created_day),
            young_people=[c.person for c in children],
        )

    def referral_story(self, child: _Child, needed_by: str) -> str:
        risks = set(child.person.risks)
        episodes = len(child.person.missing_episodes)
        parts = []
        if needed_by == "today":
            parts.append(
                self.rng.choice(
                    (
                        "Emergency: the current placement ended today after an incident.",
                        "Emergency: police protection powers used overnight.",
                        "Emergency: family home no longer safe after threats.",
                    )
                )
            )
        if episodes >= 3:
            parts.append(f"{episodes} missing episodes this year; repeat missing raises concern.")
        if child.groups and "criminal_exploitation" in risks:
            parts.append("Police concerned about county lines exploitation; distance from the group's areas advised.")
        elif "sexual_exploitation" in risks:
            parts.append("At risk of sexual exploitation; safety plan with the exploitation team.")
        if child.age in (14, 15):
            parts.append("Key Stage 4: keep the school place if at all possible.")
        if not parts:
            parts.append("Placement at home has broken down; family support continues.")
        return " ".join(parts)

    def past_referral(self, reference: str, child: _Child) -> Referral:
        rng = self.rng
        created = ANCHOR - timedelta(days=rng.randint(20, 300))
        if child.role == "placed":
            assert child.placement is not None
            status = "placed"
            notes = f"Placed at {child.placement.code} ({child.placement.label})."
        else:
            status = "closed"
            notes = rng.choice(
                (
                    "Closed: returned home with a safety plan and family support.",
                    "Closed: placed with a connected person (grandmother) under a family arrangement.",
                    "Closed: needs met by the edge-of-care team without a move.",
                )
            )
        return Referral(
            reference=reference,
            authority_code=child.person.responsible_authority_code,
            status=status,
            needed_by=self.pick({"today": 2, "within_5_days": 4, "later": 4}),
            settings=self.settings_for([child.age], set(child.person.risks)),
            required_specialisms=[],
            preferred_specialisms=[s for s in ("criminal_exploitation", "going_missing") if s in child.person.risks],
            solo=False,
            max_km_from_home=None,
            notes=notes,
            created_at=self.at(created),
            young_people=[child.person],
        )
