"""Who lives where: the demo's children in care in their placements, and the other residents.

Children on placed referrals and other looked-after children live in a placement that
takes them, most often near home; invented residents ("RES-0001", not in the demo's
records) fill the other occupied places, so most placements are full.
"""

from __future__ import annotations

import math
from datetime import timedelta

from web.demo.services.builder import Builder, Child
from web.demo.services.drawing import ANCHOR, km
from web.models import CurrentResident, Placement


def _takes(placement: Placement, child: Child) -> bool:
    sex = "male" if child.person.sex == "1" else "female"
    return (
        placement.age_min <= child.age <= placement.age_max
        and (placement.sexes is None or sex in placement.sexes)
        and placement.setting != "secure"
    )


def house_children(builder: Builder) -> None:
    """Children in care (placed referrals and other looked-after children) live somewhere."""
    free = {p.code: p.capacity - p.vacancies for p in builder.placements if p.status == "active"}
    by_code = {p.code: p for p in builder.placements}
    for child in builder.children:
        if child.role not in ("placed", "looked_after"):
            continue
        options = [by_code[code] for code, n in free.items() if n > 0 and _takes(by_code[code], child)]
        weights = [math.exp(-km(child.home, (p.lat, p.lon)) / 25.0) + 0.03 for p in options]
        placement = builder.rng.choices(options, weights=weights)[0]
        free[placement.code] -= 1
        child.placement = placement
        since = ANCHOR - timedelta(days=builder.rng.randint(14, 700))
        placement.residents.append(CurrentResident(person_reference=child.person.reference, since=since))


def fill_residents(builder: Builder) -> None:
    """Other children (not in the demo's records) fill the remaining occupied places."""
    n = 0
    for placement in builder.placements:
        while len(placement.residents) < placement.capacity - placement.vacancies:
            n += 1
            since = ANCHOR - timedelta(days=builder.rng.randint(7, 1000))
            placement.residents.append(CurrentResident(person_reference=f"RES-{n:04d}", since=since))
        placement.residents.sort(key=lambda r: r.since)
        builder.residents[placement.code] = [r.person_reference for r in placement.residents]
