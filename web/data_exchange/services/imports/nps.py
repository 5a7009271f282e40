"""The National Placement Standard v01 import: JSON-LD records (or the standard's CSV) onto referrals.

Every record is first checked against the standard's own SHACL shapes (pyshacl, the shapes
derived into data/reference/), warnings included, as the standard's validator does: a record
that fails is refused with the field named. Then its answers map onto ours (see
docs/decisions/0022-national-placement-standard-mapping.md):

- urgency onto `needed_by`, setting suitability onto `Referral.settings` ("Not specified"
  reads as suitable and is remembered), a solo placement onto `solo`, a Deprivation of
  Liberty order and therapeutic support onto the specialisms, "Risk Present" onto the
  child's risks (added, never removed);
- the answers we have no column for (communication, cultural needs, pets, home adaptation,
  out-of-area reason, other support, living companions other than solo, the placement as
  arranged when we hold no decision for it, the QA dates) are kept on the referral
  (`Referral.nps_fields`) so the export writes them back unchanged;
- our extension (`siblingIds`, `secureCareSuitability`, `locationsToAvoid`) is read back too.

Staff names in qualityAssurance are not stored. Importing the export of the same authority
changes nothing: a record whose referral already says the same is counted as unchanged (a
placed or closed referral, or one a decision holds a place for, is refused only if the
record would change it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from planner.case import RISKS, SETTINGS
from planner.json_input import JsonInputError, load_json
from web.casework.repositories import care_episodes as people_repository
from web.casework.repositories import referrals as referral_repository
from web.data_exchange.services import nps_standard as standard
from web.data_exchange.services.imports.base import FileSpec, ImportContext, Loaded, Problems, decode
from web.data_exchange.services.imports.placements_standard import (
    _REFERENCE,
    DEFAULT_SECURE,
    MAX_RECORDS,
    RISK_FIELDS,
    SETTING_FIELDS,
)
from web.data_exchange.services.imports.ssda903 import child_reference
from web.models import Referral, RiskLocation, YoungPerson

KIND = "nps"
SOURCE = "National Placement Standard v01 import"
NEEDED_BY = {"Today": "today", "WithinFiveDays": "within_5_days", "MoreThanFiveDays": "later"}
NEEDED_BY_CONCEPTS = {ours: theirs for theirs, ours in NEEDED_BY.items()}
SUITABILITY = {"Preferred": "preferred", "SuitableButNotPreferred": "suitable", "Unsuitable": "unsuitable"}
SUITABILITY_CONCEPTS = {ours: theirs for theirs, ours in SUITABILITY.items()}
# The standard lets a worker leave a setting open; we read it as suitable and remember it.
NOT_SPECIFIED = "NotSpecified"
SOLO = "SoloPlacement"
THERAPEUTIC = "TherapeuticSupport"
NOT_APPLICABLE = "NotApplicable"
RISK_PRESENT = "RiskPresent"
NO_KNOWN_RISK = "NoKnownRisk"
# Standard risks we have no code for: kept in nps_fields.
UNMAPPED_RISKS = ("riskToOthersCriminal",)
# What the export writes for a field nps_fields does not hold (our referral form does not ask):
# a record that says the same is not stored, so nps_fields holds only what differs.
DEFAULTS: dict[str, Any] = {
    "isPreferredLocationLocal": True,
    "communicationNeeds": "NotSpecified",
    "specificCommunicationRequirement": ["None"],
    "culturalNeeds": "NotKnown",
    "livingCompanions": "NoPreference",
    "pets": "NotKnown",
    "riskToOthersCriminal": NO_KNOWN_RISK,
}
KEPT_FIELDS = (
    "isPreferredLocationLocal",
    "outOfLAReason",
    "outOfLAReasonOther",
    "communicationNeeds",
    "specificCommunicationRequirement",
    "specificCommunicationRequirementOther",
    "homeAdaptationRequired",
    "culturalNeeds",
    "culturalNeedsOther",
    "livingCompanions",
    "pets",
    "additionalSupportOther",
    "riskToOthersCriminal",
    "placementDate",
    "costDate",
)
ACTUAL_FIELDS = (
    "placementType",
    "providerURN",
    "placementLocation",
    "isLocationPreferred",
    "isEducationContinuous",
    "siblingsPlacedTogether",
    "totalWeeklyCost",
    "coreWeeklyCost",
    "additionalSupportWeeklyCost",
    "educationWeeklyCost",
    "otherWeeklyCost",
)
MAX_RADIUS_KM = 50.0
# What a standing decision says for itself (the placement arranged, when it was recorded).
_DECISION_FIELDS = ("actualPlacement", "placementDate", "costDate")


class NpsImporter:
    kind = KIND
    label = "National Placement Standard v01 records"
    description = (
        "Reads referral and placement records written to the National Placement Standard v01 (June 2026): "
        "JSON-LD as the standard defines it, or its CSV form (the reporting spreadsheet's Data Collection "
        "columns). Every record is checked against the standard's SHACL shapes first, warnings included. "
        "Each record becomes an open referral for a young person already recorded in your authority (matched "
        "by childId); importing a record with the same placementId again updates that referral. Answers the "
        "planner has no field for are kept with the referral and exported unchanged; officers' names are not kept."
    )
    roles = ("placement_officer", "admin")
    files = (
        FileSpec(
            "file",
            "National Placement Standard v01 records (JSON-LD or CSV)",
            extensions=(".jsonld", ".json", ".csv"),
            hint='A Placement record, a list of them, or {"@graph": [...]}; or the standard\'s CSV columns',
        ),
    )

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        return _Load(context).run(files["file"])


IMPORTER = NpsImporter()


@dataclass
class _Place:
    label: str
    lat: float
    lon: float
    radius_km: float


@dataclass
class _Record:
    number: int
    reference: str
    child: YoungPerson
    siblings: list[YoungPerson]
    needed_by: str
    settings: dict[str, str]
    solo: bool
    # None where the record does not say, so a stored referral keeps what it has.
    deprivation_of_liberty: bool | None
    therapeutic: bool | None
    risks: list[str]
    created_at: datetime
    kept: dict[str, Any]
    avoid: list[_Place] = field(default_factory=list)


def records_of(document: Any) -> list[Any] | None:
    """The records of a JSON-LD document: {"@graph": [...]}, a list, or one record; None otherwise."""
    if isinstance(document, dict) and isinstance(document.get("@graph"), list):
        return list(document["@graph"])
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and ("childId" in document or document.get("@type") == "Placement"):
        return [document]
    return None


class _Load:
    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.problems = Problems()
        # For a CSV file: record number -> its row as a spreadsheet numbers it (the header is row 1).
        self.sheet_rows: dict[int, int] = {}

    def problem(self, number: int | None, name: str | None, message: str) -> None:
        if number is not None and number in self.sheet_rows:
            row = self.sheet_rows[number]
            self.problems.add("file", row, name, f"Row {row}: {message}")
            return
        where = f"Record {number}: " if number is not None else ""
        self.problems.add("file", number, name, where + message)

    def run(self, data: bytes) -> Loaded:
        try:
            text = decode(data)
        except UnicodeDecodeError:
            self.problem(None, None, "The file is not UTF-8 text")
            return self.problems.loaded(0, {})
        records = self._json_records(text) if text.lstrip()[:1] in ("{", "[") else self._csv_records(text)
        if records is None or self.problems:
            return self.problems.loaded(len(records or []), {})
        if len(records) > MAX_RECORDS:
            self.problem(None, None, f"The file holds more than {MAX_RECORDS} records: split it")
            return self.problems.loaded(0, {})
        fields = self._validated(records)
        if fields is None:
            return self.problems.loaded(len(records), {})
        checked = self._check_all(fields)
        if self.problems:
            return self.problems.loaded(len(records), {})
        return self._write(checked, len(records))

    def _json_records(self, text: str) -> list[Any] | None:
        try:
            # Numbers as written (1500.00 stays 1500.00): see nps_standard.prepare. The shared
            # reader refuses deep nesting, repeated keys and NaN (planner/json_input.py).
            document = load_json(text, decimals=True)
        except JsonInputError as error:
            self.problem(None, None, f"The file is not a National Placement Standard document: {error}")
            return None
        records = records_of(document)
        if records is None:
            self.problem(None, None, 'The file must hold a Placement record, a list of them, or {"@graph": [...]}')
        return records

    def _csv_records(self, text: str) -> list[Any] | None:
        from web.data_exchange.services.imports import nps_csv

        records, problems, rows = nps_csv.records_from_csv(text)
        for row, column, message in problems:
            self.problems.add("file", row, column, (f"Row {row}: " if row is not None else "") + message)
        self.sheet_rows = {number: row for number, row in enumerate(rows, start=1)}
        return records

    def _validated(self, records: list[Any]) -> list[tuple[int, dict[str, Any]]] | None:
        """Each record's fields as the standard reads them, or None (problems recorded) if any fails SHACL."""
        ids: dict[str, int] = {}
        prepared: list[dict[str, Any]] = []
        for number, record in enumerate(records, start=1):
            ready, findings = standard.prepare(record, number, ids)
            for finding in findings:
                self.problem(finding.record, finding.field, finding.message)
            if ready is not None:
                prepared.append(ready)
        if self.problems:
            return None
        try:
            graph = standard.graph_of(standard.document(prepared))
        except Exception as error:  # rdflib raises many kinds for malformed JSON-LD
            self.problem(None, None, f"The file is not JSON-LD the standard can read ({type(error).__name__})")
            return None
        for finding in standard.validate(graph, ids):
            name = finding.field or "record"
            # The standard's own message, which mostly names the field; where it does not, we do.
            message = finding.message if name in finding.message else f"{name}: {finding.message}"
            if finding.warning:
                message += " (a warning in the standard's shapes; its validator refuses the record)"
            self.problem(finding.record, finding.field, message)
        if self.problems:
            return None
        nodes = [record["@id"] for record in prepared]
        return list(enumerate(standard.records_in(graph, nodes), start=1))

    def _check_all(self, records: list[tuple[int, dict[str, Any]]]) -> list[_Record]:
        authority = self.context.authority_code
        wanted: set[str] = set()
        for _number, fields in records:
            for value in [fields.get("childId"), *fields.get("siblingIds", [])]:
                if isinstance(value, str):
                    wanted.update((value.strip(), child_reference(authority, value.strip())))
        people = people_repository.young_people_by_reference(wanted)
        open_referrals = referral_repository.open_referrals_by_young_person(authority)
        checked: list[_Record] = []
        seen: dict[str, int] = {}
        taken: dict[int, int] = {}
        for number, fields in records:
            record = self._check(number, fields, people)
            if record is None:
                continue
            if record.reference in seen:
                self.problem(number, "placementId", f"the same referral is also record {seen[record.reference]}")
                continue
            seen[record.reference] = number
            group = [record.child, *record.siblings]
            for person in group:
                if person.id in taken:
                    self.problem(number, "childId", f"this child is also on record {taken[person.id]}")
                taken[person.id] = number
            if any(r != record.reference for p in group for r in open_referrals.get(p.id, [])):
                self.problem(number, "childId", "the child is already on another open referral: close it first")
            checked.append(record)
        return checked

    def _person(self, number: int, name: str, value: Any, people: dict[str, YoungPerson]) -> YoungPerson | None:
        text = str(value).strip()
        for reference in (text, child_reference(self.context.authority_code, text)):
            person = people.get(reference)
            if person is not None and person.responsible_authority_code == self.context.authority_code:
                return person
        self.problem(number, name, f"{name} is not a young person recorded by your authority: add them first")
        return None

    def _check(self, number: int, fields: dict[str, Any], people: dict[str, YoungPerson]) -> _Record | None:
        before = len(self.problems)
        child = self._person(number, "childId", fields["childId"], people)
        siblings = [
            p for p in (self._person(number, "siblingIds", v, people) for v in fields.get("siblingIds", [])) if p
        ]
        settings, not_specified = self._settings(number, fields)
        created = self._referral_date(number, fields)
        reference = self._reference(number, fields, child, created)
        avoid = self._avoid(number, fields.get("locationsToAvoid", []))
        if len(self.problems) > before or child is None or reference is None:
            return None
        others = [s for s in siblings if s.id != child.id]
        support = fields.get("additionalSupport")
        kept = _kept(fields, others, not_specified)
        return _Record(
            number=number,
            reference=reference,
            child=child,
            siblings=others,
            needed_by=NEEDED_BY[fields["neededBy"]],
            settings=settings,
            solo=fields["livingCompanions"] == SOLO,
            deprivation_of_liberty=fields.get("deprivationOfLiberty"),
            therapeutic=None if support is None else THERAPEUTIC in support,
            risks=[code for name, code in RISK_FIELDS.items() if fields.get(name) == RISK_PRESENT],
            created_at=created,
            kept=kept,
            avoid=avoid,
        )

    def _settings(self, number: int, fields: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
        settings: dict[str, str] = {}
        not_specified: list[str] = []
        for setting in SETTINGS:
            value = fields.get(SETTING_FIELDS[setting])
            if value is None:
                settings[setting] = DEFAULT_SECURE if setting == "secure" else "suitable"
            elif value == NOT_SPECIFIED:
                settings[setting] = "suitable"
                not_specified.append(setting)
            else:
                settings[setting] = SUITABILITY[value]
        if all(v == "unsuitable" for v in settings.values()):
            self.problem(number, SETTING_FIELDS["foster"], "at least one setting must be preferred or suitable")
        return settings, not_specified

    def _referral_date(self, number: int, fields: dict[str, Any]) -> datetime:
        day = date.fromisoformat(fields["referralDate"])
        if day > self.context.today:
            self.problem(number, "referralDate", "referralDate must not be in the future")
        return datetime.combine(day, datetime.min.time())

    def _reference(
        self, number: int, fields: dict[str, Any], child: YoungPerson | None, created: datetime
    ) -> str | None:
        given = fields.get("placementId")
        if given is not None:
            text = str(given).strip()
            if not _REFERENCE.match(text):
                self.problem(number, "placementId", "placementId must be up to 40 letters, digits, - _ . or /")
                return None
            return text
        if child is None:
            return None
        return f"NPS-{child.reference}-{created:%Y%m%d}"[:40]

    def _avoid(self, number: int, items: list[Any]) -> list[_Place]:
        places: list[_Place] = []
        for index, item in enumerate(items, start=1):
            try:
                label = str(item["label"]).strip()[:120] or "Location to avoid"
                lat, lon = float(item["lat"]), float(item["lon"])
                radius = float(item.get("radiusKm", "0"))
            except (KeyError, TypeError, ValueError):
                self.problem(number, "locationsToAvoid", f"location to avoid {index} needs a label, lat and lon")
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= radius <= MAX_RADIUS_KM):
                self.problem(
                    number,
                    "locationsToAvoid",
                    f"location to avoid {index}: lat and lon must be a latitude and longitude, radiusKm 0 to 50",
                )
                continue
            places.append(_Place(label, lat, lon, radius))
        return places

    def _write(self, records: list[_Record], rows: int) -> Loaded:
        authority = self.context.authority_code
        created = updated = unchanged = places = risks_added = 0
        for record in records:
            referral = referral_repository.get_referral(authority, record.reference)
            if referral is None:
                referral = Referral(
                    reference=record.reference,
                    authority_code=authority,
                    status="open",
                    created_at=record.created_at,
                    created_by_id=self.context.user_id,
                    notes="",
                    required_specialisms=[],
                    preferred_specialisms=[],
                )
                referral_repository.add_referral(referral)
                _apply(referral, record)
                created += 1
            else:
                differs = _first_difference(referral, record)
                if differs is None:
                    unchanged += 1
                elif referral.status != "open" or referral_repository.has_standing_decision(referral.id):
                    why = (
                        f"the referral is {referral.status}"
                        if referral.status != "open"
                        else "a decision holds a place for the referral"
                    )
                    self.problem(
                        record.number,
                        differs,
                        f"{differs} differs from the stored referral, but {why}, so an import cannot change it: "
                        "amend the referral or care plan instead",
                    )
                    continue
                else:
                    _apply(referral, record)
                    referral.updated_at = datetime.now()
                    updated += 1
            for risk in record.risks:
                if risk not in (record.child.risks or []):
                    record.child.risks = [r for r in RISKS if r in {*(record.child.risks or []), risk}]
                    risks_added += 1
            known = {(r.label, round(r.lat, 6), round(r.lon, 6)) for r in record.child.risk_locations}
            for place in record.avoid:
                if (place.label, round(place.lat, 6), round(place.lon, 6)) in known:
                    continue
                record.child.risk_locations.append(
                    RiskLocation(
                        label=place.label,
                        lat=place.lat,
                        lon=place.lon,
                        radius_km=place.radius_km,
                        source=SOURCE,
                        created_at=datetime.now(),
                    )
                )
                places += 1
        if self.problems:
            return self.problems.loaded(rows, {})
        added = {
            "referrals added": created,
            "referrals updated": updated,
            "referrals unchanged": unchanged,
            "risks added": risks_added,
            "risk locations": places,
        }
        return self.problems.loaded(rows, added)


