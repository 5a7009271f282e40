"""The National Placement Standard v01: export as JSON-LD meeting the shapes, import (JSON-LD and CSV), round trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import MANCHESTER, PASSWORD, _person
from tests.integration.decision_builders import build_decision_world, decide_through_pages
from tests.integration.helpers import csrf_token, export_file, sign_in
from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals, young_people
from web.data_exchange.services import exports
from web.data_exchange.services.imports import Outcome, run_import
from web.models import Placement, Referral, RiskLocation
from web.shared.services.errors import InvalidInput

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "national-placement-standard"
EXAMPLES = SHARED / "shacl" / "examples"
needs_shared = pytest.mark.skipif(
    not EXAMPLES.is_dir(), reason="the standard's public examples (../shared/data) are not on this machine"
)
# Each invalid example and the field its refusal must name.
INVALID = {
    "invalid-bad-enum.jsonld": "pets",
    "invalid-cost-out-of-range.jsonld": "totalWeeklyCost",
    "invalid-missing-required.jsonld": "riskAssessment",
    "invalid-negative-cost.jsonld": "otherWeeklyCost",
    "invalid-other-missing-text.jsonld": "culturalNeedsOther",
    "invalid-postcode.jsonld": "placementLocation",
}
EXAMPLE_CHILDREN = ("ABCD2012", "NEEDEDBY001", "OTHER001", "CSV001", "SYN001", "SYN002")
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    """Two referrals placed by decisions (placements with URN and postcode), an admin, the examples' children."""
    build_decision_world(app, ["R-N1", "R-N2"])
    with app.app_context():
        accounts.create_user("admin@manchester.test", "ADMIN", "admin", MANCHESTER, PASSWORD)
        for child in EXAMPLE_CHILDREN:
            person = _person(f"{MANCHESTER}-{child}", MANCHESTER, 53.48, -2.24, 14)
            person.risks = []
            young_people.add_young_person(person)
        db.commit()
    decide_through_pages(app, [("R-N1", "P-NEAR"), ("R-N2", "P-FAR")])
    with app.app_context():
        # Recorded after the decisions, so the rankings above are those of the shared decision world.
        for code, urn, postcode in (("P-NEAR", "SC100001", "M11AA"), ("P-FAR", "SC100002", "DE451AA")):
            placement = db.session().query(Placement).filter_by(code=code).one()
            placement.urn, placement.postcode = urn, postcode
        first = young_people.get_by_reference("YP-R-N1")
        assert first is not None
        first.risk_locations.append(
            RiskLocation(label="Former address", lat=53.4712345, lon=-2.2301, radius_km=0.75, source="test",
                         created_at=first.created_at)
        )  # fmt: skip
        db.commit()


def _admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "admin@manchester.test")
    return client


def _import(app: Flask, name: str, data: bytes, dry_run: bool = False) -> Outcome:
    with app.app_context():
        return run_import("nps", {"file": (name, data)}, dry_run=dry_run, authority_code=MANCHESTER)


def _export(app: Flask) -> str:
    response = export_file(_admin(app), "nps-placements")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/ld+json"
    return response.get_data(as_text=True)


def _shared_shapes() -> Any:
    from rdflib import Graph

    return Graph().parse(SHARED / "shacl" / "shacl-shape.ttl", format="turtle")


@needs_shared
@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_examples_are_refused_naming_the_field(app: Flask, name: str) -> None:
    """Every invalid-* example of the standard is refused, the problem naming the field it breaks."""
    outcome = _import(app, name, (EXAMPLES / name).read_bytes())
    assert not outcome.ok
    assert outcome.import_id is None
    fields = {p.field for p in outcome.problems}
    assert INVALID[name] in fields, outcome.problems
    assert all(p.field and p.field in p.message for p in outcome.problems), outcome.problems


