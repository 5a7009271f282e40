"""The Placements Standard v2 import: referral records as JSON, onto referrals.

The standard (SocialCareData, MIT) describes a referral in sections
(PlacementAvailability, PlacementRequirements, PlacementRecommendation, Risks, ...);
a record may keep those sections or give their fields flat. Its words map onto ours:
urgency (today / in less than 5 days / in more than 5 days) onto `needed_by`, setting
suitability onto `Referral.settings`, "Risk Present" onto the child's risks, "locations
to avoid" that carry coordinates (or a postcode the postcode lookup knows) onto risk
locations. The child must already be a young person of the authority. What the
standard has no field for in a referral (communication, pets, cultural needs, the
preferred location, locations without coordinates) goes into the referral's notes,
so nothing typed is lost. See docs/decisions/0021-placements-standard-mapping.md.

The same vocabulary serves the export (`web.data_exchange.services.exports`), so a file exported
here imports back unchanged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from planner.case import RISKS, SETTINGS
from planner.json_input import JsonInputError, load_json
from web.casework.repositories import care_episodes as people_repository
from web.casework.repositories import referrals as referral_repository
from web.data_exchange.services.imports.base import FileSpec, ImportContext, Loaded, Problems, decode
from web.data_exchange.services.imports.ssda903 import child_reference
from web.data_exchange.services.imports.tabular import parse_date
from web.models import Referral, RiskLocation, YoungPerson
from web.shared.repositories import imports as import_repository
from web.shared.services import postcodes as postcode_service
from web.shared.services.postcodes import compact, is_well_formed

KIND = "placements_standard"
SOURCE = "Placements Standard v2 import"
SECTIONS = (
    "PlacementAvailability",
    "PlacementRequirements",
    "PlacementRecommendation",
    "Risks",
    "ActualPlacement",
    "QualityAssurance",
)

NEEDED_BY_WORDS = {"today": "Today", "within_5_days": "in less than 5 days", "later": "in more than 5 days"}
_NEEDED_BY = {
    "today": "today",
    "in less than 5 days": "within_5_days",
    "less than 5 days": "within_5_days",
    "< 5 days": "within_5_days",
    "<5 days": "within_5_days",
    "in more than 5 days": "later",
    "more than 5 days": "later",
    "> 5 days": "later",
    ">5 days": "later",
}
SUITABILITY_WORDS = {"preferred": "Preferred", "suitable": "Suitable but not preferred", "unsuitable": "Unsuitable"}
_SUITABILITY = {
    "preferred": "preferred",
    "suitable but not preferred": "suitable",
    "suitable": "suitable",
    "unsuitable": "unsuitable",
    # The standard lets a worker leave it open; our form's default is "suitable".
    "not specified": "suitable",
}
# Our setting -> the standard's field; "secure" is our extension (the standard has none).
SETTING_FIELDS = {
    "foster": "fosterCareSuitability",
    "residential": "residentialCareSuitability",
    "supported": "supportedAccommodationSuitability",
    "secure": "secureCareSuitability",
}
# A secure children's home needs a court's secure accommodation order, which the
# standard does not record: unsuitable unless a record says otherwise.
DEFAULT_SECURE = "unsuitable"
RISK_FIELDS = {
    "riskSelfHarm": "self_harm",
    "riskSexualExploitation": "sexual_exploitation",
    "riskCriminalExploitation": "criminal_exploitation",
    "riskDrugAlcohol": "drugs_alcohol",
    "riskEatingDisorder": "eating_disorder",
    "riskMissing": "going_missing",
    "riskToOthersPhysical": "physical_harm_to_others",
    "riskToOthersSexual": "sexual_harm_to_others",
    "riskToOthersFire": "fire_setting",
    "riskToOthersAnimals": "harm_to_animals",
}
# Standard risks we have no code for: kept in the notes in these words.
RISK_NOTES = {"riskToOthersCriminal": "Risk to others or property: criminal exploitation"}
RISK_TEXT_FIELDS = {"riskOther": "Risk to child, other", "riskToOthersOther": "Risk to others or property, other"}
RISK_PRESENT = "Risk Present"
NO_KNOWN_RISK = "No known risk"
SOLO = "Solo placement recommended"
THERAPEUTIC = "therapeutic support"
NOTES_HEADING = "Imported from a Placements Standard v2 record."
NO_PREFERENCE = "No preference"
# Requirements the referral has no field for, kept in the notes under these labels.
REQUIREMENT_NOTES = {
    "communicationNeeds": "Communication, language and learning needs",
    "specificCommunicationRequirements": "Specific communication and language requirements",
    "homeAdaptation": "Adaptation to the home",
    "culturalNeeds": "Cultural needs",
    "livingCompanions": "Who the child can be cared for alongside",
    "pets": "Can live with pets",
    "additionalSupport": "Additional support",
}
# Answers already held in the referral's own fields (solo, the therapeutic specialism): not repeated in the notes.
MAPPED_ANSWERS = {
    "livingCompanions": {SOLO.lower(), NO_PREFERENCE.lower()},
    "additionalSupport": {THERAPEUTIC, "na"},
}
MAX_RECORDS = 5_000
MAX_NOTES = 4_000
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,39}$")


class PlacementsStandardImporter:
    kind = KIND
    label = "Placements Standard v2 referrals"
    description = (
        "Reads referral records written to the Placements Standard v2 (JSON): when the placement is "
        "needed, siblings, how suitable each setting is, risks and locations to avoid. Each record becomes "
        "an open referral for a young person already recorded in your authority (matched by childId); "
        "risks marked Risk Present are added to the young person, locations to avoid with coordinates "
        "become risk locations. Importing a record with the same referralId again updates that referral. "
        "Superseded by the National Placement Standard v01 import, which keeps every answer: use this one "
        "only for files written in v2."
    )
    roles = ("placement_officer", "admin")
    files = (
        FileSpec(
            "file",
            "Placements Standard v2 referrals (JSON)",
            extensions=(".json",),
            hint='A list of records, or {"records": [...]}; each with childId and neededBy',
        ),
    )

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        return _Load(context).run(files["file"])


IMPORTER = PlacementsStandardImporter()


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
    risks: list[str]
    solo: bool | None
    # None where the record does not say, so a stored referral keeps what it has.
    deprivation_of_liberty: bool | None
    therapeutic: bool | None
    notes: str | None
    created_at: datetime
    avoid: list[_Place] = field(default_factory=list)


def records_of(document: Any) -> list[Any] | None:
    """The records of a document: a list, {"records": [...]}, or one record; None if none of those."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if isinstance(document.get("records"), list):
            return list(document["records"])
        if any(section in document for section in SECTIONS) or "childId" in document:
            return [document]
    return None


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """The record's fields in one dict, whether it keeps the standard's sections or not."""
    flat = {key: value for key, value in record.items() if key not in SECTIONS}
    for section in SECTIONS:
        part = record.get(section)
        if isinstance(part, dict):
            for key, value in part.items():
                flat.setdefault(key, value)
    return flat


