"""Exports: SSDA903-style episodes with DfE's derived fields, and placement standards' records.

Four files, each for one authority:

- ``ssda903-episodes``: an Episodes table (CSV, dates dd/mm/yyyy) of the imported care
  episodes and of the decisions approved or awaiting approval, with PL_DISTANCE and
  PL_LOCATION. For a decision, HOME_POST is the young person's home postcode and PL_POST
  the placement's; the distance comes from their grid references when both are in the
  postcode lookup (an imported ONSPD edition, else the packaged directory), else from
  the stored coordinates (DISTANCE_FROM says which).
- ``ps-referrals``: the authority's referrals as Placements Standard v2 records (JSON), in
  the form the Placements Standard import reads back.
- ``ps-placements``: the standing decisions as Placements Standard v2 ActualPlacement records.
- ``nps-placements``: every referral, with the placement arranged for it where a decision
  stands, as National Placement Standard v01 JSON-LD; checked against the standard's SHACL
  shapes before it is written (a record that fails stops the export, naming it and the
  field; warnings are allowed). The NPS import reads it back unchanged.

Only admins export; every export is audited (kind and counts, never the contents).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from planner.case import SETTINGS
from planner.dfe import miles_from_coordinates, placement_location
from planner.postcode_lookup import PostcodeRecord
from web import db
from web.accounts.services.accounts import ROLE_NAMES, SignedInUser
from web.casework.repositories import care_episodes as episode_repository
from web.data_exchange.repositories import exports as repository
from web.data_exchange.services import nps_standard as nps
from web.data_exchange.services.imports import nps as nps_import
from web.data_exchange.services.imports.placements_standard import (
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
from web.data_exchange.services.imports.ssda903 import child_id, distance_between
from web.jobs.services import jobs
from web.models import CareEpisode, Decision, Referral, YoungPerson
from web.shared.services import audit
from web.shared.services import postcodes as postcode_service
from web.shared.services.errors import Forbidden, InvalidInput, NotFound
from web.shared.services.postcodes import compact, display

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
            "risks and locations to avoid. The Placements Standard import reads this file back. Superseded by "
            "the National Placement Standard v01 below: kept for systems still reading v2.",
            "ps-referrals",
            "json",
            "application/json",
        ),
        ExportKind(
            "ps-placements",
            "Placements Standard v2 placements",
            "Decisions approved or awaiting approval as Placements Standard v2 ActualPlacement records: "
            "weekly cost, location, provider URN, siblings placed together and placement type. Superseded by "
            "the National Placement Standard v01 below: kept for systems still reading v2.",
            "ps-placements",
            "json",
            "application/json",
        ),
        ExportKind(
            "nps-placements",
            "National Placement Standard v01 referrals and placements",
            "Every referral, with the placement arranged for it where a decision is approved or awaiting "
            "approval, as National Placement Standard v01 (June 2026) JSON-LD, checked against the standard's "
            "SHACL shapes before it is written. Officers are named by role, never by name. The National "
            "Placement Standard import reads this file back unchanged.",
            "nps-placements",
            "jsonld",
            "application/ld+json",
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
    elif kind == "nps-placements":
        document = nps_document(authority_code)
        content, count = json.dumps(document, indent=2, ensure_ascii=False) + "\n", len(document["@graph"])
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


def _postcodes(codes: Iterable[str | None]) -> dict[str, PostcodeRecord]:
    return postcode_service.find_many(c for c in codes if c)


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
    authority_code: str, decision: Decision, person: YoungPerson, postcodes: dict[str, PostcodeRecord]
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


# National Placement Standard v01

# Our setting -> the standard's placement type concept (a secure children's home is residential care).
NPS_PLACEMENT_TYPES = {
    "foster": "Foster",
    "residential": "Residential",
    "supported": "SupportedAccommodation",
    "secure": "Residential",
}
# qualityAssurance.placementOfficerName is required; staff names are personal data, so the
# export gives the recording officer's role (decision 0022), or this where no decision stands.
NO_OFFICER = "Not recorded"
NPS_NODE = "urn:care-placement-planner:{authority}:referral:{reference}"
# What to do about a value the standard requires that a placement may lack.
_NPS_HINTS = {
    "providerURN": " (record the placement's Ofsted URN)",
    "placementLocation": " (record the placement's postcode)",
    "totalWeeklyCost": " (record the placement's weekly cost)",
}


def nps_document(authority_code: str) -> dict[str, Any]:
    """Every referral of the authority as a v01 record, in a JSON-LD document that meets the shapes.

    InvalidInput (naming each record by its placementId, and the field) when a record does not;
    the standard's warnings (a weekly cost outside £100 to £100,000) are allowed.
    """
    standing: dict[int, Decision] = {}
    for decision in repository.standing_decisions(authority_code):
        standing[decision.referral_id] = decision  # oldest first: the latest start wins
    records = [
        nps_record(authority_code, referral, standing.get(referral.id))
        for referral in repository.referrals(authority_code)
        if referral.young_people
    ]
    document = nps.document(records)
    ids = {}
    for number, record in enumerate(records, start=1):
        ids[record["@id"]] = number
        ids.update({f"{record['@id']}/{section}": number for section in nps.SECTIONS})
    problems = [
        f"{records[f.record - 1]['placementId'] if f.record else 'The file'}: {f.field or 'record'}: {f.message}"
        + _NPS_HINTS.get(f.field or "", "")
        for f in nps.validate(nps.graph_of(document), ids)
        if not f.warning
    ]
    if problems:
        raise InvalidInput(problems)
    return document


def _outward(postcode: str | None) -> str | None:
    code = compact(postcode) if postcode else ""
    return code[:-3] if len(code) > 3 else None


def _money(value: float) -> str:
    return nps.decimal_text(Decimal(repr(value)).quantize(Decimal("0.01")))


def nps_record(authority_code: str, referral: Referral, decision: Decision | None) -> dict[str, Any]:
    """One referral as the standard's Placement record: our fields, then what an import kept."""
    kept = nps_import.effective_fields(referral, decision is not None)
    people = list(referral.young_people)
    child, others = people[0], people[1:]
    node = NPS_NODE.format(authority=authority_code, reference=referral.reference)

    def concept(field: str, name: str) -> str:
        return nps.concept(field, name)

    def answer(name: str) -> Any:
        return kept.get(name, nps_import.DEFAULTS.get(name))

    availability: dict[str, Any] = {
        "@id": f"{node}/placementAvailability",
        "@type": "PlacementAvailability",
        "neededBy": concept("neededBy", nps_import.NEEDED_BY_CONCEPTS[referral.needed_by]),
        "siblingCount": kept.get("siblingCount", len(others)),
        "isPreferredLocationLocal": answer("isPreferredLocationLocal"),
    }
    if "outOfLAReason" in kept:
        availability["outOfLAReason"] = concept("outOfLAReason", kept["outOfLAReason"])
    if "outOfLAReasonOther" in kept:
        availability["outOfLAReasonOther"] = kept["outOfLAReasonOther"]
    if others:
        availability["siblingIds"] = [child_id(authority_code, p.reference) for p in others]

    therapeutic = "therapeutic" in (referral.preferred_specialisms or [])
    support = sorted({*kept.get("additionalSupport", []), *([nps_import.THERAPEUTIC] if therapeutic else [])})
    requirements: dict[str, Any] = {
        "@id": f"{node}/placementRequirements",
        "@type": "PlacementRequirements",
        "communicationNeeds": concept("communicationNeeds", answer("communicationNeeds")),
        "specificCommunicationRequirement": [
            concept("specificCommunicationRequirement", n) for n in answer("specificCommunicationRequirement")
        ],
        "culturalNeeds": concept("culturalNeeds", answer("culturalNeeds")),
        "livingCompanions": concept(
            "livingCompanions", nps_import.SOLO if referral.solo else answer("livingCompanions")
        ),
        "pets": concept("pets", answer("pets")),
        "deprivationOfLiberty": "deprivation_of_liberty" in (referral.required_specialisms or []),
    }
    if support:
        requirements["additionalSupport"] = [concept("additionalSupport", n) for n in support]
    for name in ("specificCommunicationRequirementOther", "culturalNeedsOther", "additionalSupportOther"):
        if name in kept:
            requirements[name] = kept[name]
    if "homeAdaptationRequired" in kept:
        requirements["homeAdaptationRequired"] = kept["homeAdaptationRequired"]

    settings = referral.settings or {}
    recommendation: dict[str, Any] = {"@id": f"{node}/placementRecommendation", "@type": "PlacementRecommendation"}
    for setting in SETTINGS:
        value = settings.get(setting, DEFAULT_SECURE if setting == "secure" else "suitable")
        name = (
            nps_import.NOT_SPECIFIED
            if value == "suitable" and setting in kept.get("notSpecified", [])
            else nps_import.SUITABILITY_CONCEPTS[value]
        )
        recommendation[SETTING_FIELDS[setting]] = concept(SETTING_FIELDS[setting], name)

    risks = set(child.risks or [])
    assessment: dict[str, Any] = {"@id": f"{node}/riskAssessment", "@type": "RiskAssessment"}
    for name, code in RISK_FIELDS.items():
        assessment[name] = concept(name, nps_import.RISK_PRESENT if code in risks else nps_import.NO_KNOWN_RISK)
    for name in nps_import.UNMAPPED_RISKS:
        assessment[name] = concept(name, answer(name))

    referral_day = referral.created_at.date().isoformat()
    quality: dict[str, Any] = {
        "@id": f"{node}/qualityAssurance",
        "@type": "QualityAssurance",
        "referralDate": referral_day,
    }
    record: dict[str, Any] = {
        "@id": node,
        "@type": "Placement",
        "childId": child_id(authority_code, child.reference),
        "placementId": referral.reference,
        "placementAvailability": availability,
        "placementRequirements": requirements,
        "placementRecommendation": recommendation,
        "riskAssessment": assessment,
    }
    if decision is not None:
        record["actualPlacement"] = _nps_actual(node, decision, len(others))
        day = decision.decided_at.date().isoformat()
        quality.update(
            placementDate=day,
            placementOfficerName=ROLE_NAMES.get(decision.decided_by.role, decision.decided_by.role),
            costDate=day,
        )
    else:
        if "actualPlacement" in kept:
            record["actualPlacement"] = _kept_actual(node, kept["actualPlacement"])
        quality.update(
            placementDate=kept.get("placementDate", referral_day),
            placementOfficerName=NO_OFFICER,
            costDate=kept.get("costDate", referral_day),
        )
    record["qualityAssurance"] = quality
    if child.risk_locations:
        record["locationsToAvoid"] = [
            {
                "@type": "LocationToAvoid",
                "label": r.label,
                "lat": nps.decimal_text(r.lat),
                "lon": nps.decimal_text(r.lon),
                "radiusKm": nps.decimal_text(r.radius_km),
            }
            for r in child.risk_locations
        ]
    return record


