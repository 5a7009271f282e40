"""The National Placement Standard v01 in its CSV form: rows into the standard's JSON-LD records.

The columns are those of the reporting spreadsheet's "Data Collection" sheet
(National-Placement-Standard-Excel-20260624.xlsx), one row per record, answers written as
the spreadsheet's options ("< 5 days", "Court Order", "Yes"). A row becomes the JSON-LD
record the standard defines, which the NPS import then checks against the SHACL shapes
like any other, so a CSV row and a JSON-LD record are refused for the same reasons.

The sheet has no column for five v01 fields; these optional columns carry them:
``placement_id``, ``risk_to_child_sexual_exploitation`` (required by the shapes, so a row
without it is refused naming riskSexualExploitation), ``out_of_LA_reason_other``,
``specific_communication_and_language_requirements_other`` and ``cultural_needs_other``.
Several answers in one cell (the multi-valued fields) are separated by ``;``.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from typing import Any

from web.data_exchange.services import nps_standard as standard

# column -> (section or "" for the record itself, field, how to read the cell)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "child_id": ("", "childId", "text"),
    "placement_id": ("", "placementId", "text"),
    "when_placement_is_needed_by": ("placementAvailability", "neededBy", "concept"),
    "number_of_siblings_to_place_with": ("placementAvailability", "siblingCount", "count"),
    "is_preferred_location_local": ("placementAvailability", "isPreferredLocationLocal", "boolean"),
    "out_of_la_reason": ("placementAvailability", "outOfLAReason", "concept"),
    "out_of_la_reason_other": ("placementAvailability", "outOfLAReasonOther", "texts"),
    "communication_language_learning_needs": ("placementRequirements", "communicationNeeds", "concept"),
    "specific_communication_and_language_requirements": (
        "placementRequirements",
        "specificCommunicationRequirement",
        "concepts",
    ),
    "specific_communication_and_language_requirements_other": (
        "placementRequirements",
        "specificCommunicationRequirementOther",
        "texts",
    ),
    "adaptation_to_the_home": ("placementRequirements", "homeAdaptationRequired", "boolean"),
    "cultural_needs": ("placementRequirements", "culturalNeeds", "concept"),
    "cultural_needs_other": ("placementRequirements", "culturalNeedsOther", "texts"),
    "who_can_the_child_be_cared_for_alongside": ("placementRequirements", "livingCompanions", "concept"),
    "can_child_live_with_pets": ("placementRequirements", "pets", "concept"),
    "additional_support": ("placementRequirements", "additionalSupport", "concepts"),
    "additional_support_other": ("placementRequirements", "additionalSupportOther", "texts"),
    "dol": ("placementRequirements", "deprivationOfLiberty", "boolean"),
    "foster_care_suitability": ("placementRecommendation", "fosterCareSuitability", "concept"),
    "residential_care_suitability": ("placementRecommendation", "residentialCareSuitability", "concept"),
    "supported_accommodation": ("placementRecommendation", "supportedAccommodationSuitability", "concept"),
    "supported_accomodation": ("placementRecommendation", "supportedAccommodationSuitability", "concept"),
    "risk_to_child_self_harm": ("riskAssessment", "riskSelfHarm", "concept"),
    "risk_to_child_criminal_exploitation": ("riskAssessment", "riskCriminalExploitation", "concept"),
    "risk_to_child_drug_and_alcohol_use": ("riskAssessment", "riskDrugAlcohol", "concept"),
    "risk_to_child_eating_disorder": ("riskAssessment", "riskEatingDisorder", "concept"),
    "risk_to_child_going_missing": ("riskAssessment", "riskMissing", "concept"),
    "risk_to_child_sexual_exploitation": ("riskAssessment", "riskSexualExploitation", "concept"),
    "risk_to_others_physical_harm": ("riskAssessment", "riskToOthersPhysical", "concept"),
    "risk_to_others_sexual_harm": ("riskAssessment", "riskToOthersSexual", "concept"),
    "risk_to_others_fire_setting": ("riskAssessment", "riskToOthersFire", "concept"),
    "risk_to_others_harm_to_animals": ("riskAssessment", "riskToOthersAnimals", "concept"),
    "risk_to_others_criminal_exploitation": ("riskAssessment", "riskToOthersCriminal", "concept"),
    "cost_core_weekly": ("actualPlacement", "coreWeeklyCost", "decimal"),
    "cost_additional_support_weekly": ("actualPlacement", "additionalSupportWeeklyCost", "decimal"),
    "cost_education_weekly": ("actualPlacement", "educationWeeklyCost", "decimal"),
    "cost_other_weekly": ("actualPlacement", "otherWeeklyCost", "decimal"),
    "cost_total_weekly": ("actualPlacement", "totalWeeklyCost", "decimal"),
    "total_weekly_cost": ("actualPlacement", "totalWeeklyCost", "decimal"),
    "placement_location": ("actualPlacement", "placementLocation", "text"),
    "preferrability_of_placement_location": ("actualPlacement", "isLocationPreferred", "boolean"),
    "education_continuity": ("actualPlacement", "isEducationContinuous", "boolean"),
    "provider_urn": ("actualPlacement", "providerURN", "text"),
    "how_many_siblings_were_placed_together": ("actualPlacement", "siblingsPlacedTogether", "count"),
    "placement_type": ("actualPlacement", "placementType", "concept"),
    "name_of_officer_referral": ("qualityAssurance", "referralOfficerName", "text"),
    "date_entry_referral": ("qualityAssurance", "referralDate", "date"),
    "name_of_officer_placement": ("qualityAssurance", "placementOfficerName", "text"),
    "date_entry_placement": ("qualityAssurance", "placementDate", "date"),
    "name_of_officer_placement_cost": ("qualityAssurance", "costOfficerName", "text"),
    "date_entry_placement_cost": ("qualityAssurance", "costDate", "date"),
}
CLASSES = standard.SECTIONS
# Spreadsheet options the JSON-LD context has no term for (it spells them differently).
EXTRA_LABELS = {
    "neededBy": {"<5 days": "WithinFiveDays", ">5 days": "MoreThanFiveDays"},
    "additionalSupport": {"na": "NotApplicable"},
    "specificCommunicationRequirement": {"none": "None"},
}
YES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
MAX_ROWS = 5_000

Problem = tuple[int | None, str | None, str]


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _labels(field: str) -> dict[str, str]:
    """Every way the standard writes `field`'s concepts -> the concept's name."""
    term = standard.context().get(field)
    scoped = term.get("@context", {}) if isinstance(term, dict) else {}
    labels: dict[str, str] = {}
    for label, target in scoped.items():
        if not label.startswith("@") and isinstance(target, str):
            labels[_key(label)] = target.split(":", 1)[-1]
    for label, name in EXTRA_LABELS.get(field, {}).items():
        labels[_key(label)] = name
    return labels


def _concept(field: str, cell: str) -> str | None:
    """The full IRI for a cell's option, or None when it is not one of the scheme's."""
    text = _key(cell)
    name = _labels(field).get(text)
    if name is None:
        # A concept's own name (WithinFiveDays), in any case, is accepted as well.
        name = next((n for n in _CONCEPTS[field] if n.lower() == text.replace(" ", "")), None)
    return standard.concept(field, name) if name else None


# The concepts each scheme allows, as the shapes list them (for names written as-is).
_CONCEPTS: dict[str, tuple[str, ...]] = {
    "neededBy": ("Today", "WithinFiveDays", "MoreThanFiveDays"),
    "outOfLAReason": ("SafeguardingConcerns", "BailConditions", "CourtOrder", "OutOfLAReasonOther"),
    "communicationNeeds": ("Yes", "No", "NotSpecified"),
    "specificCommunicationRequirement": ("ESOL", "BSL", "Makaton", "Other", "None"),
    "culturalNeeds": ("Required", "NotRequired", "NotKnown", "Other"),
    "livingCompanions": (
        "SoloPlacement",
        "WithOtherChildren",
        "OnlyWithOlderChildren",
        "OnlyWithYoungerChildren",
        "NoPreference",
    ),
    "pets": ("YesMust", "YesCan", "No", "NotKnown"),
    "additionalSupport": (
        "AdditionalSupervision",
        "TherapeuticSupport",
        "WorkerForRespite",
        "TaxisToSchool",
        "NotApplicable",
        "Other",
    ),
    "fosterCareSuitability": ("Preferred", "SuitableButNotPreferred", "Unsuitable", "NotSpecified"),
    "residentialCareSuitability": ("Preferred", "SuitableButNotPreferred", "Unsuitable", "NotSpecified"),
    "supportedAccommodationSuitability": ("Preferred", "SuitableButNotPreferred", "Unsuitable", "NotSpecified"),
    "placementType": ("Foster", "Residential", "SupportedAccommodation"),
    **{name: ("NoKnownRisk", "RiskPresent") for name, scheme in standard.SCHEMES.items() if scheme == "risk-level"},
}


def _cell(kind: str, field: str, cell: str) -> tuple[Any, str | None]:
    """A cell's value in the record, or (None, why) when it cannot be read."""
    if kind == "text":
        return cell, None
    if kind == "texts":
        return [part.strip() for part in cell.split(";") if part.strip()], None
    if kind == "concept":
        found = _concept(field, cell)
        return (found, None) if found else (None, "is not one of the standard's options")
    if kind == "concepts":
        parts = [part for part in re.split(r"[;,]", cell) if part.strip()]
        concepts = [_concept(field, part) for part in parts]
        if any(c is None for c in concepts):
            return None, "holds an answer that is not one of the standard's options (separate answers with ;)"
        return concepts, None
    if kind == "boolean":
        answer = YES.get(_key(cell))
        return (answer, None) if answer is not None else (None, "must be Yes or No")
    if kind == "count":
        if _key(cell) == "na":
            return 0, None
        try:
            number = float(cell)
        except ValueError:
            return None, "must be a whole number"
        return (int(number), None) if number.is_integer() and number >= 0 else (None, "must be a whole number")
    if kind == "decimal":
        # Written as given (canonical decimal text), so the shapes judge the number itself.
        return cell.replace(",", "").replace("£", "").strip(), None
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(cell, form).date().isoformat(), None
        except ValueError:
            continue
    return None, "must be a date written yyyy-mm-dd or dd/mm/yyyy"