@needs_shared
def test_valid_examples_import(app: Flask) -> None:
    """The standard's three valid-* examples import (its decimals and outOfLAReason labels read as meant)."""
    for name in ("valid-neededby-symbolic.jsonld", "valid-other-options.jsonld", "valid-placement.jsonld"):
        outcome = _import(app, name, (EXAMPLES / name).read_bytes())
        assert outcome.ok, (name, outcome.problems)
        assert outcome.added["referrals added"] == 1
    with app.app_context():
        referral = referrals.get_referral(MANCHESTER, f"NPS-{MANCHESTER}-ABCD2012-20240212")
        assert referral is not None
        assert referral.needed_by == "within_5_days"
        assert referral.settings == {
            "foster": "preferred",
            "residential": "suitable",
            "supported": "unsuitable",
            "secure": "unsuitable",
        }
        assert "deprivation_of_liberty" in referral.required_specialisms
        assert referral.young_people[0].risks == ["going_missing", "self_harm"]
        kept = referral.nps_fields or {}
        assert kept["siblingCount"] == 2
        assert kept["outOfLAReason"] == "CourtOrder"
        assert kept["actualPlacement"]["totalWeeklyCost"] == "4500.00"
        assert kept["actualPlacement"]["placementLocation"] == "N18"
        assert "placementOfficerName" not in json.dumps(kept)  # staff names are not kept
        other = referrals.get_referral(MANCHESTER, "PLC-OTHER-001")
        assert other is not None and other.nps_fields is not None
        assert other.nps_fields["outOfLAReason"] == "OutOfLAReasonOther"
        assert len(other.nps_fields["outOfLAReasonOther"]) == 2
        assert other.nps_fields["notSpecified"] == ["foster", "supported"]


@needs_shared
def test_export_meets_the_standards_own_shapes(app: Flask) -> None:
    """The export is JSON-LD that conforms to the shared (original) SHACL shapes under pyshacl, warnings allowed."""
    from pyshacl import validate
    from rdflib import Graph

    content = _export(app)
    graph = Graph().parse(data=content, format="json-ld")
    conforms, _graph, text = validate(graph, shacl_graph=_shared_shapes(), allow_warnings=True)
    assert conforms, text
    document = json.loads(content)
    by_id = {r["placementId"]: r for r in document["@graph"]}
    placed = by_id["R-N1"]
    assert placed["childId"] == "YP-R-N1" and isinstance(placed["childId"], str)
    actual = placed["actualPlacement"]
    assert actual["placementLocation"] == "M1"
    assert actual["providerURN"] == "SC100001"
    assert actual["totalWeeklyCost"] == "800.00"  # a canonical decimal, never 8.0E2
    assert actual["placementType"] == "https://ns.socialcaredata.io/placements/placement-type#Foster"
    assert placed["qualityAssurance"]["placementOfficerName"] == "Social worker"  # a role, not a name
    assert placed["locationsToAvoid"][0]["label"] == "Former address"


