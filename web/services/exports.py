"""Exports: SSDA903-style episodes with DfE's derived fields, and Placements Standard v2 records.

Three files, each for one authority:

- ``ssda903-episodes``: an Episodes table (CSV, dates dd/mm/yyyy) of the imported care
  episodes and of the decisions approved or awaiting approval, with PL_DISTANCE and
  PL_LOCATION. For a decision, HOME_POST is the young person's home postcode and PL_POST
  the placement's; the distance comes from their grid references when both are in the
  postcode table, else from the stored coordinates (DISTANCE_FROM says which).
- ``ps-referrals``: the authority's referrals as Placements Standard v2 records (JSON), in
  the form the Placements Standard import reads back.
- ``ps-placements``: the standing decisions as Placements Standard v2 ActualPlacement records.

Only admins export; every export is audited (kind and counts, never the contents).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from planner.case import SETTINGS
from planner.dfe import miles_from_coordinates, placement_location
from web import db
from web.models import CareEpisode, Decision, Postcode, Referral, YoungPerson
from web.repositories import care_episodes as episode_repository
from web.repositories import exports as repository
from web.repositories import imports as import_repository
from web.services import audit
from web.services.accounts import SignedInUser
from web.services.errors import Forbidden, NotFound
from web.services.imports.placements_standard import (
    DEFAULT_SECURE,
    NEEDED_BY_WORDS,
    NO_KNOWN_RISK,
    NO_PREFERENCE,
    RISK_FIELDS,
    RISK_PRESENT,
    SETTING_FIELDS,
    SOLO,
    SUITABILITY_WORDS,
    THERAPEUTIC,
)
from web.services.imports.ssda903 import child_id, distance_between
from web.services.postcodes import compact, display

EXPORT_ROLES = ("admin",)
EPISODE_COLUMNS = (
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
    "HOME_POST", "PL_POST", "URN", "PL_DISTANCE", "PL_LOCATION", "SOURCE", "DISTANCE_FROM",
)  # fmt: skip
# Our setting -> the standard's Placement Type (a secure children's home is residential care).
PLACEMENT_TYPES = {
    "foster": "Foster",
    "residential": "Residential",
    "supported": "Supported Accommodation",
    "secure": "Residential",
}
STANDARD = {"title": "Placements Data Standard", "version": "v2"}


@dataclass(frozen=True)
class ExportKind:
    name: str
    title: str
    description: str
    filename: str  # without the date
    extension: str
    mimetype: str


KINDS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        ExportKind(
            "ssda903-episodes",
            "SSDA903 episodes with placement distance",
            "Imported care episodes and the decisions approved or awaiting approval, as an SSDA903 "
            "Episodes table with the DfE's PL_DISTANCE (miles) and PL_LOCATION (IN or OUT of your area).",
            "ssda903-episodes",
            "csv",
            "text/csv",
        ),
        ExportKind(
            "ps-referrals",
            "Placements Standard v2 referrals",
            "Every referral as a Placements Standard v2 record: urgency, siblings, setting suitability, "
            "risks and locations to avoid. The Placements Standard import reads this file back.",
            "ps-referrals",
            "json",
            "application/json",
        ),
        ExportKind(
            "ps-placements",
            "Placements Standard v2 placements",
            "Decisions approved or awaiting approval as Placements Standard v2 ActualPlacement records: "
            "weekly cost, location, provider URN, siblings placed together and placement type.",
            "ps-placements",
            "json",
            "application/json",
        ),
    )
}


@dataclass(frozen=True)
class ExportFile:
    kind: str
    filename: str
    mimetype: str
    content: str
    rows: int


def kinds() -> list[ExportKind]:
    return list(KINDS.values())


def require_exporter(user: SignedInUser) -> None:
    if user.role not in EXPORT_ROLES:
        raise Forbidden("only an admin may export")


def export_for(user: SignedInUser, kind: str) -> ExportFile:
    """The file of `kind` for the user's authority, its export audited and committed."""
    require_exporter(user)
    return _export(kind, user.authority_code, user.id)