def _words(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().lower()


class _Load:
    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.problems = Problems()
        self.open_referrals: dict[int, list[str]] = {}

    def problem(self, number: int | None, name: str | None, message: str) -> None:
        where = f"Record {number}: " if number is not None else ""
        self.problems.add("file", number, name, where + message)

    def run(self, data: bytes) -> Loaded:
        try:
            document = load_json(decode(data))
        except UnicodeDecodeError:
            self.problem(None, None, "The file is not JSON: not UTF-8 text")
            return self.problems.loaded(0, {})
        except JsonInputError as error:
            # Too deep, a key given twice, NaN, or not JSON at all: the sentence says which.
            self.problem(None, None, f"The file is not JSON: {error}")
            return self.problems.loaded(0, {})
        records = records_of(document)
        if records is None:
            self.problem(None, None, 'The file must hold a list of records, or {"records": [...]}')
            return self.problems.loaded(0, {})
        if len(records) > MAX_RECORDS:
            self.problem(None, None, f"The file holds more than {MAX_RECORDS} records: split it")
            return self.problems.loaded(0, {})
        checked = self._check_all(records)
        if self.problems:
            return self.problems.loaded(len(records), {})
        return self._write(checked, len(records))

    def _check_all(self, records: list[Any]) -> list[_Record]:
        authority = self.context.authority_code
        flat: list[tuple[int, dict[str, Any]]] = []
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                self.problem(number, None, "a record must be an object with the standard's fields")
                continue
            flat.append((number, flatten(record)))
        wanted: set[str] = set()
        for _number, fields in flat:
            for value in [fields.get("childId"), *_as_list(fields.get("siblingIds"))]:
                if isinstance(value, (str, int)) and not isinstance(value, bool):
                    wanted.update((str(value).strip(), child_reference(authority, str(value).strip())))
        people = people_repository.young_people_by_reference(wanted)
        self.open_referrals = referral_repository.open_referrals_by_young_person(authority)
        checked: list[_Record] = []
        seen: dict[str, int] = {}
        for number, fields in flat:
            record = self._check(number, fields, people)
            if record is None:
                continue
            if record.reference in seen:
                self.problem(number, "referralId", f"the same referral is also record {seen[record.reference]}")
                continue
            seen[record.reference] = number
            checked.append(record)
        taken: dict[int, int] = {}
        for record in checked:
            group = [record.child, *record.siblings]
            for person in group:
                if person.id in taken:
                    self.problem(record.number, "childId", f"this child is also on record {taken[person.id]}")
                taken[person.id] = record.number
            referral = referral_repository.get_referral(authority, record.reference)
            if referral is not None and referral.status != "open":
                self.problem(
                    record.number, "referralId", "this referral reference is taken by a referral that is not open"
                )
            elif referral is not None and referral_repository.has_standing_decision(referral.id):
                self.problem(
                    record.number,
                    "referralId",
                    "a decision holds a place for this referral, so it cannot be changed: "
                    "amend the care plan or refuse the decision instead",
                )
            elif any(r != record.reference for p in group for r in self.open_referrals.get(p.id, [])):
                self.problem(record.number, "childId", "the child is already on another open referral: close it first")
        return checked

    def _person(self, number: int, name: str, value: Any, people: dict[str, YoungPerson]) -> YoungPerson | None:
        if value is None or value == "" or isinstance(value, (bool, float, list, dict)):
            self.problem(number, name, f"{name} must be the child's ID (a number or a reference)")
            return None
        text = str(value).strip()
        for reference in (text, child_reference(self.context.authority_code, text)):
            person = people.get(reference)
            if person is not None and person.responsible_authority_code == self.context.authority_code:
                return person
        self.problem(number, name, f"{name} is not a young person recorded by your authority: add them first")
        return None

    def _check(self, number: int, fields: dict[str, Any], people: dict[str, YoungPerson]) -> _Record | None:
        before = len(self.problems)
        child = self._person(number, "childId", fields.get("childId"), people)
        siblings = [
            p
            for p in (self._person(number, "siblingIds", v, people) for v in _as_list(fields.get("siblingIds")))
            if p is not None
        ]
        count = fields.get("siblingCount")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            self.problem(number, "siblingCount", "siblingCount must be a whole number, 0 or more")
            count = None
        if count is not None and fields.get("siblingIds") is not None and count != len(_as_list(fields["siblingIds"])):
            self.problem(number, "siblingCount", "siblingCount must equal the number of siblingIds")
        needed_by = _NEEDED_BY.get(_words(fields.get("neededBy", "")))
        if needed_by is None:
            self.problem(number, "neededBy", "neededBy must be Today, in less than 5 days or in more than 5 days")
        settings = self._settings(number, fields)
        risks, risk_notes = self._risks(number, fields)
        reference = self._reference(number, fields, child)
        created = self._referral_date(number, fields)
        avoid, avoid_notes = self._avoid(number, fields.get("locationsToAvoid"))
        dol = fields.get("deprivationOfLiberty")
        if dol is not None and not isinstance(dol, bool):
            self.problem(number, "deprivationOfLiberty", "deprivationOfLiberty must be true or false")
        if len(self.problems) > before or child is None or needed_by is None or reference is None:
            return None
        notes = self._notes(fields, count, siblings, risk_notes, avoid_notes)
        if len(notes) > MAX_NOTES:
            self.problem(number, None, f"the text kept in the referral's notes must be {MAX_NOTES} characters or fewer")
            return None
        support = _words(fields.get("additionalSupport", ""))
        companions = _words(fields.get("livingCompanions", ""))
        return _Record(
            number=number,
            reference=reference,
            child=child,
            siblings=[s for s in siblings if s.id != child.id],
            needed_by=needed_by,
            settings=settings,
            risks=risks,
            solo=(companions == SOLO.lower()) if companions else None,
            deprivation_of_liberty=dol if isinstance(dol, bool) else None,
            therapeutic=(support == THERAPEUTIC) if support else None,
            notes=notes if notes != NOTES_HEADING else None,
            created_at=created,
            avoid=avoid,
        )

    def _settings(self, number: int, fields: dict[str, Any]) -> dict[str, str]:
        settings: dict[str, str] = {}
        for setting, name in SETTING_FIELDS.items():
            value = fields.get(name)
            if value is None or value == "":
                settings[setting] = DEFAULT_SECURE if setting == "secure" else "suitable"
                continue
            found = _SUITABILITY.get(_words(value))
            if found is None:
                self.problem(
                    number, name, f"{name} must be Preferred, Suitable but not preferred, Unsuitable or Not specified"
                )
                settings[setting] = "suitable"
            else:
                settings[setting] = found
        if all(v == "unsuitable" for v in settings.values()):
            self.problem(number, SETTING_FIELDS["foster"], "at least one setting must be preferred or suitable")
        return {s: settings[s] for s in SETTINGS}

    def _risks(self, number: int, fields: dict[str, Any]) -> tuple[list[str], list[str]]:
        present: list[str] = []
        notes: list[str] = []
        allowed = (RISK_PRESENT.lower(), NO_KNOWN_RISK.lower())
        for name, code in {**RISK_FIELDS, **{k: "" for k in RISK_NOTES}}.items():
            value = fields.get(name)
            if value is None or value == "":
                continue
            words = _words(value)
            if words not in allowed:
                self.problem(number, name, f"{name} must be Risk Present or No known risk")
            elif words == RISK_PRESENT.lower():
                if code:
                    present.append(code)
                else:
                    notes.append(RISK_NOTES[name])
        for name, label in RISK_TEXT_FIELDS.items():
            value = fields.get(name)
            if isinstance(value, str) and value.strip():
                notes.append(f"{label}: {value.strip()}")
            elif value not in (None, ""):
                self.problem(number, name, f"{name} must be text")
        return [r for r in RISKS if r in present], notes

    def _reference(self, number: int, fields: dict[str, Any], child: YoungPerson | None) -> str | None:
        given = fields.get("referralId")
        if given is not None and given != "":
            text = str(given).strip()
            if isinstance(given, (bool, list, dict)) or not _REFERENCE.match(text):
                self.problem(number, "referralId", "referralId must be up to 40 letters, digits, - _ . or /")
                return None
            return text
        if child is None:
            return None
        when = self._referral_date(number, fields, report=False).date()
        return f"PS-{child.reference}-{when:%Y%m%d}"[:40]

    def _referral_date(self, number: int, fields: dict[str, Any], report: bool = True) -> datetime:
        value = fields.get("referralDate")
        if isinstance(value, str) and value.strip():
            try:
                day = parse_date(value.strip()[:10])
            except ValueError:
                if report:
                    self.problem(number, "referralDate", "referralDate must be a date written yyyy-mm-dd")
                return datetime.now()
            if day > self.context.today:
                if report:
                    self.problem(number, "referralDate", "referralDate must not be in the future")
                return datetime.now()
            return datetime.combine(day, datetime.min.time())
        if value not in (None, "") and report:
            self.problem(number, "referralDate", "referralDate must be a date written yyyy-mm-dd")
        return datetime.combine(self.context.today, datetime.min.time())

    def _avoid(self, number: int, value: Any) -> tuple[list[_Place], list[str]]:
        """Locations to avoid with coordinates (or a known postcode), and the rest as words for the notes."""
        places: list[_Place] = []
        words: list[str] = []
        items = _as_list(value)
        codes = [
            compact(str(item["postcode"]))
            for item in items
            if isinstance(item, dict) and isinstance(item.get("postcode"), str) and is_well_formed(item["postcode"])
        ]
        postcodes = postcode_service.find_many(codes) if codes else {}
        name = "locationsToAvoid"
        for index, item in enumerate(items, start=1):
            if isinstance(item, str):
                if item.strip():
                    words.append(item.strip())
                continue
            if not isinstance(item, dict):
                self.problem(number, name, f"location to avoid {index} must be text or an object")
                continue
            label = str(item.get("description") or item.get("label") or "Location to avoid").strip()[:120]
            radius = _number(item.get("radiusKm", 0.0))
            if radius is None or not 0 <= radius <= 50:
                self.problem(number, name, f"location to avoid {index}: radiusKm must be a number from 0 to 50")
                continue
            if item.get("lat") is not None or item.get("lon") is not None:
                lat, lon = _number(item.get("lat")), _number(item.get("lon"))
                if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    self.problem(
                        number, name, f"location to avoid {index}: lat and lon must be a latitude and longitude"
                    )
                    continue
                places.append(_Place(label, lat, lon, radius))
                continue
            postcode = item.get("postcode")
            if isinstance(postcode, str) and postcode.strip():
                found = postcodes.get(compact(postcode)) if is_well_formed(postcode) else None
                if found is None:
                    self.problem(number, name, f"location to avoid {index}: the postcode is not in the postcode lookup")
                    continue
                places.append(_Place(label, found.lat, found.lon, radius))
                continue
            words.append(label)
        return places, words

    def _notes(
        self,
        fields: dict[str, Any],
        count: int | None,
        siblings: list[YoungPerson],
        risk_notes: list[str],
        avoid_notes: list[str],
    ) -> str:
        lines = [NOTES_HEADING]
        if count and not siblings:
            lines.append(f"Number of siblings to place with: {count} (not named in the record)")
        location = fields.get("preferredLocation")
        if isinstance(location, str) and location.strip():
            lines.append(f"Preferred location for home search: {location.strip()}")
        for name, label in REQUIREMENT_NOTES.items():
            value = fields.get(name)
            if value is None or value == "" or value == [] or _words(value) in MAPPED_ANSWERS.get(name, set()):
                continue
            shown = ", ".join(str(v) for v in value) if isinstance(value, list) else _shown(value)
            lines.append(f"{label}: {shown}")
        lines += risk_notes
        if avoid_notes:
            lines.append("Locations to avoid (no coordinates, so not mapped): " + "; ".join(avoid_notes))
        return "\n".join(lines)

    def _merged_notes(self, stored: str, imported: str | None, is_new: bool) -> str | None:
        """The referral's notes after the import; None if they would be too long.

        Notes a person wrote are kept, with the record's notes added after them once;
        notes an earlier import wrote are replaced.
        """
        if imported is None:
            return NOTES_HEADING if is_new else stored
        if is_new or not stored.strip() or stored.startswith(NOTES_HEADING):
            return imported
        if imported in stored:
            return stored
        merged = f"{stored}\n\n{imported}"
        return merged if len(merged) <= MAX_NOTES else None

    def _write(self, records: list[_Record], rows: int) -> Loaded:
        authority = self.context.authority_code
        created = updated = places = risks_added = 0
        for record in records:
            people = [record.child, *record.siblings]
            referral = referral_repository.get_referral(authority, record.reference)
            is_new = referral is None
            if referral is None:
                referral = Referral(
                    reference=record.reference,
                    authority_code=authority,
                    status="open",
                    created_at=record.created_at,
                    created_by_id=self.context.user_id,
                )
                referral_repository.add_referral(referral)
                created += 1
            else:
                referral.updated_at = datetime.now()
                updated += 1
            referral.young_people = sorted(people, key=lambda p: p.reference)
            referral.needed_by = record.needed_by
            referral.settings = dict(record.settings)
            # On an update, what the record does not say is left as the referral has it.
            if record.solo is not None or is_new:
                referral.solo = bool(record.solo)
            referral.required_specialisms = _toggled(
                referral.required_specialisms, "deprivation_of_liberty", record.deprivation_of_liberty
            )
            referral.preferred_specialisms = _toggled(referral.preferred_specialisms, "therapeutic", record.therapeutic)
            notes = self._merged_notes(referral.notes or "", record.notes, is_new)
            if notes is None:
                self.problem(record.number, None, f"the referral's notes would pass {MAX_NOTES} characters")
                continue
            referral.notes = notes
            for risk in record.risks:
                if risk not in (record.child.risks or []):
                    record.child.risks = [*(record.child.risks or []), risk]
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
        import_repository.flush()
        added = {"referrals added": created, "referrals updated": updated, "risks added": risks_added}
        added["risk locations"] = places
        return self.problems.loaded(rows, added)


def _toggled(stored: list[str] | None, specialism: str, wanted: bool | None) -> list[str]:
    """The specialisms with `specialism` added (True), removed (False) or left as they were (None)."""
    current = [s for s in (stored or []) if s != specialism]
    if wanted or (wanted is None and specialism in (stored or [])):
        current.append(specialism)
    return current


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _number(value: Any) -> float | None:
    """A finite JSON number as a float, else None (true and false are not numbers here)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value).strip()
