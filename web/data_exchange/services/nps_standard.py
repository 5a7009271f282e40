"""The National Placement Standard v01: its vocabulary, its JSON-LD, and SHACL validation.

The standard (SocialCareData, June 2026; OGL v3 / MIT) ships SHACL shapes and a JSON-LD
context; `data/reference/derive.py` copies both into `data/reference/national-placement-standard/`
so nothing here reads the shared folder at run time. The import (`web.data_exchange.services.imports.nps`)
and the export (`web.data_exchange.services.exports`, kind ``nps-placements``) both go through this module:
the same context, the same shapes, the same reading of a record, so an exported file
imports back unchanged. See docs/decisions/0022-national-placement-standard-mapping.md.

Two things the standard's own files get wrong under a strict JSON-LD processor (pyshacl
with rdflib), which `prepare` puts right before validating what it reads, and which the
export never writes:

- a JSON number such as ``1500.00`` becomes an ``xsd:double`` lexical form (``1.5E3``)
  typed as ``xsd:decimal``, which is ill-typed: numbers are kept in their written form;
- ``outOfLAReason`` is typed ``@id`` in the context, so its labels (``Court order``) are
  resolved as relative IRIs, not as the scheme's concepts: they are mapped to full IRIs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from planner.authorities import REFERENCE_DIR

NS = "https://ns.socialcaredata.io/placements/"
# Our extension terms (locations to avoid, named siblings, secure care): not in v01.
EXTENSION = "urn:care-placement-planner:nps-extension:"
XSD = "http://www.w3.org/2001/XMLSchema#"
SHAPES_FILE = REFERENCE_DIR / "national-placement-standard" / "shacl-shape.ttl"
CONTEXT_FILE = REFERENCE_DIR / "national-placement-standard" / "context.jsonld"
# Relative IRIs in a file (the standard's own quirk above) resolve against this, never a path.
BASE = "https://import.invalid/"
VERSION = "01"

# Each controlled field and the SKOS scheme its concepts live in.
SCHEMES = {
    "neededBy": "placement-urgency",
    "outOfLAReason": "outof-la-reason",
    "communicationNeeds": "presence-status",
    "specificCommunicationRequirement": "communication-need",
    "culturalNeeds": "cultural-need",
    "livingCompanions": "living-arrangement",
    "pets": "pets-allowance",
    "additionalSupport": "support-type",
    "fosterCareSuitability": "suitability-level",
    "residentialCareSuitability": "suitability-level",
    "supportedAccommodationSuitability": "suitability-level",
    "secureCareSuitability": "suitability-level",
    "placementType": "placement-type",
    **{
        name: "risk-level"
        for name in (
            "riskSelfHarm",
            "riskCriminalExploitation",
            "riskDrugAlcohol",
            "riskEatingDisorder",
            "riskMissing",
            "riskSexualExploitation",
            "riskToOthersPhysical",
            "riskToOthersSexual",
            "riskToOthersFire",
            "riskToOthersAnimals",
            "riskToOthersCriminal",
        )
    },
}
# The record's sections, in the standard's order, and the class of each.
SECTIONS = {
    "placementAvailability": "PlacementAvailability",
    "placementRequirements": "PlacementRequirements",
    "placementRecommendation": "PlacementRecommendation",
    "riskAssessment": "RiskAssessment",
    "actualPlacement": "ActualPlacement",
    "qualityAssurance": "QualityAssurance",
}
# Fields that may hold several values: read back as sorted lists (RDF keeps no order).
MULTI = frozenset(
    {
        "outOfLAReasonOther",
        "specificCommunicationRequirement",
        "specificCommunicationRequirementOther",
        "culturalNeedsOther",
        "additionalSupport",
        "additionalSupportOther",
        "siblingIds",
        "locationsToAvoid",
    }
)
# The standard's node-level checks (no result path): the field each one is about.
CHECK_FIELDS = {
    "OutOfLAReasonOtherCheckShape": "outOfLAReasonOther",
    "CulturalNeedsOtherCheckShape": "culturalNeedsOther",
    "SpecificCommunicationRequirementOtherCheckShape": "specificCommunicationRequirementOther",
    "AdditionalSupportOtherCheckShape": "additionalSupportOther",
}
# Our extension's terms, added to the standard's context in what we write and read.
EXTENSION_CONTEXT: dict[str, Any] = {
    "cpp": EXTENSION,
    "siblingIds": {"@id": "cpp:siblingId", "@container": "@set"},
    "secureCareSuitability": {"@id": "cpp:secureCareSuitability", "@type": "@vocab"},
    "locationsToAvoid": {"@id": "cpp:locationToAvoid", "@container": "@set"},
    "LocationToAvoid": "cpp:LocationToAvoid",
    "label": "cpp:label",
    "lat": {"@id": "cpp:lat", "@type": "xsd:decimal"},
    "lon": {"@id": "cpp:lon", "@type": "xsd:decimal"},
    "radiusKm": {"@id": "cpp:radiusKm", "@type": "xsd:decimal"},
}
_DECIMAL_FIELDS = frozenset(
    {"totalWeeklyCost", "coreWeeklyCost", "additionalSupportWeeklyCost", "educationWeeklyCost", "otherWeeklyCost"}
    | {"lat", "lon", "radiusKm"}
)
_EXTENSION_FIELDS = {"siblingId": "siblingIds", "locationToAvoid": "locationsToAvoid"}


@dataclass(frozen=True)
class Finding:
    """One SHACL result, placed on a record (1-based, in file order) and a field."""

    record: int | None
    field: str | None
    message: str
    warning: bool


def concept(field: str, name: str) -> str:
    """The full IRI of concept `name` (e.g. WithinFiveDays) of `field`'s scheme."""
    return f"{NS}{SCHEMES[field]}#{name}"


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