def _kept(fields: dict[str, Any], siblings: list[YoungPerson], not_specified: list[str]) -> dict[str, Any]:
    """The record's answers we have no column for, where they differ from what the export writes anyway."""
    kept = {
        name: fields[name] for name in KEPT_FIELDS if name in fields and fields[name] != DEFAULTS.get(name, object())
    }
    if kept.get("livingCompanions") == SOLO:
        del kept["livingCompanions"]  # held in `solo`
    for name in ("placementDate", "costDate"):
        if kept.get(name) == fields["referralDate"]:
            del kept[name]  # what the export writes when no placement is recorded
    other_support = [s for s in fields.get("additionalSupport", []) if s != THERAPEUTIC]
    if other_support:
        kept["additionalSupport"] = other_support
    count = fields.get("siblingCount")
    if count is not None and count != len(siblings):
        kept["siblingCount"] = count
    if not_specified:
        kept["notSpecified"] = not_specified
    actual = {name: fields[name] for name in ACTUAL_FIELDS if name in fields}
    if actual:
        kept["actualPlacement"] = actual
    return kept


def _state(
    needed_by: str,
    settings: dict[str, Any],
    solo: bool,
    dol: bool,
    therapeutic: bool,
    people: set[int],
    kept: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "neededBy": needed_by,
        "fosterCareSuitability": dict(settings),
        "livingCompanions": solo,
        "deprivationOfLiberty": dol,
        "additionalSupport": therapeutic,
        "childId": people,
        "nps": json.dumps(kept or {}, sort_keys=True),
    }