def _state(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = db.session().query(Referral).filter_by(authority_code=MANCHESTER).order_by(Referral.reference).all()
        return [
            (
                r.reference,
                r.status,
                r.needed_by,
                json.dumps(r.settings, sort_keys=True),
                sorted(r.required_specialisms),
                sorted(r.preferred_specialisms),
                r.solo,
                r.notes,
                json.dumps(r.nps_fields, sort_keys=True),
                r.created_at,
                r.updated_at,
                [(p.reference, sorted(p.risks), len(p.risk_locations)) for p in r.young_people],
            )
            for r in rows
        ]


@needs_shared
def test_round_trip_changes_nothing(app: Flask) -> None:
    """Export, import the file, export again: the referrals and the file are unchanged (placed ones included)."""
    # Its own children and referrals, so test_valid_examples_import still adds the examples' ones
    # whatever the order (a child may be on only one open referral).
    with app.app_context():
        for child in ("RTOTHER001", "RTABCD2012"):
            person = _person(f"{MANCHESTER}-{child}", MANCHESTER, 53.48, -2.24, 14)
            person.risks = []
            young_people.add_young_person(person)
        db.commit()
    for name in ("valid-other-options.jsonld", "valid-placement.jsonld"):
        record = json.loads((EXAMPLES / name).read_bytes())
        record["childId"] = f"RT{record['childId']}"
        record["placementId"] = f"RT-{record['childId']}"
        outcome = _import(app, name, json.dumps(record).encode())
        assert outcome.ok, (name, outcome.problems)
    first = _export(app)
    before = _state(app)
    outcome = _import(app, "nps.jsonld", first.encode())
    assert outcome.ok, outcome.problems
    assert outcome.added["referrals added"] == 0
    assert outcome.added["referrals updated"] == 0
    assert outcome.added["referrals unchanged"] == len(json.loads(first)["@graph"])
    assert outcome.added["risk locations"] == 0 and outcome.added["risks added"] == 0
    assert _state(app) == before
    assert _export(app) == first


def test_a_placed_referral_is_not_changed_by_an_import(app: Flask) -> None:
    """A record that would change a referral a decision holds a place for is refused, naming the field."""
    document = json.loads(_export(app))
    record = next(r for r in document["@graph"] if r["placementId"] == "R-N1")
    record["placementAvailability"]["neededBy"] = "Today"
    document["@graph"] = [record]
    outcome = _import(app, "nps.jsonld", json.dumps(document).encode())
    assert not outcome.ok
    assert [p.field for p in outcome.problems] == ["neededBy"]


def test_export_refuses_a_record_that_breaks_the_shapes(app: Flask) -> None:
    """A placed referral whose placement has no URN stops the export, naming the record and the field."""
    with app.app_context():
        placement = db.session().query(Placement).filter_by(code="P-NEAR").one()
        placement.urn = None
        db.session().flush()
        with pytest.raises(InvalidInput) as refused:
            exports.nps_document(MANCHESTER)
        db.rollback()
    assert any("R-N1" in p and "providerURN" in p for p in refused.value.problems), refused.value.problems


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


CSV_ROW = {
    "child_ID": "CSV001",
    "placement_id": "NPS-CSV-1",
    "when_placement_is_needed_by": "< 5 days",
    "number_of_siblings_to_place_with": "0",
    "is_preferred_location_local": "No",
    "out_of_LA_reason": "Court Order",
    "communication_language_learning_needs": "Not Specified",
    "specific_communication_and_language_requirements": "ESOL",
    "adaptation_to_the_home": "Yes",
    "cultural_needs": "Required",
    "who_can_the_child_be_cared_for_alongside": "Only With Other younger children",
    "can_child_live_with_pets": "No",
    "additional_support": "Taxis to school; Therapeutic support",
    "additional_support_other": "",
    "dol": "No",
    "foster_care_suitability": "Preferred",
    "residential_care_suitability": "Suitable but not preferred",
    "supported_accommodation": "Unsuitable",
    "risk_to_child_self_harm": "Risk Present",
    "risk_to_child_criminal_exploitation": "No known risk",
    "risk_to_child_drug_and_alcohol_use": "No known risk",
    "risk_to_child_eating_disorder": "No known risk",
    "risk_to_child_going_missing": "No known risk",
    "risk_to_child_sexual_exploitation": "No known risk",
    "risk_to_others_physical_harm": "No known risk",
    "risk_to_others_sexual_harm": "No known risk",
    "risk_to_others_fire_setting": "No known risk",
    "risk_to_others_harm_to_animals": "No known risk",
    "risk_to_others_criminal_exploitation": "Risk Present",
    "Date_entry_referral": "12/02/2024",
    "name_of_officer_placement": "Officer",
    "date_entry_placement": "2024-03-21",
    "date_entry_placement_cost": "2024-04-30",
}


def test_csv_form_imports(app: Flask) -> None:
    """A row of the standard's CSV form (Data Collection columns and options) imports like a JSON-LD record."""
    outcome = _import(app, "nps.csv", _csv([CSV_ROW]))
    assert outcome.ok, outcome.problems
    with app.app_context():
        referral = referrals.get_referral(MANCHESTER, "NPS-CSV-1")
        assert referral is not None
        assert referral.needed_by == "within_5_days"
        assert "therapeutic" in referral.preferred_specialisms
        kept = referral.nps_fields or {}
        assert kept["additionalSupport"] == ["TaxisToSchool"]
        assert kept["riskToOthersCriminal"] == "RiskPresent"
        assert kept["livingCompanions"] == "OnlyWithYoungerChildren"


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("can_child_live_with_pets", "Maybe", "can_child_live_with_pets"),
        ("risk_to_child_sexual_exploitation", "", "riskSexualExploitation"),
        ("Date_entry_referral", "yesterday", "date_entry_referral"),
    ],
)
def test_csv_form_refuses_naming_the_column(app: Flask, column: str, value: str, field: str) -> None:
    """A CSV cell that is not one of the standard's options, or a required answer left out, is named."""
    outcome = _import(app, "nps.csv", _csv([{**CSV_ROW, "placement_id": "NPS-CSV-2", column: value}]), dry_run=True)
    assert not outcome.ok
    assert field in {p.field for p in outcome.problems}, outcome.problems
    assert {p.row for p in outcome.problems} == {2}  # the row as a spreadsheet numbers it, header row 1