@cache
def context() -> dict[str, Any]:
    """The standard's JSON-LD context (derived copy) with our extension's terms added."""
    standard = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    return {**standard, **EXTENSION_CONTEXT}


@cache
def _shapes() -> Any:
    from rdflib import Graph

    return Graph().parse(SHAPES_FILE, format="turtle")


def decimal_text(value: Decimal | float | int) -> str:
    """A canonical xsd:decimal lexical form: pence for money, plain digits (never 1.5E3)."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    text = format(number, "f")
    return text


def prepare(record: Any, number: int, ids: dict[str, int]) -> tuple[dict[str, Any] | None, list[Finding]]:
    """A record of a file made ready to validate: an @id on it and on each section, numbers
    in their written form, outOfLAReason labels as concept IRIs, no inner @context.

    `ids` collects every node's @id -> record number (to place SHACL results).
    """
    if not isinstance(record, dict):
        return None, [Finding(number, None, "a record must be an object with the standard's fields", False)]
    if record.get("@type") not in ("Placement", "pl:Placement", f"{NS}Placement"):
        # Without it the shapes would not look at the record at all.
        return None, [Finding(number, "@type", '@type must be "Placement" (the standard\'s record)', False)]
    prepared = _cleaned(record)
    assert isinstance(prepared, dict)
    # Our own node names: a file's @id may be a compact IRI of any prefix, or repeated
    # across records; placementId (not @id) is what names a record here.
    own = prepared["@id"] = f"{BASE}record/{number}"
    ids[own] = number
    for section in SECTIONS:
        part = prepared.get(section)
        if isinstance(part, dict):
            part["@id"] = f"{own}/{section}"
            ids[part["@id"]] = number
    availability = prepared.get("placementAvailability")
    if isinstance(availability, dict) and isinstance(availability.get("outOfLAReason"), str):
        availability["outOfLAReason"] = _out_of_la_reason(availability["outOfLAReason"])
    return prepared, []


def _cleaned(value: Any, decimal: bool = False) -> Any:
    """A copy with numbers kept as written (Decimal -> its text; a whole number where the
    context wants a decimal -> its digits) and any inner @context dropped: the importer reads
    every record in the standard's context, and never fetches one."""
    if isinstance(value, dict):
        return {k: _cleaned(v, k in _DECIMAL_FIELDS) for k, v in value.items() if k != "@context"}
    if isinstance(value, list):
        return [_cleaned(v, decimal) for v in value]
    if isinstance(value, Decimal) or (decimal and isinstance(value, int) and not isinstance(value, bool)):
        return decimal_text(value)
    return value