def records_from_csv(text: str) -> tuple[list[dict[str, Any]] | None, list[Problem], list[int]]:
    """The rows of the standard's CSV form as JSON-LD records (or None), the problems, and each
    record's row as a spreadsheet numbers it (the header is row 1)."""
    lines = list(csv.reader(text.splitlines()))
    # The spreadsheet puts its section names in a row above the column names.
    start = next((i for i, row in enumerate(lines[:2]) if "child_id" in {_key(c) for c in row}), None)
    if start is None:
        return None, [(None, "child_ID", "The CSV file must have the standard's column names, child_ID first")], []
    header = [_key(c) for c in lines[start]]
    unknown = [name for name in header if name and name not in COLUMNS]
    problems: list[Problem] = [(None, name, f"{name} is not a column of the standard's CSV form") for name in unknown]
    body = [(start + 2 + i, row) for i, row in enumerate(lines[start + 1 :]) if any(c.strip() for c in row)]
    if len(body) > MAX_ROWS:
        return None, [(None, None, f"The file holds more than {MAX_ROWS} rows: split it")], []
    records: list[dict[str, Any]] = []
    for number, row in body:
        record: dict[str, Any] = {"@type": "Placement"}
        for column, cell in zip(header, row, strict=False):
            if column not in COLUMNS or not cell.strip():
                continue
            section, field, kind = COLUMNS[column]
            value, why = _cell(kind, field, cell.strip())
            if why is not None:
                problems.append((number, column, f"{column} {why}"))
                continue
            target = record if not section else record.setdefault(section, {"@type": CLASSES[section]})
            target[field] = value
        records.append(record)
    return (None if problems else records), problems, [number for number, _row in body]
