"""The demo's intelligence: invented groups, the areas they are linked to, and their rivalries.

14 groups with rivalries, and 40+ gang-affected areas with generic labels ("Area 07
(Manchester)"): territories inside the consortium, exploitation hotspots, and county-lines
destinations in other North West towns. A few records are past their review date, so the
warnings about stale intelligence show.
"""

from __future__ import annotations

from datetime import timedelta

from web.demo.services import names
from web.demo.services.builder import Builder, GroupInfo
from web.demo.services.drawing import (
    ANCHOR,
    MANCHESTER,
    SALFORD,
    STOCKPORT,
    TAMESIDE,
    TOWNS,
    TRAFFORD,
    Point,
    km,
    short_name,
)
from web.models import Area, Group, Rivalry

N_GROUPS = 14
GROUP_HOMES = (MANCHESTER,) * 4 + (SALFORD,) * 3 + (TRAFFORD,) * 2 + (STOCKPORT,) * 2 + (TAMESIDE,) * 3
N_HOTSPOTS = 6
MIN_CONSORTIUM_AREAS = 32  # with the county-lines destinations, at least 44 areas
N_DESTINATIONS = 12
N_RIVALRIES = 8

INTELLIGENCE_SOURCES = (
    "Police intelligence briefing",
    "Multi-agency child exploitation panel",
    "Community safety partnership analysis",
    "Police intelligence briefing; police.uk crime data reviewed by an analyst",
)


def make_groups(builder: Builder) -> None:
    group_names = builder.rng.sample(names.GROUP_NAMES, N_GROUPS)
    homes = list(GROUP_HOMES)
    builder.rng.shuffle(homes)
    for name, home in zip(group_names, homes, strict=True):
        code = "G-" + name.lower().replace(" ", "-")
        group = Group(
            code=code,
            label=name,
            source=builder.rng.choice(INTELLIGENCE_SOURCES),
            confidence=builder.confidence(),
            review_by=builder.review_date(False, 60, 365),
        )
        builder.groups.append(GroupInfo(group, home, builder.lsoa(home)))
    builder.groups.sort(key=lambda g: g.group.code)


def _new_area(
    builder: Builder, kind: str, authority: str, centre: Point, radius: tuple[float, float], severity: str
) -> Area:
    area = Area(
        code=f"A-{len(builder.areas) + 1:02d}",
        label=f"Area {len(builder.areas) + 1:02d} ({short_name(authority)})",
        kind=kind,
        lat=centre[0],
        lon=centre[1],
        radius_km=round(builder.rng.uniform(*radius), 1),
        severity=severity,
        source=builder.rng.choice(INTELLIGENCE_SOURCES),
        confidence=builder.confidence(),
        review_by=builder.review_date(False),
        updated_at=builder.at(ANCHOR - timedelta(days=builder.rng.randint(1, 200))),
    )
    builder.areas.append(area)
    builder.area_authority[area.code] = authority
    return area


def make_areas(builder: Builder) -> None:
    for info in builder.groups:
        for i in range(builder.pick({1: 1, 2: 6, 3: 3})):
            centre = info.centre if i == 0 else builder.lsoa_near(info.authority, info.centre, 4.0)
            severity = builder.pick({"high": 30, "medium": 45, "low": 25})
            area = _new_area(builder, "gang_territory", info.authority, centre, (0.5, 2.0), severity)
            area.groups = [info.group]
            info.territories.append(area)
    hotspots = 0
    while hotspots < N_HOTSPOTS or len(builder.areas) < MIN_CONSORTIUM_AREAS:
        hotspots += 1
        authority = builder.pick({MANCHESTER: 3, SALFORD: 1, TRAFFORD: 1, STOCKPORT: 1, TAMESIDE: 1})
        centre = builder.lsoa(authority)
        severity = builder.pick({"high": 35, "medium": 45, "low": 20})
        area = _new_area(builder, "exploitation_hotspot", authority, centre, (0.5, 1.5), severity)
        nearest = sorted(builder.groups, key=lambda g: km(g.centre, centre))[: builder.pick({1: 3, 2: 2})]
        area.groups = sorted((g.group for g in nearest), key=lambda g: g.code)
    for authority, lat, lon in builder.rng.sample(TOWNS, N_DESTINATIONS):
        centre = builder.lsoa_near(authority, (lat, lon), 3.0)
        severity = builder.pick({"high": 15, "medium": 55, "low": 30})
        area = _new_area(builder, "county_lines_destination", authority, centre, (1.0, 3.0), severity)
        runners = builder.rng.sample(builder.groups, builder.pick({1: 4, 2: 1}))
        area.groups = sorted((g.group for g in runners), key=lambda g: g.code)
        for info in runners:
            info.destinations.append(area)
    # A few past their review date, so the warnings about stale intelligence show.
    for area in builder.rng.sample(builder.areas, 4):
        area.review_by = builder.review_date(True)


def make_rivalries(builder: Builder) -> None:
    pairs = [
        (a, b)
        for i, a in enumerate(builder.groups)
        for b in builder.groups[i + 1 :]
        if (km(a.centre, b.centre) < 12 and a.authority != b.authority) or km(a.centre, b.centre) < 5
    ]
    builder.rng.shuffle(pairs)
    chosen: list[tuple[GroupInfo, GroupInfo]] = []
    for a, b in pairs:
        if len(chosen) == N_RIVALRIES:
            break
        if len(a.rivals) < 2 and len(b.rivals) < 2:
            a.rivals.append(b)
            b.rivals.append(a)
            chosen.append((a, b))
    expired = set(builder.rng.sample(range(len(chosen)), 2))
    for i, (a, b) in enumerate(chosen):
        builder.rivalries.append(
            Rivalry(
                group=a.group,
                rival=b.group,
                source=builder.rng.choice(INTELLIGENCE_SOURCES),
                confidence=builder.confidence(),
                review_by=builder.review_date(i in expired),
            )
        )
    # Two contested territories: claimed by both groups of a rivalry.
    for a, b in builder.rng.sample(chosen, min(2, len(chosen))):
        area = builder.rng.choice(a.territories)
        area.groups = sorted([a.group, b.group], key=lambda g: g.code)
        b.territories.append(area)