def export_from_command_line(kind: str, authority_code: str) -> ExportFile:
    """The file of `kind` for an authority (the command line: no signed-in user), audited."""
    if episode_repository.get_authority(authority_code) is None:
        raise NotFound(f"no authority with the code {authority_code!r}")
    return _export(kind, authority_code, None)


def _export(kind: str, authority_code: str, user_id: int | None) -> ExportFile:
    found = KINDS.get(kind)
    if found is None:
        raise NotFound(f"no export called {kind!r}")
    if kind == "ssda903-episodes":
        rows = episode_rows(authority_code)
        content, count = episodes_csv(rows), len(rows)
    elif kind == "ps-referrals":
        records = referral_records(authority_code)
        content, count = _json(records), len(records)
    else:
        records = placement_records(authority_code)
        content, count = _json(records), len(records)
    audit.record(
        user_id, "export", "export", kind, detail=f"{authority_code}: {count} rows", authority_code=authority_code
    )
    db.commit()
    filename = f"{found.filename}-{authority_code}-{datetime.now():%Y%m%d}.{found.extension}"
    return ExportFile(kind, filename, found.mimetype, content, count)


def _json(records: list[dict[str, Any]]) -> str:
    return json.dumps({**STANDARD, "records": records}, indent=2, ensure_ascii=False) + "\n"


# SSDA903 episodes


def _dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day is not None else ""


def _miles(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else ""


def episode_rows(authority_code: str) -> list[dict[str, str]]:
    """The Episodes rows: stored episodes, then standing decisions not already stored, by CHILD and DECOM."""
    stored = episode_repository.list_for_authority(authority_code)
    rows = [_stored_row(authority_code, e) for e in stored]
    recorded = {e.decision_id for e in stored if e.decision_id is not None}
    decisions = [d for d in repository.standing_decisions(authority_code) if d.id not in recorded]
    postcodes = _postcodes(
        code for d in decisions for code in [d.placement.postcode, *(p.home_postcode for p in d.referral.young_people)]
    )
    for decision in decisions:
        for person in decision.referral.young_people:
            rows.append(_decision_row(authority_code, decision, person, postcodes))
    return sorted(rows, key=lambda r: (r["CHILD"], _sort_date(r["DECOM"]), r["SOURCE"]))


def _sort_date(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date() if text else date.min


def _postcodes(codes: Iterable[str | None]) -> dict[str, Postcode]:
    return import_repository.postcodes_by_code(compact(c) for c in codes if c)


def _stored_row(authority_code: str, episode: CareEpisode) -> dict[str, str]:
    return {
        "CHILD": child_id(authority_code, episode.young_person.reference),
        "DECOM": _dmy(episode.start),
        "RNE": episode.reason_new_episode or "",
        "LS": episode.legal_status or "",
        "CIN": episode.category_of_need or "",
        "PLACE": episode.place,
        "PLACE_PROVIDER": episode.place_provider or "",
        "DEC": _dmy(episode.end),
        "REC": episode.reason_ceased or "",
        "REASON_PLACE_CHANGE": episode.reason_place_change or "",
        "HOME_POST": episode.home_postcode or "",
        "PL_POST": episode.placement_postcode or "",
        "URN": episode.urn or "",
        "PL_DISTANCE": _miles(episode.distance_miles),
        "PL_LOCATION": episode.location or "",
        "SOURCE": episode.source,
        "DISTANCE_FROM": "postcodes" if episode.distance_miles is not None else "",
    }


def _decision_row(
    authority_code: str, decision: Decision, person: YoungPerson, postcodes: dict[str, Postcode]
) -> dict[str, str]:
    placement = decision.placement
    home = postcodes.get(compact(person.home_postcode)) if person.home_postcode else None
    placed = postcodes.get(compact(placement.postcode)) if placement.postcode else None
    by_postcode = distance_between(home, placed)
    if by_postcode is not None:
        miles, basis = by_postcode, "postcodes"
    else:
        miles = miles_from_coordinates(person.home_lat, person.home_lon, placement.lat, placement.lon)
        basis = "coordinates"
    placement_authority = placement.authority_code or (placed.authority_code if placed is not None else None)
    return {
        "CHILD": child_id(authority_code, person.reference),
        "DECOM": _dmy(decision.start_date),
        "RNE": "",
        "LS": "",
        "CIN": "",
        "PLACE": placement.place_code or "",
        "PLACE_PROVIDER": placement.provider or "",
        "DEC": "",
        "REC": "",
        "REASON_PLACE_CHANGE": "",
        "HOME_POST": display(person.home_postcode) if person.home_postcode else "",
        "PL_POST": display(placement.postcode) if placement.postcode else "",
        "URN": placement.urn or "",
        "PL_DISTANCE": _miles(miles),
        "PL_LOCATION": placement_location(decision.referral.authority_code, placement_authority)
        if placement_authority
        else "",
        "SOURCE": f"decision {decision.status.replace('_', ' ')}",
        "DISTANCE_FROM": basis,
    }


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def episodes_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EPISODE_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in EPISODE_COLUMNS])
    return buffer.getvalue()


