"""The demo's placements: foster carers, children's homes, supported accommodation and secure homes.

A pool of 400+ placements shared by the consortium, most inside it and the rest across the
North West (some adjoining, some "at a distance"), so reg 11 approvals vary. Each comes
with an invented provider (`names`), an Ofsted rating (one per fostering agency), a
synthetic URN for registered homes, and vacancies that are rarer in the city than outside it.
"""

from __future__ import annotations

from datetime import timedelta

from web.demo.services import names
from web.demo.services.builder import Builder
from web.demo.services.drawing import (
    ANCHOR,
    CONSORTIUM,
    GREATER_MANCHESTER,
    MANCHESTER,
    SALFORD,
    STOCKPORT,
    TAMESIDE,
    TRAFFORD,
    short_name,
)
from web.models import Placement

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
SECURE_HOMES = ("E10000017", "E06000050", "E08000001", "E06000064", "E08000012")


def make_placements(builder: Builder) -> None:
    plan: list[tuple[str, str]] = []
    for authority, n in PLACEMENTS_PER_AUTHORITY.items():
        for _ in range(n):
            plan.append((authority, builder.pick({"foster": 64, "residential": 22, "supported": 14})))
    plan += [(authority, "secure") for authority in SECURE_HOMES]
    fosters = [i for i, (_, setting) in enumerate(plan) if setting == "foster"]
    specialist = set(builder.rng.sample(fosters, round(0.05 * len(plan))))
    specialist_vacant = set(builder.rng.sample(sorted(specialist), 4))
    ratings = _agency_ratings(builder)
    for i, (authority, setting) in enumerate(plan):
        placement = _new_placement(builder, authority, setting, i in specialist, ratings)
        placement.code = f"P-{i + 1:04d}"
        if i in specialist:
            placement.vacancies = 1 if i in specialist_vacant else 0
        builder.placements.append(placement)
    for placement in builder.rng.sample(builder.placements, 8):
        placement.status = "suspended"
    # A few homes rated inadequate: the engine leaves them out unless the policy allows them.
    homes = [p for p in builder.placements if p.setting in ("residential", "supported")]
    for placement in builder.rng.sample(homes, 5):
        placement.ofsted_rating = "inadequate"


def _agency_ratings(builder: Builder) -> dict[str, str]:
    """One Ofsted rating per fostering agency: mostly good, one outstanding, one requiring improvement."""
    agencies = [name for name, _ in names.FOSTERING_AGENCIES]
    grades = ["outstanding", "requires_improvement"] + ["good"] * (len(agencies) - 2)
    builder.rng.shuffle(grades)
    schemes = [name for name, _ in names.SPECIALIST_FOSTERING_SCHEMES]
    scheme_grades = ["outstanding"] + ["good"] * (len(schemes) - 1)
    builder.rng.shuffle(scheme_grades)
    return dict(zip(agencies + schemes, grades + scheme_grades, strict=True))


def _urn(builder: Builder) -> str:
    while True:
        n = builder.rng.randint(1000, 9999)
        if n not in builder.urn_numbers:
            builder.urn_numbers.add(n)
            return f"SYN{n}"


def _vacancies(builder: Builder, authority: str, capacity: int) -> int:
    if authority in CONSORTIUM:
        p = 0.13
    elif authority in GREATER_MANCHESTER:
        p = 0.18
    else:
        p = 0.28
    if not builder.chance(p):
        return 0
    if capacity >= 3 and builder.chance(0.2):
        return 3
    if capacity >= 2 and builder.chance(0.35):
        return 2
    return 1


