"""Building a `placement-case/1` from stored records.

Stored intelligence past its review date is left out of the case unless the
policy says to use it, and every such omission becomes a warning on the run, so
stale intelligence is never used (or dropped) silently.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from web import models
from web.matching.repositories.placements import PlacementRecord
from web.shared.repositories.intelligence import AreaRecord
from web.shared.services.people import SEX_WORDS, age_on


def _current(review_by: date, as_of: date, use_expired: bool) -> bool:
    return use_expired or review_by >= as_of


def referral_part(
    referral: models.Referral,
    live_codes: Collection[str],
    as_of: date,
    use_expired: bool,
    known_groups: set[str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The `referral` object and warnings about intelligence it leaves out.

    With `known_groups` (the groups the authority may use), a link to any other group (retired,
    or another owner's no longer shared) is left out with a warning.
    """
    warnings: list[str] = []
    people = []
    for yp in referral.young_people:
        groups = []
        for link in yp.group_links:
            if known_groups is not None and link.group.code not in known_groups:
                warnings.append(
                    f"{yp.reference}'s link to the {link.group.label} group was not used: the group is retired "
                    "or no longer shared with your authority; review it."
                )
            elif _current(link.review_by, as_of, use_expired):
                groups.append(link.group.code)
            else:
                warnings.append(
                    f"{yp.reference}'s link to the {link.group.label} group passed its review date "
                    f"({link.review_by.isoformat()}) and was not used; review it."
                )
        person: dict[str, Any] = {
            "id": yp.reference,
            "age": age_on(yp.date_of_birth, as_of),
            "home": {"lat": yp.home_lat, "lon": yp.home_lon},
            "risks": list(yp.risks),
            "groups": groups,
            "avoid_people": [a.person_reference for a in yp.people_to_avoid],
            "risk_locations": [
                {"id": f"RL-{r.id}", "label": r.label, "lat": r.lat, "lon": r.lon, "radius_km": r.radius_km}
                for r in yp.risk_locations
            ],
            "support": [_support(s) for s in yp.support_links],
        }
        if yp.sex in SEX_WORDS:
            person["sex"] = SEX_WORDS[yp.sex]
        people.append(person)
    part: dict[str, Any] = {
        "id": referral.reference,
        "la_code": referral.authority_code,
        "young_people": people,
        "needed_by": referral.needed_by,
        "settings": dict(referral.settings),
        "required_specialisms": list(referral.required_specialisms),
        "preferred_specialisms": list(referral.preferred_specialisms),
        "solo": referral.solo,
        "excluded_placements": [
            {"placement_id": e.placement.code, "reason": e.reason}
            for e in referral.exclusions
            if e.placement.code in live_codes
        ],
    }
    if referral.max_km_from_home is not None:
        part["max_km_from_home"] = referral.max_km_from_home
    if referral.secure_basis and referral.secure_start and referral.secure_end:
        part["secure_accommodation"] = {
            "basis": referral.secure_basis,
            "start": referral.secure_start.isoformat(),
            "end": referral.secure_end.isoformat(),
        }
    if referral.fostering_exemption:
        part["fostering_exemption"] = True
    return part, warnings


def _support(link: models.SupportLink) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": f"S-{link.id}",
        "label": link.label,
        "kind": link.kind,
        "lat": link.lat,
        "lon": link.lon,
        "importance": link.importance,
        "visits_per_month": link.visits_per_month,
    }
    if link.max_km is not None:
        out["max_km"] = link.max_km
    return out


def groups_part(
    groups: list[models.Group],
    rivalries: list[models.Rivalry],
    as_of: date,
    use_expired: bool,
    referral_groups: set[str],
) -> tuple[list[dict[str, Any]], list[str]]:
    """Groups with their current rivals, and warnings for lapsed rivalries of the referral's groups."""
    rivals: dict[str, list[str]] = {g.code: [] for g in groups}
    for r in rivalries:
        if _current(r.review_by, as_of, use_expired):
            rivals[r.group.code].append(r.rival.code)
    warnings = [warning for pair, warning in lapsed_rivalries(rivalries, as_of, use_expired) if referral_groups & pair]
    return [{"id": g.code, "label": g.label, "rivals": sorted(rivals[g.code])} for g in groups], warnings


def lapsed_rivalries(
    rivalries: list[models.Rivalry], as_of: date, use_expired: bool
) -> list[tuple[frozenset[str], str]]:
    """Each rivalry left out for being past its review date: its two groups, and the warning
    a referral linked to either of them carries (kept with a prepared world, worded once)."""
    return [
        (
            frozenset((r.group.code, r.rival.code)),
            f"The rivalry between the {r.group.label} and {r.rival.label} groups passed its review date "
            f"({r.review_by.isoformat()}) and was not used; review it.",
        )
        for r in rivalries
        if not _current(r.review_by, as_of, use_expired)
    ]


def areas_part(areas: Sequence[AreaRecord], known_groups: set[str] | None = None) -> list[dict[str, Any]]:
    """Areas with their review date (the engine itself leaves out expired ones and warns).

    With `known_groups`, an area's link to a group the authority may not use is left out:
    the area still counts for its severity, but not as linked to a group nobody here can see.
    """
    out = []
    for a in areas:
        item: dict[str, Any] = {
            "id": a.code,
            "label": a.label,
            "kind": a.kind,
            "lat": a.lat,
            "lon": a.lon,
            "radius_km": a.radius_km,
            "groups": [g.code for g in a.groups if known_groups is None or g.code in known_groups],
            "severity": a.severity,
            "review_by": a.review_by.isoformat(),
        }
        if a.polygon is not None:
            # A polygon area: its buffers count from the polygon's edge, not from (lat, lon).
            item["polygon"] = a.polygon
        out.append(item)
    return out


def placements_part(placements: Sequence[PlacementRecord]) -> list[dict[str, Any]]:
    out = []
    for p in placements:
        item: dict[str, Any] = {
            "id": p.code,
            "label": p.label,
            "setting": p.setting,
            "lat": p.lat,
            "lon": p.lon,
            "vacancies": p.vacancies,
            "capacity": p.capacity,
            "age_min": p.age_min,
            "age_max": p.age_max,
            "specialisms": list(p.specialisms),
            "specialist": p.specialist,
            "residents": [r.person_reference for r in p.residents],
            "fostering_exemption": bool(p.fostering_exemption),
            "connected_person": bool(p.connected_person),
        }
        optional = {
            "place_code": p.place_code,
            "provider": p.provider,
            "urn": p.urn,
            "la_code": p.authority_code,
            "sexes": p.sexes,
            "ofsted_rating": p.ofsted_rating,
            "weekly_cost": p.weekly_cost,
            "approved_by": p.approved_by,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        out.append(item)
    return out
