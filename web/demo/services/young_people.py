"""The demo's young people: who they are, the groups they are linked to, and what happened to them.

180 young people known by pseudonymous references only ("YP-0001"), each with risks, group
links, a support network, missing episodes with return home interviews, and personal risk
locations. The children of the open referrals (planned in `referrals`) are made first,
siblings sharing a home and parents; the rest are placed, closed, looked after or at home.

Group links are drawn independently of ethnicity, so the demo world carries no
disproportion of its own for the commissioners' checks to find. Every child is 10 to 17
on the day of seeding, which the engine requires.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from web.demo.services.builder import Builder, Child, GroupInfo, ReferralPlan
from web.demo.services.drawing import (
    ANCHOR,
    CITY_CENTRE,
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
from web.models import MissingEpisode, RiskLocation, SupportLink, YoungPerson, YoungPersonGroup
from web.shared.services.people import age_on

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

LINK_SOURCES = (
    "Strategy meeting",
    "Multi-agency child exploitation panel",
    "Police intelligence",
    "Return home interview",
)


def make_young_people(builder: Builder) -> None:
    """The children of the planned referrals (`referrals.plan_referrals` runs first), then the rest."""
    for plan in builder.plans:
        _children_for(builder, plan)
    roles = ["placed"] * N_PLACED_REFERRALS + ["closed"] * N_CLOSED_REFERRALS + ["looked_after"] * N_LOOKED_AFTER
    roles += ["home"] * (N_YOUNG_PEOPLE - len(builder.children) - len(roles))
    for role in roles:
        authority = builder.pick(AUTHORITY_WEIGHTS)
        builder.children.append(_new_child(builder, authority, role))
    # References in a random order, so they say nothing about a child's situation.
    order = list(builder.children)
    builder.rng.shuffle(order)
    for n, child in enumerate(order, start=1):
        child.person.reference = f"YP-{n:04d}"
    for child in builder.children:
        _missing_and_risk_locations(builder, child)
    _stale_links(builder)
    builder.children.sort(key=lambda c: c.person.reference)


def _children_for(builder: Builder, plan: ReferralPlan) -> None:
    ages: tuple[int, ...]
    if plan.designed == "specialist_siblings":
        ages = (builder.rng.randint(10, 11), builder.rng.randint(12, 13), builder.rng.randint(14, 15))
    elif plan.size == 3:
        ages = (builder.rng.randint(12, 13), builder.rng.randint(14, 15), builder.rng.randint(15, 16))
    elif plan.size == 2:
        younger = builder.rng.randint(11, 14)
        ages = (younger, younger + builder.rng.randint(1, 3))
    else:
        ages = (builder.pick(AGE_WEIGHTS),)
    if plan.designed == "tight_distance":
        # Home within 2.5 km of a current territory of the child's group: nothing within
        # 15 km of home can then be 20 km from that territory.
        territories = [
            (info, a)
            for info in builder.groups
            if info.authority == plan.authority
            for a in info.territories
            if a.review_by >= builder.today and a.groups == [info.group]
        ]
        info, territory = builder.rng.choice(territories)
        home = builder.lsoa_near(plan.authority, (territory.lat, territory.lon), 2.5)
        child = _new_child(builder, plan.authority, "open", age=max(ages[0], 14), home=home, groups=[info])
        plan.children.append(child)
        builder.children.append(child)
        return
    if len(ages) == 1:
        child = _new_child(builder, plan.authority, "open", age=ages[0])
        plan.children.append(child)
        builder.children.append(child)
        return
    home = builder.lsoa(plan.authority)
    ethnicity = builder.pick(ETHNICITY_WEIGHTS)
    linked = plan.designed == "specialist_siblings" or builder.chance(0.6)
    eldest_groups = _groups_for(builder, home, plan.authority) if linked else []
    for i, age in enumerate(sorted(ages, reverse=True)):
        groups = eldest_groups if i == 0 else []
        child = _new_child(
            builder, plan.authority, "open", age=age, home=home, ethnicity=ethnicity, groups=groups, eldest=i == 0
        )
        plan.children.append(child)
        builder.children.append(child)
    eldest = plan.children[0].person.support_links[0]
    for child in plan.children:
        child.siblings = [c for c in plan.children if c is not child]
        # Siblings share their parents.
        parent = child.person.support_links[0]
        parent.label, parent.lat, parent.lon = eldest.label, eldest.lat, eldest.lon
        parent.importance, parent.visits_per_month = eldest.importance, eldest.visits_per_month


def _dob_for(builder: Builder, age: int) -> date:
    try:
        birthday = builder.today.replace(year=builder.today.year - age)
    except ValueError:  # 29 February
        birthday = builder.today.replace(year=builder.today.year - age, day=28)
    # A 17-year-old stays 17 for at least two months after seeding.
    dob = birthday - timedelta(days=builder.rng.randint(0, 300 if age == 17 else 360))
    assert age_on(dob, builder.today) == age
    return dob


def _groups_for(builder: Builder, home: Point, authority: str) -> list[GroupInfo]:
    weights = [
        math.exp(-km(home, g.centre) / 5.0) + (0.3 if g.authority == authority else 0.02) for g in builder.groups
    ]
    first = builder.rng.choices(builder.groups, weights=weights)[0]
    chosen = [first]
    if builder.chance(0.15):
        others = [g for g in builder.groups if g is not first and g not in first.rivals]
        if others:
            weights = [math.exp(-km(home, g.centre) / 5.0) + 0.02 for g in others]
            chosen.append(builder.rng.choices(others, weights=weights)[0])
    return chosen


def _new_child(
    builder: Builder,
    authority: str,
    role: str,
    age: int | None = None,
    home: Point | None = None,
    ethnicity: str | None = None,
    groups: list[GroupInfo] | None = None,
    eldest: bool = True,
) -> Child:
    age = age if age is not None else builder.pick(AGE_WEIGHTS)
    home = home or builder.lsoa(authority)
    sex = "1" if builder.chance(0.65) else "2"
    female = sex == "2"
    risks = []
    criminal = builder.chance(0.45 if female else 0.72) and (eldest or age >= 13)
    if groups:
        criminal = True
    if criminal:
        risks.append("criminal_exploitation")
    if builder.chance(0.4 if female else 0.1) and age >= 12:
        risks.append("sexual_exploitation")
    if builder.chance(0.68):
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
        if builder.chance(p):
            risks.append(name)
    person = YoungPerson(
        reference="",
        date_of_birth=_dob_for(builder, age),
        sex=sex,
        ethnicity=ethnicity or builder.pick(ETHNICITY_WEIGHTS),
        home_postcode=None,
        home_lat=home[0],
        home_lon=home[1],
        responsible_authority_code=authority,
        risks=risks,
        created_at=builder.at(ANCHOR - timedelta(days=builder.rng.randint(30, 900))),
    )
    child = Child(person, age, role, home, eldest=eldest)
    if groups is None:
        linked = builder.chance(0.8 if criminal else 0.3) and eldest
        groups = _groups_for(builder, home, authority) if linked else []
    child.groups = groups
    _link_groups(builder, child)
    _support_network(builder, child)
    return child


def _link_groups(builder: Builder, child: Child) -> None:
    exploited = bool({"criminal_exploitation", "sexual_exploitation"} & set(child.person.risks))
    for info in child.groups:
        kind = "exploited_by" if exploited and (child.age < 16 or builder.chance(0.5)) else "affiliated"
        day = ANCHOR - timedelta(days=builder.rng.randint(5, 240))
        child.person.group_links.append(
            YoungPersonGroup(
                group=info.group,
                relationship_kind=kind,
                source=f"{builder.rng.choice(LINK_SOURCES)} {day.isoformat()}",
                confidence=builder.confidence(),
                review_by=builder.review_date(child.role != "open" and builder.chance(0.06)),
            )
        )


def _stale_links(builder: Builder) -> None:
    """Two children on open referrals keep an older link past its review date, so the warning shows."""
    candidates = [p.children[0] for p in builder.plans if p.size == 1 and not p.designed and p.children[0].groups]
    for child in builder.rng.sample(candidates, min(2, len(candidates))):
        current = child.groups[0]
        others = [g for g in builder.groups if g is not current and g not in current.rivals]
        older = builder.rng.choice(others)
        day = ANCHOR - timedelta(days=builder.rng.randint(300, 400))
        child.person.group_links.append(
            YoungPersonGroup(
                group=older.group,
                relationship_kind="affiliated",
                source=f"Strategy meeting {day.isoformat()}",
                confidence="low",
                review_by=builder.review_date(True),
            )
        )


def _support_network(builder: Builder, child: Child) -> None:
    rng = builder.rng
    authority = child.person.responsible_authority_code
    links: list[SupportLink] = []

    def add(label: str, kind: str, where: Point, importance: str, visits: float, max_km: float | None = None) -> None:
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
        builder.jitter(child.home, 0.1),
        rng.choice(("essential", "essential", "important")),
        float(rng.choice((2, 4, 4, 8))),
    )
    extras: list[str] = []
    if builder.chance(0.45):
        extras.append("relative")
    if builder.chance(0.3) and not child.siblings:
        extras.append("sibling")
    extras.append("college" if child.age >= 16 else "school")
    if builder.chance(0.45):
        extras.append("youth_worker")
    if {"criminal_exploitation", "sexual_exploitation"} & set(child.person.risks) and builder.chance(0.55):
        extras.append("specialist_worker")
    if builder.chance(0.2):
        extras.append("mentor")
    for kind in extras[:4]:
        if kind == "relative":
            label = rng.choice(("Grandmother", "Grandmother", "Grandfather", "Aunt", "Uncle", "Older cousin"))
            add(
                label,
                kind,
                builder.lsoa_near(authority, child.home, 12.0),
                rng.choice(("important", "helpful")),
                float(rng.randint(1, 4)),
            )
        elif kind == "sibling":
            label = rng.choice(("Older brother", "Older sister", "Younger brother", "Younger sister"))
            add(label, kind, builder.jitter(child.home, 6.0), "important", float(rng.randint(2, 4)))
        elif kind == "school":
            # Key Stage 4 (14–15): keeping the school matters most; some plans set a limit.
            ks4 = child.age in (14, 15)
            limited = ks4 and child.eldest and builder.chance(0.15)
            limit = float(builder.rng.choice((30, 40, 50))) if limited else None
            add("School", kind, builder.near(child.home, 0.5, 4.0), "essential" if ks4 else "important", 0.0, limit)
        elif kind == "college":
            add("College", kind, builder.near(child.home, 1.0, 8.0), "important", 0.0)
        elif kind == "youth_worker":
            add(
                "Youth worker",
                kind,
                builder.near(child.home, 0.5, 5.0),
                rng.choice(("important", "helpful")),
                float(rng.randint(2, 4)),
            )
        elif kind == "specialist_worker":
            limit = float(rng.choice((60, 80))) if builder.chance(0.1) else None
            add(
                "Exploitation specialist worker",
                kind,
                builder.near(CITY_CENTRE, 0.2, 3.0),
                "important",
                float(rng.randint(2, 4)),
                limit,
            )
        else:
            add("Mentor", kind, builder.near(child.home, 0.5, 6.0), "helpful", 2.0)
    child.person.support_links = links


def _missing_and_risk_locations(builder: Builder, child: Child) -> None:
    rng = builder.rng
    person = child.person
    if "going_missing" in person.risks:
        n = rng.choices((1, 2, 3, 4, 5, 6), (20, 22, 20, 16, 12, 10))[0]
    else:
        n = 1 if builder.chance(0.15) else 0
    destinations = [a for g in child.groups for a in g.destinations]
    in_care = child.role in ("placed", "looked_after")
    season_start, season_end = date(2026, 1, 5), ANCHOR - timedelta(days=3)
    starts = sorted(
        builder.at(season_start + timedelta(days=rng.randint(0, (season_end - season_start).days)), 7, 23)
        for _ in range(n)
    )
    found_places: list[tuple[MissingEpisode, Point]] = []
    for start in starts:
        kind = "M" if builder.chance(0.8) else "A"
        hours = rng.uniform(2, 12) if kind == "A" else min(rng.lognormvariate(math.log(18), 0.9), 120)
        end = start + timedelta(hours=round(hours, 1))
        roll = rng.random()
        found: Point | None
        if destinations and rng.random() < 0.35:
            area = rng.choice(destinations)
            authority = builder.area_authority[area.code]
            found = builder.lsoa_near(authority, (area.lat, area.lon), 1.5)
            where = f"Found at an address linked to county lines ({short_name(authority)})"
        elif roll < 0.35:
            found, where = None, "Returned of their own accord"
        elif roll < 0.55:
            found, where = builder.near(CITY_CENTRE, 0.1, 1.2), "Found by police in the city centre (Manchester)"
        elif roll < 0.85:
            authority = person.responsible_authority_code
            found = builder.lsoa_near(authority, child.home, 6.0)
            where = f"Found at a friend's address ({short_name(authority)})"
        else:
            authority, lat, lon = rng.choice(TOWNS)
            found = builder.lsoa_near(authority, (lat, lon), 1.0)
            where = f"Found by police near a railway station ({short_name(authority)})"
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
            reported_by=builder.pick(reporters),
        )
        _return_home_interview(builder, episode, end)
        person.missing_episodes.append(episode)
        # Where a child was found becomes a risk location when the place itself is a concern.
        concern = where.startswith(("Found at an address linked", "Found by police near")) or (
            where.startswith("Found at a friend's") and builder.chance(0.3)
        )
        if found is not None and concern:
            found_places.append((episode, found))
    _risk_locations(builder, child, found_places)


def _return_home_interview(builder: Builder, episode: MissingEpisode, end: datetime) -> None:
    # Offered within 72 hours most often; late or not at all for the rest (as surveys find).
    roll = builder.rng.random()
    if roll < 0.64:
        offered = end + timedelta(hours=builder.rng.randint(4, 70))
    elif roll < 0.82:
        offered = end + timedelta(hours=builder.rng.randint(76, 240))
    else:
        episode.rhi_offered = False
        return
    episode.rhi_offered = True
    episode.rhi_offered_at = offered
    episode.rhi_accepted = builder.chance(0.68)
    if episode.rhi_accepted:
        episode.rhi_date = (offered + timedelta(days=builder.rng.randint(0, 4))).date()


def _risk_locations(builder: Builder, child: Child, found_places: list[tuple[MissingEpisode, Point]]) -> None:
    rng = builder.rng
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
    if child.groups and builder.chance(0.5):
        authority, lat, lon = rng.choice(TOWNS)
        place = builder.lsoa_near(authority, (lat, lon), 2.0)
        day = ANCHOR - timedelta(days=rng.randint(10, 200))
        candidates.append(
            RiskLocation(
                label="County lines address",
                lat=place[0],
                lon=place[1],
                radius_km=round(rng.uniform(0.5, 1.0), 1),
                source=f"Police intelligence {day.isoformat()}",
                created_at=builder.at(day),
            )
        )
    if "criminal_exploitation" in child.person.risks and builder.chance(0.25):
        place = builder.near(child.home, 1.0, 5.0)
        day = ANCHOR - timedelta(days=rng.randint(10, 200))
        candidates.append(
            RiskLocation(
                label="Address linked to an adult exploiting them",
                lat=place[0],
                lon=place[1],
                radius_km=round(rng.uniform(0.2, 0.5), 1),
                source=f"Strategy meeting {day.isoformat()}",
                created_at=builder.at(day),
            )
        )
    n = min(len(candidates), rng.choices((0, 1, 2, 3), (25, 40, 25, 10))[0])
    chosen = rng.sample(candidates, n)
    child.person.risk_locations = sorted(chosen, key=lambda r: r.created_at)