def test_command_line_export_and_import(app: Flask, tmp_path: Path) -> None:
    """`export-data nps-placements` writes the file and `import-data nps --dry-run` reads it back."""
    out = tmp_path / "nps.jsonld"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-data", "nps-placements", "--authority", MANCHESTER, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "records" in result.output
    result = runner.invoke(args=["import-data", "nps", "--file", str(out), "--authority", MANCHESTER, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_exports_page_names_what_stops_the_file(app: Flask) -> None:
    """A refused export's job page shows which referral and field stop it; no file is kept."""
    with app.app_context():
        placement = db.session().query(Placement).filter_by(code="P-FAR").one()
        placement.urn = None
        db.commit()
    try:
        client = _admin(app)
        started = client.post("/exports/nps-placements", data={"csrf_token": csrf_token(client, "/exports/")})
        page = client.get(started.headers["Location"]).get_data(as_text=True)
        assert "The job did not finish" in page and "/file" not in page
        assert "R-N2: providerURN" in page and "record the placement&#39;s Ofsted URN" in page
    finally:
        with app.app_context():
            placement = db.session().query(Placement).filter_by(code="P-FAR").one()
            placement.urn = "SC100002"
            db.commit()


def test_imports_page_offers_the_nps_import(app: Flask) -> None:
    """The Imports page lists the v01 import, taking JSON-LD, JSON and CSV files."""
    page = _admin(app).get("/imports/nps").get_data(as_text=True)
    assert "National Placement Standard v01 records" in page
    assert 'accept=".jsonld,.json,.csv"' in page


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"childId": "CSV001", "placementAvailability": {"neededBy": "Today"}}', "@type"),
        (b"[" * 100_000 + b"]" * 100_000, None),
        (b'{"@graph": [{"@type": "Placement", "childId": 7}]}', "childId"),
    ],
)
def test_malformed_records_are_refused_not_crashed_on(app: Flask, content: bytes, field: str | None) -> None:
    """A record without its @type, a file nested too deep, a childId that is not text: refused with words."""
    outcome = _import(app, "odd.jsonld", content, dry_run=True)
    assert not outcome.ok
    if field is not None:
        assert field in {p.field for p in outcome.problems}, outcome.problems


def test_derived_shapes_and_context_are_the_standards(app: Flask) -> None:
    """data/reference holds the standard's shapes and context unchanged (derive.py is rerun when they change)."""
    if not SHARED.is_dir():
        pytest.skip("the standard's public files (../shared/data) are not on this machine")
    from planner.authorities import REFERENCE_DIR

    derived = REFERENCE_DIR / "national-placement-standard"
    shapes = (derived / "shacl-shape.ttl").read_text(encoding="utf-8")
    assert shapes.endswith((SHARED / "shacl" / "shacl-shape.ttl").read_text(encoding="utf-8"))
    context = json.loads((derived / "context.jsonld").read_text(encoding="utf-8"))
    assert context == json.loads((SHARED / "shacl" / "context.jsonld").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["nps-v01-referral.jsonld", "nps-v01-referrals.csv"])
def test_the_samples_check_clean(app: Flask, name: str) -> None:
    """data/samples' synthetic v01 files (JSON-LD with the standard's context URL, and CSV) pass a dry run."""
    outcome = _import(app, name, (SAMPLES / name).read_bytes(), dry_run=True)
    assert outcome.ok, outcome.problems
    assert outcome.added["referrals added"] == 1