def _out_of_la_reason(value: str) -> str:
    scoped = context()["outOfLAReason"]["@context"]
    mapped = scoped.get(value.strip())
    if isinstance(mapped, str) and ":" in mapped:
        prefix, name = mapped.split(":", 1)
        return f"{context()[prefix]}{name}"
    return value


def document(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A v01 JSON-LD document of `records`, with the context written in full (no fetching)."""
    return {"@context": context(), "@graph": records}


def graph_of(doc: dict[str, Any]) -> Any:
    """The RDF graph of a JSON-LD document (rdflib; relative IRIs against `BASE`)."""
    from rdflib import Graph

    return Graph().parse(data=json.dumps(doc, ensure_ascii=False), format="json-ld", base=BASE)


def validate(graph: Any, ids: dict[str, int]) -> list[Finding]:
    """Every SHACL result of the standard's shapes on `graph`, placed by `ids` (node -> record)."""
    from pyshacl import validate as shacl_validate
    from rdflib import URIRef
    from rdflib.namespace import RDF, SH

    _conforms, results, _text = shacl_validate(
        graph, shacl_graph=_shapes(), inference="none", advanced=False, allow_warnings=False
    )
    findings: set[Finding] = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        shape = results.value(result, SH.sourceShape)
        message = str(results.value(result, SH.resultMessage) or "does not meet the standard")
        warning = results.value(result, SH.resultSeverity) == SH.Warning
        field = _local(str(path)) if isinstance(path, URIRef) else None
        if field is None and isinstance(shape, URIRef):
            field = CHECK_FIELDS.get(_local(str(shape)))
        record = ids.get(str(focus)) if focus is not None else None
        minimum = results.value(result, SH.sourceConstraintComponent) == SH.MinCountConstraintComponent
        if minimum and field and message.startswith("Less than"):
            # pyshacl's own words here name node IRIs; where the shapes give no message, say it plainly.
            message = f"{field} is required by the standard and is missing"
        findings.add(Finding(record, field, message, warning))
    return sorted(findings, key=lambda f: (f.record or 0, f.field or "", f.message))


def records_in(graph: Any, nodes: Iterable[str]) -> list[dict[str, Any]]:
    """Each record node's fields, flat (the standard's field names are unique across sections),
    with each section's presence under its own name (True) and the extension's terms."""
    from rdflib import URIRef

    return [_fields(graph, URIRef(node), top=True) for node in nodes]


def _fields(graph: Any, node: Any, top: bool = False) -> dict[str, Any]:
    from rdflib import BNode, Literal, URIRef

    fields: dict[str, Any] = {}
    for predicate, value in graph.predicate_objects(node):
        iri = str(predicate)
        if iri.startswith(NS):
            name = iri[len(NS) :]
        elif iri.startswith(EXTENSION):
            name = iri[len(EXTENSION) :]
            name = _EXTENSION_FIELDS.get(name, name)
        else:
            continue
        if top and name in SECTIONS and isinstance(value, (URIRef, BNode)):
            fields[name] = True
            for key, inner in _fields(graph, value).items():
                fields.setdefault(key, inner)
            continue
        if name == "locationsToAvoid" and isinstance(value, (URIRef, BNode)):
            read: Any = _fields(graph, value)
        elif isinstance(value, Literal):
            read = value.toPython()
            if isinstance(read, Decimal):
                read = decimal_text(read)
            elif isinstance(read, date):
                read = read.isoformat()
            elif not isinstance(read, (bool, int, str)):
                read = str(value)
        else:
            read = _local(str(value)) if name in SCHEMES else str(value)
        if name in MULTI:
            fields.setdefault(name, []).append(read)
        else:
            fields[name] = read
    for name in MULTI & fields.keys():
        fields[name] = sorted(fields[name], key=lambda v: json.dumps(v, sort_keys=True))
    return fields