def _wanted(referral: Referral, record: _Record) -> dict[str, Any]:
    dol = record.deprivation_of_liberty
    therapeutic = record.therapeutic
    kept = dict(record.kept)
    if referral.id is not None and referral_repository.has_standing_decision(referral.id):
        # The decision is the placement as arranged: an ActualPlacement in the file is its export.
        for name in _DECISION_FIELDS:
            kept.pop(name, None)
    return _state(
        record.needed_by,
        record.settings,
        record.solo,
        ("deprivation_of_liberty" in (referral.required_specialisms or [])) if dol is None else dol,
        ("therapeutic" in (referral.preferred_specialisms or [])) if therapeutic is None else therapeutic,
        {p.id for p in [record.child, *record.siblings]},
        kept,
    )


def effective_fields(referral: Referral, has_decision: bool) -> dict[str, Any]:
    """The kept answers the export writes: those our own fields have since overtaken are dropped
    (solo set on the form, a setting no longer plain suitable, a decision that now stands)."""
    kept = dict(referral.nps_fields or {})
    if referral.solo:
        kept.pop("livingCompanions", None)
    settings = referral.settings or {}
    open_settings = [s for s in kept.pop("notSpecified", []) if settings.get(s) == "suitable"]
    if open_settings:
        kept["notSpecified"] = open_settings
    if "therapeutic" in (referral.preferred_specialisms or []):
        support = [s for s in kept.pop("additionalSupport", []) if s != NOT_APPLICABLE]
        if support:
            kept["additionalSupport"] = support
    if has_decision:
        for name in _DECISION_FIELDS:
            kept.pop(name, None)
    return kept