# Placements Standard v2


def _availability(authority_code: str, referral: Referral) -> dict[str, Any]:
    people = list(referral.young_people)
    first, others = people[0], people[1:]
    return {
        "childId": child_id(authority_code, first.reference),
        "neededBy": NEEDED_BY_WORDS.get(referral.needed_by, referral.needed_by),
        "siblingCount": len(others),
        "siblingIds": [child_id(authority_code, p.reference) for p in others],
    }


def referral_records(authority_code: str) -> list[dict[str, Any]]:
    """Each referral with young people as one record: the first child, the rest as siblings."""
    records = []
    for referral in repository.referrals(authority_code):
        if not referral.young_people:
            continue
        child = referral.young_people[0]
        stored = referral.settings or {}
        suitability = {
            SETTING_FIELDS[s]: SUITABILITY_WORDS[stored.get(s, DEFAULT_SECURE if s == "secure" else "suitable")]
            for s in SETTINGS
        }
        risks = set(child.risks or [])
        records.append(
            {
                "referralId": referral.reference,
                "status": referral.status,
                "PlacementAvailability": _availability(authority_code, referral),
                "PlacementRequirements": {
                    "livingCompanions": SOLO if referral.solo else NO_PREFERENCE,
                    "deprivationOfLiberty": "deprivation_of_liberty" in (referral.required_specialisms or []),
                    "additionalSupport": THERAPEUTIC
                    if "therapeutic" in (referral.preferred_specialisms or [])
                    else "NA",
                },
                "PlacementRecommendation": suitability,
                "Risks": {name: RISK_PRESENT if code in risks else NO_KNOWN_RISK for name, code in RISK_FIELDS.items()},
                "locationsToAvoid": [
                    {"description": r.label, "lat": r.lat, "lon": r.lon, "radiusKm": r.radius_km}
                    for r in child.risk_locations
                ],
                "QualityAssurance": {"referralDate": referral.created_at.date().isoformat()},
            }
        )
    return records


def placement_records(authority_code: str) -> list[dict[str, Any]]:
    """Each standing decision as the standard's ActualPlacement, with the child's availability."""
    records = []
    for decision in repository.standing_decisions(authority_code):
        referral, placement = decision.referral, decision.placement
        if not referral.young_people:
            continue
        location = display(placement.postcode) if placement.postcode else placement.label
        records.append(
            {
                "referralId": referral.reference,
                "decisionStatus": decision.status,
                "PlacementAvailability": _availability(authority_code, referral),
                "ActualPlacement": {
                    "totalWeeklyCost": round(placement.weekly_cost) if placement.weekly_cost is not None else None,
                    "placementLocation": location,
                    "preferabilityLocation": None,
                    "educationContinuity": None,
                    "providerURN": placement.urn,
                    "siblingsPlacedTogether": len(referral.young_people) if len(referral.young_people) > 1 else 0,
                    "placementType": PLACEMENT_TYPES.get(placement.setting, placement.setting),
                },
                "QualityAssurance": {
                    "referralDate": referral.created_at.date().isoformat(),
                    "placementDate": decision.decided_at.date().isoformat(),
                    "startDate": decision.start_date.isoformat(),
                },
            }
        )
    return records
