"""Exports: SSDA903 episodes with DfE's derived fields, Placements Standard v2 records, admin only, audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import MANCHESTER, PASSWORD
from tests.integration.decision_builders import build_decision_world, decide_through_pages
from tests.integration.helpers import csrf_token, export_file, sign_in
from web import db
from web.accounts.services import accounts
from web.casework.repositories import referrals
from web.data_exchange.services.imports import run_import
from web.models import AuditEvent, Postcode
from web.shared.repositories import postcodes

HEADER = "CHILD,SEX,DOB,ETHNIC\nX1,2,01/01/2011,WBRI\n"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    "X1,01/01/2025,S,C2,N4,U4,PR1,,,,M1 1AA,M2 2BB,SC000001\n"
)


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    """The decision world, an admin, two synthetic postcodes, one imported episode and two decisions."""
    build_decision_world(app, ["R-X1", "R-X2"])
    with app.app_context():
        accounts.create_user("admin@manchester.test", "ADMIN", "admin", MANCHESTER, PASSWORD)
        for code, lat, lon, east, north in [
            ("M11AA", 53.48, -2.24, 384_000, 398_000),
            ("M22BB", 53.49, -2.25, 383_000, 399_000),
        ]:
            postcodes.add_postcode(
                Postcode(postcode=code, lat=lat, lon=lon, easting=east, northing=north, authority_code=MANCHESTER)
            )
        db.commit()
        outcome = run_import(
            "ssda903",
            {"header": ("h.csv", HEADER.encode()), "episodes": ("e.csv", EPISODES.encode())},
            dry_run=False,
            authority_code=MANCHESTER,
        )
        assert outcome.ok, outcome.problems
    decide_through_pages(app, [("R-X1", "P-NEAR"), ("R-X2", "P-FAR")])


def _admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "admin@manchester.test")
    return client


def test_ssda903_episodes_have_distance_and_location(app: Flask) -> None:
    """Imported episodes and standing decisions, each with PL_DISTANCE, PL_LOCATION and where the distance came from."""
    response = export_file(_admin(app), "ssda903-episodes")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_child = {row["CHILD"]: row for row in rows}

    imported = by_child["X1"]  # the CHILD id, without the authority prefix
    assert (imported["DECOM"], imported["PLACE"], imported["HOME_POST"], imported["PL_POST"]) == (
        "01/01/2025",
        "U4",
        "M1 1AA",
        "M2 2BB",
    )
    assert (imported["PL_DISTANCE"], imported["PL_LOCATION"], imported["SOURCE"]) == ("0.9", "IN", "ssda903")

    near, far = by_child["YP-R-X1"], by_child["YP-R-X2"]
    assert near["SOURCE"] == "decision approved" and near["PL_LOCATION"] == "IN"
    assert far["SOURCE"] == "decision awaiting approval" and far["PL_LOCATION"] == "OUT"
    # No postcodes on these records: the miles come from the stored coordinates.
    assert near["DISTANCE_FROM"] == far["DISTANCE_FROM"] == "coordinates"
    assert float(far["PL_DISTANCE"]) > 20 > float(near["PL_DISTANCE"])
    assert near["DECOM"] == date.today().strftime("%d/%m/%Y")


def test_ps_referrals_export_reads_back_through_the_import(app: Flask) -> None:
    """The referrals export is Placements Standard v2 JSON that the import accepts (a dry run changes nothing)."""
    response = export_file(_admin(app), "ps-referrals")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.get_data(as_text=True))
    assert document["version"] == "v2"
    record = next(r for r in document["records"] if r["referralId"] == "R-X1")
    assert record["PlacementAvailability"]["childId"] == "YP-R-X1"
    assert record["PlacementAvailability"]["neededBy"] == "in more than 5 days"
    assert record["Risks"]["riskCriminalExploitation"] == "Risk Present"
    assert record["PlacementRecommendation"]["fosterCareSuitability"] == "Suitable but not preferred"

    # R-X2 is open but a decision awaiting approval holds its place: it cannot be changed.
    open_records = [r for r in document["records"] if r["status"] == "open" and r["referralId"] != "R-X2"]
    assert [r["referralId"] for r in open_records] == ["R-T1"]
    with app.app_context():
        referral = referrals.get_referral(MANCHESTER, "R-T1")
        assert referral is not None
        referral.notes, referral.preferred_specialisms = "Written in the form.", ["sibling_group"]
        before = (referral.needed_by, dict(referral.settings or {}), referral.solo)
        db.commit()
        outcome = run_import(
            "placements_standard",
            {"file": ("ps.json", json.dumps({"records": open_records}).encode())},
            dry_run=False,
            authority_code=MANCHESTER,
        )
        assert outcome.ok, outcome.problems
        assert outcome.added["referrals updated"] == 1
        # Reading its own export back changes nothing the form wrote.
        db.session().expire_all()
        referral = referrals.get_referral(MANCHESTER, "R-T1")
        assert referral is not None
        assert (referral.needed_by, {s: referral.settings.get(s, "suitable") for s in before[1]}, referral.solo) == (
            before[0],
            before[1],
            before[2],
        )
        assert (referral.notes, referral.preferred_specialisms) == ("Written in the form.", ["sibling_group"])


def test_ps_placements_export(app: Flask) -> None:
    """Standing decisions become ActualPlacement records with type, cost and siblings."""
    document = json.loads(export_file(_admin(app), "ps-placements").get_data(as_text=True))
    by_referral = {r["referralId"]: r for r in document["records"]}
    assert set(by_referral) == {"R-X1", "R-X2"}
    actual = by_referral["R-X2"]["ActualPlacement"]
    assert (actual["placementType"], actual["totalWeeklyCost"], actual["siblingsPlacedTogether"]) == ("Foster", 800, 0)
    assert by_referral["R-X2"]["decisionStatus"] == "awaiting_approval"


def test_every_download_is_audited_without_contents(app: Flask) -> None:
    """An export leaves an audit event naming the kind and the count, nothing more."""
    export_file(_admin(app), "ps-placements")
    with app.app_context():
        event = (
            db.session()
            .query(AuditEvent)
            .filter_by(action="export", object_ref="ps-placements")
            .order_by(AuditEvent.id.desc())
            .first()
        )
    assert event is not None and event.detail == f"{MANCHESTER}: 2 rows"


def test_only_admins_reach_exports(app: Flask, client: FlaskClient) -> None:
    """Other roles are refused; signed-out visitors go to sign in; an unknown export is a 404."""
    assert client.get("/exports/").status_code in (302, 401)
    sign_in(client, "po@manchester.test")
    assert client.get("/exports/").status_code == 403
    assert (
        client.post("/exports/ssda903-episodes", data={"csrf_token": csrf_token(client, "/supply")}).status_code == 403
    )
    admin = _admin(app)
    page = admin.get("/exports/")
    assert page.status_code == 200 and "Placements Standard v2 referrals" in page.get_data(as_text=True)
    assert (
        admin.post("/exports/nothing-like-this", data={"csrf_token": csrf_token(admin, "/exports/")}).status_code == 404
    )
    assert admin.get("/exports/ssda903-episodes").status_code == 405  # a file is prepared by a job, never on a GET


def test_export_command_writes_the_file(app: Flask, tmp_path: Path) -> None:
    """`flask export-data KIND --authority GSS --out FILE` writes the same export."""
    out = tmp_path / "episodes.csv"
    result = app.test_cli_runner().invoke(
        args=["export-data", "ssda903-episodes", "--authority", MANCHESTER, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 3 rows" in result.output
    assert out.read_text(encoding="utf-8").startswith("CHILD,DECOM,RNE")
    result = app.test_cli_runner().invoke(
        args=["export-data", "ps-referrals", "--authority", "E99999999", "--out", str(out)]
    )
    assert result.exit_code != 0


def test_a_referral_held_by_a_decision_is_not_changed_by_an_import(app: Flask) -> None:
    """Importing a record for a referral whose place a decision holds is refused, naming referralId."""
    document = json.loads(export_file(_admin(app), "ps-referrals").get_data(as_text=True))
    held = [r for r in document["records"] if r["referralId"] == "R-X2"]
    with app.app_context():
        outcome = run_import(
            "placements_standard",
            {"file": ("ps.json", json.dumps(held).encode())},
            dry_run=False,
            authority_code=MANCHESTER,
        )
    assert [(p.row, p.field) for p in outcome.problems] == [(1, "referralId")]
    assert "decision holds a place" in outcome.problems[0].message