def _new_placement(
    builder: Builder, authority: str, setting: str, specialist: bool, ratings: dict[str, str]
) -> Placement:
    where = short_name(authority)
    point = builder.lsoa(authority)
    specialisms: list[str] = []
    sexes: list[str] | None = None
    urn: str | None = None
    rating: str | None
    if setting == "foster" and specialist:
        provider_name, provider = builder.rng.choice(names.SPECIALIST_FOSTERING_SCHEMES)
        label = f"Specialist foster carers, {where} ({provider_name})"
        place_code = builder.pick({"U6": 3, "U4": 1})
        capacity = builder.pick({1: 3, 2: 2})
        age_min, age_max = builder.rng.choice(((11, 17), (12, 17), (13, 17)))
        specialisms = ["criminal_exploitation", "going_missing"]
        specialisms += [s for s, p in (("sexual_exploitation", 0.5), ("therapeutic", 0.4)) if builder.chance(p)]
        if builder.chance(0.2):
            sexes = [builder.rng.choice(("male", "female"))]
        cost = builder.rng.uniform(1000, 2000)
        rating = ratings[provider_name]
    elif setting == "foster":
        if builder.chance(0.45):
            provider_name, provider = "In-house fostering service", "PR1"
            cost = builder.rng.uniform(450, 750)
            rating = None  # Ofsted inspects a council's fostering within its children's services
        else:
            provider_name, provider = builder.rng.choice(names.FOSTERING_AGENCIES)
            cost = builder.rng.uniform(800, 1200)
            rating = ratings[provider_name]
        label = f"Foster carers, {where} ({provider_name})"
        capacity = builder.pick({1: 30, 2: 40, 3: 24, 4: 6})
        age_min, age_max = builder.rng.choices(
            ((0, 17), (0, 11), (5, 17), (8, 17), (11, 17), (0, 5)), weights=(28, 14, 14, 16, 20, 8)
        )[0]
        # U4 long-term, U6 other; U5 (carers also approved to adopt) only where babies are placed.
        place_code = "U5" if age_max == 5 and builder.chance(0.3) else builder.pick({"U6": 2, "U4": 1})
        for name, p in (("sibling_group", 0.2), ("therapeutic", 0.15), ("disability", 0.08), ("self_harm", 0.08)):
            if builder.chance(p):
                specialisms.append(name)
        if age_max == 17 and builder.chance(0.12):
            specialisms.append("going_missing")
        if capacity == 4 and "sibling_group" not in specialisms:
            specialisms.append("sibling_group")  # over the usual limit of 3: siblings only
        if builder.chance(0.18):
            sexes = [builder.rng.choice(("male", "female"))]
    elif setting == "residential":
        provider_name, provider = builder.rng.choice(names.CHILDRENS_HOME_PROVIDERS)
        label = f"Children's home, {where} ({provider_name})"
        place_code, urn = "K2", _urn(builder)
        capacity = builder.rng.randint(2, 6)
        age_min, age_max = builder.rng.choice(((11, 17), (11, 17), (12, 17), (13, 17)))
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
        specialisms = [name for name, p in offered if builder.chance(p)]
        if builder.chance(0.2):
            sexes = [builder.rng.choice(("male", "female"))]
        cost = builder.rng.uniform(4000, 9000)
        rating = builder.pick({"outstanding": 16, "good": 67, "requires_improvement": 17})
    elif setting == "supported":
        provider_name, provider = builder.rng.choice(names.SUPPORTED_PROVIDERS)
        label = f"Supported accommodation, {where} ({provider_name})"
        place_code, urn = "K3", _urn(builder)
        capacity = builder.rng.randint(2, 6)
        age_min, age_max = 16, 17
        specialisms = [name for name, p in (("going_missing", 0.3), ("drugs_alcohol", 0.2)) if builder.chance(p)]
        if builder.chance(0.25):
            sexes = [builder.rng.choice(("male", "female"))]
        cost = builder.rng.uniform(1000, 2500)
        # Registered with Ofsted since 2023; many not yet inspected.
        rating = builder.pick({"not_inspected": 40, "good": 45, "outstanding": 5, "requires_improvement": 10})
    else:
        provider_name, provider = builder.rng.choice(names.SECURE_PROVIDERS)
        label = f"Secure children's home, {where} ({provider_name})"
        place_code, urn = "K1", _urn(builder)
        capacity = builder.rng.randint(6, 12)
        age_min, age_max = 10, 17
        specialisms = ["deprivation_of_liberty", "remand", "self_harm", "criminal_exploitation"]
        cost = builder.rng.uniform(7000, 12000)
        rating = builder.pick({"outstanding": 1, "good": 3})
    vacancies = 1 if setting == "secure" and builder.chance(0.4) else 0
    if setting != "secure":
        vacancies = _vacancies(builder, authority, capacity)
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
        updated_at=builder.at(ANCHOR - timedelta(days=builder.rng.randint(0, 60))),
    )