def _nps_actual(node: str, decision: Decision, siblings: int) -> dict[str, Any]:
    """The placement a standing decision arranged, as the standard's ActualPlacement."""
    placement = decision.placement
    actual: dict[str, Any] = {
        "@id": f"{node}/actualPlacement",
        "@type": "ActualPlacement",
        "placementType": nps.concept("placementType", NPS_PLACEMENT_TYPES[placement.setting]),
        # Our preferred location is near home: out of area or at a distance is not it.
        "isLocationPreferred": not (decision.out_of_area or decision.at_a_distance),
        # Regulation 10 approval is needed exactly when the move disrupts education in year 10 or 11.
        "isEducationContinuous": not decision.needs_education_approval,
        "siblingsPlacedTogether": siblings,
    }
    # Left out when unknown: the shapes then refuse the export, naming the field.
    if placement.urn:
        actual["providerURN"] = placement.urn
    if outward := _outward(placement.postcode):
        actual["placementLocation"] = outward
    if placement.weekly_cost is not None:
        actual["totalWeeklyCost"] = _money(placement.weekly_cost)
    return actual


def _kept_actual(node: str, kept: dict[str, Any]) -> dict[str, Any]:
    actual = {"@id": f"{node}/actualPlacement", "@type": "ActualPlacement", **kept}
    if "placementType" in kept:
        actual["placementType"] = nps.concept("placementType", kept["placementType"])
    return actual


@jobs.handler("export", "Export")
def export_job(user: SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
    """An export as a job: the file is kept on the job for the person who asked (its export audited)."""
    progress(10, "Reading the records")
    found = export_for(user, str(params.get("kind", "")))
    return jobs.Outcome(
        result={"rows": found.rows}, file=(found.filename, found.mimetype, found.content.encode("utf-8"))
    )


def start_export(user: SignedInUser, kind: str) -> int:
    """Queue an export of `kind` for the user's authority; the job's id."""
    require_exporter(user)
    if kind not in KINDS:
        raise NotFound(f"no export called {kind!r}")
    return jobs.start(user, "export", {"kind": kind})