def _first_difference(referral: Referral, record: _Record) -> str | None:
    """The first field (the standard's name) the record would change on the referral; None if none."""
    stored_settings = referral.settings or {}
    stored = _state(
        referral.needed_by,
        # As the export reads them: a setting not stored has its default.
        {s: stored_settings.get(s, DEFAULT_SECURE if s == "secure" else "suitable") for s in SETTINGS},
        referral.solo,
        "deprivation_of_liberty" in (referral.required_specialisms or []),
        "therapeutic" in (referral.preferred_specialisms or []),
        {p.id for p in referral.young_people},
        effective_fields(referral, referral_repository.has_standing_decision(referral.id)),
    )
    wanted = _wanted(referral, record)
    for name, value in wanted.items():
        if stored[name] != value:
            return "placementRequirements" if name == "nps" else name
    return None


def _apply(referral: Referral, record: _Record) -> None:
    wanted = _wanted(referral, record)
    referral.young_people = sorted([record.child, *record.siblings], key=lambda p: p.reference)
    referral.needed_by = record.needed_by
    referral.settings = dict(record.settings)
    referral.solo = record.solo
    referral.required_specialisms = _toggled(
        referral.required_specialisms, "deprivation_of_liberty", wanted["deprivationOfLiberty"]
    )
    referral.preferred_specialisms = _toggled(
        referral.preferred_specialisms, "therapeutic", wanted["additionalSupport"]
    )
    kept = json.loads(wanted["nps"])
    referral.nps_fields = kept or None


def _toggled(stored: list[str] | None, specialism: str, wanted: bool) -> list[str]:
    current = [s for s in (stored or []) if s != specialism]
    return [*current, specialism] if wanted else current
