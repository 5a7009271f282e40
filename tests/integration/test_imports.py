"""The imports pages: who may import what, a good file imported, a bad one refused whole."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.integration.builders import FUTURE, PASSWORD
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.models import Area, AuditEvent, Group, ImportRun, Placement, Postcode
from web.shared.repositories import intelligence

ESSEX = "E10000012"
ONSPD_HEADER = "pcd,pcd2,pcds,dointr,doterm,oscty,oslaua,osward,oseast1m,osnrth1m,osgrdind,lsoa11,lsoa21,lat,long\n"
ONSPD = ONSPD_HEADER + (
    "ZZ1 1AA,ZZ1  1AA,ZZ1 1AA,199801,,E10000012,E07000066,E05004090,571500,189900,1,E01021500,E01021500,51.514,0.5927\n"
    "ZZ1 1AB,ZZ1  1AB,ZZ1 1AB,199801,200512,E10000012,E07000066,E05004090,569400,190000,1,,,51.515,0.5622\n"
    "ZZ2 2AA,ZZ2  2AA,ZZ2 2AA,200104,,E99999999,E06000033,E05002208,588500,186200,1,,E01015900,51.54,0.71\n"
    "ZZ2 2AB,ZZ2  2AB,ZZ2 2AB,200104,,E99999999,E06000033,E05002208,,,9,,,99.999999,0.000000\n"
)
PLACEMENTS_HEADER = (
    "code,label,provider_name,setting,place_code,provider,postcode,lat,lon,"
    "capacity,vacancies,age_min,age_max,specialisms,specialist\n"
)


@pytest.fixture(scope="module", autouse=True)
def users(app: Flask) -> None:
    with app.app_context():
        for email, role in [
            ("admin@essex.test", "admin"),
            ("po@essex.test", "placement_officer"),
            ("sw@essex.test", "social_worker"),
            ("commissioner@essex.test", "commissioner"),
        ]:
            accounts.create_user(email, email.split("@")[0].upper(), role, ESSEX, PASSWORD)
        intelligence.add(Group(code="G-TEST", label="Group T", source="Test", confidence="high", review_by=FUTURE))
        db.commit()


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _upload(client: FlaskClient, kind: str, content: bytes | str, filename: str, dry_run: bool = False) -> TestResponse:
    token = csrf_token(client, f"/imports/{kind}")
    data: dict[str, object] = {
        "csrf_token": token,
        "file": (io.BytesIO(content.encode() if isinstance(content, str) else content), filename),
    }
    if dry_run:
        data["dry_run"] = "yes"
    return client.post(f"/imports/{kind}", data=data, content_type="multipart/form-data")


def _store_postcodes(app: Flask) -> None:
    """The admin imports the sample postcodes, for a test that needs them (ZZ1 1AA at 51.514, 0.5927)."""
    assert _upload(_signed_in(app, "admin@essex.test"), "postcodes", ONSPD, "onspd.csv").status_code == 200


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session().query(model).count()


def _last_audit(app: Flask) -> AuditEvent:
    with app.app_context():
        found = db.session().query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert found is not None
        return found


def test_commissioners_and_social_workers_do_not_see_imports(app: Flask) -> None:
    """Neither role has the Imports link, and the pages answer 403."""
    for email in ("commissioner@essex.test", "sw@essex.test"):
        client = _signed_in(app, email)
        assert client.get("/imports/").status_code == 403
        assert client.get("/imports/placements_csv").status_code == 403
        assert 'href="/imports/"' not in client.get("/supply/").get_data(as_text=True)


def test_a_placement_officer_imports_placements_and_areas_but_not_postcodes(app: Flask) -> None:
    """The index lists only the importers the role may run; the postcode directory is for admins."""
    client = _signed_in(app, "po@essex.test")
    before = _count(app, Postcode)
    page = client.get("/imports/").get_data(as_text=True)
    assert "Placements (provider list CSV)" in page and "Gang-affected areas" in page
    # No postcode importer (an admin's postcode import may still be listed among the recent imports).
    assert 'href="/imports/postcodes"' not in page
    assert client.get("/imports/postcodes").status_code == 403
    token = csrf_token(client, "/imports/placements_csv")
    response = client.post(
        "/imports/postcodes",
        data={"csrf_token": token, "file": (io.BytesIO(ONSPD.encode()), "onspd.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert _count(app, Postcode) == before


def test_admin_imports_the_postcode_directory_skipping_terminated_and_ungridded(app: Flask) -> None:
    """Live postcodes are stored compact, with the county (or the unitary when no county) and LSOA."""
    client = _signed_in(app, "admin@essex.test")
    response = _upload(client, "postcodes", "\ufeff" + ONSPD, "ONSPD_sample.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "File imported" in page and "Skipped: terminated postcodes" in page
    with app.app_context():
        rows = {p.postcode: p for p in db.session().query(Postcode)}
    assert set(rows) == {"ZZ11AA", "ZZ22AA"}
    assert (rows["ZZ11AA"].authority_code, rows["ZZ11AA"].lsoa_code) == (ESSEX, "E01021500")
    assert (rows["ZZ22AA"].authority_code, rows["ZZ22AA"].lsoa_code) == ("E06000033", "E01015900")
    assert (rows["ZZ11AA"].easting, rows["ZZ11AA"].northing) == (571500, 189900)
    index = client.get("/imports/").get_data(as_text=True)
    assert "ONS Postcode Directory" in index and "ADMIN" in index
    assert _last_audit(app).action == "import"


def test_reimporting_postcodes_replaces_the_stored_rows(app: Flask) -> None:
    """An upsert: the same postcode with new coordinates replaces the old row."""
    _store_postcodes(app)
    before = _count(app, Postcode)
    client = _signed_in(app, "admin@essex.test")
    moved = ONSPD_HEADER + "ZZ1 1AA,,ZZ1 1AA,199801,,E10000012,E07000066,,571600,189950,1,,E01021500,51.5145,0.594\n"
    assert _upload(client, "postcodes", moved, "onspd.csv").status_code == 200
    with app.app_context():
        row = db.session().get(Postcode, "ZZ11AA")
        assert row is not None and row.lat == 51.5145
        assert db.session().query(Postcode).count() == before


def test_a_postcode_file_with_one_bad_row_or_a_dry_run_writes_no_postcode(app: Flask) -> None:
    """The good rows of a refused file are not kept; a dry run keeps none either."""
    client = _signed_in(app, "admin@essex.test")
    before = _count(app, Postcode)
    good = "ZZ5 5AA,,ZZ5 5AA,199801,,E10000012,E07000066,,571500,189900,1,,E01021500,51.514,0.5927\n"
    bad = "ZZ5 5AB,,ZZ5 5AB,199801,,E10000012,E07000066,,57x,189900,1,,E01021500,north,0.5927\n"
    response = _upload(client, "postcodes", ONSPD_HEADER + good + bad, "onspd.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "oseast1m must be a whole number of metres" in page and "lat must be a number" in page
    assert _upload(client, "postcodes", ONSPD_HEADER + good, "onspd.csv", dry_run=True).status_code == 200
    assert _count(app, Postcode) == before


def test_a_placements_dry_run_checks_everything_and_writes_nothing(app: Flask) -> None:
    """Check only: the summary says what would be added; no placement and no import run is stored."""
    _store_postcodes(app)
    client = _signed_in(app, "po@essex.test")
    before = (_count(app, Placement), _count(app, ImportRun))
    body = PLACEMENTS_HEADER + "DRY-1,Carers D1,Agency,foster,U4,PR4,ZZ1 1AA,,,2,1,8,17,going_missing,yes\n"
    response = _upload(client, "placements_csv", body, "providers.csv", dry_run=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The file is ready to import" in page and "Placements added if imported" in page
    assert (_count(app, Placement), _count(app, ImportRun)) == before
    assert _last_audit(app).action == "import_dry_run"


def test_placements_import_resolves_postcodes_and_updates_by_code(app: Flask) -> None:
    """A postcode gives the position and the authority; a second file updates the same code."""
    _store_postcodes(app)
    client = _signed_in(app, "po@essex.test")
    body = PLACEMENTS_HEADER + (
        "IMP-1,Carers I1,Agency,foster,U4,PR4,ZZ1 1AA,,,2,1,8,17,going_missing;criminal_exploitation,yes\n"
        "IMP-2,Home I2,Homes Ltd,residential,K2,PR4,,51.54,0.71,4,2,12,17,,no\n"
    )
    assert _upload(client, "placements_csv", body, "providers.csv").status_code == 200
    with app.app_context():
        first = db.session().query(Placement).filter_by(code="IMP-1").one()
        assert (first.lat, first.authority_code, first.postcode) == (51.514, ESSEX, "ZZ1 1AA")
        assert first.specialisms == ["criminal_exploitation", "going_missing"] and first.specialist
    update = "code,label,provider_name,setting,lat,lon,capacity,vacancies\nIMP-1,Carers I1,Agency,foster,51.6,0.6,3,0\n"
    response = _upload(client, "placements_csv", update, "update.csv")
    assert response.status_code == 200 and "Placements updated" in response.get_data(as_text=True)
    with app.app_context():
        first = db.session().query(Placement).filter_by(code="IMP-1").one()
        # Columns left out of the file (specialisms) keep their values.
        assert (first.capacity, first.vacancies, first.lat) == (3, 0, 51.6)
        assert first.specialisms == ["criminal_exploitation", "going_missing"]


def test_one_bad_row_refuses_the_whole_file_with_a_row_by_row_report(app: Flask) -> None:
    """Nothing is written; each problem names its row and column, and the unknown postcode."""
    _store_postcodes(app)
    client = _signed_in(app, "po@essex.test")
    before = _count(app, Placement)
    body = PLACEMENTS_HEADER + (
        "BAD-1,Carers B1,Agency,foster,U4,PR4,ZZ1 1AA,,,2,1,8,17,,no\n"
        "BAD-2,Carers B2,Agency,castle,U4,PR4,ZZ1 1AA,,,2,5,8,17,,no\n"
        "BAD-3,Carers B3,Agency,foster,U4,PR4,ZZ9 9ZZ,,,2,1,8,17,,no\n"
    )
    response = _upload(client, "placements_csv", body, "providers.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and "nothing was imported" in page
    assert "setting must be one of" in page and "vacancies must be between 0 and capacity" in page
    assert "postcode ZZ9 9ZZ is not in the postcode lookup" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in page
    assert _count(app, Placement) == before
    event = _last_audit(app)
    assert event.action == "import_refused" and event.detail is not None and "problems 3" in event.detail


def test_a_missing_column_a_missing_file_and_a_non_utf8_file_are_named(app: Flask) -> None:
    """Whole-file problems appear beside the file input, in the error summary."""
    client = _signed_in(app, "po@essex.test")
    page = _upload(client, "placements_csv", "code,label\nX,Y\n", "p.csv").get_data(as_text=True)
    assert "The header row is missing the columns provider_name, setting, capacity, vacancies" in page
    token = csrf_token(client, "/imports/placements_csv")
    response = client.post("/imports/placements_csv", data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the Placements list (CSV) file" in response.get_data(as_text=True)
    latin1 = (PLACEMENTS_HEADER + "L-1,Caf\u00e9,Agency,foster,U4,PR4,ZZ1 1AA,,,2,1,8,17,,no\n").encode("latin-1")
    response = _upload(client, "placements_csv", latin1, "p.csv")
    assert response.status_code == 400 and "is not UTF-8 text" in response.get_data(as_text=True)
    response = _upload(client, "placements_csv", "x", "p.xlsx")
    assert "must be a .csv file" in response.get_data(as_text=True)


def test_a_file_over_the_upload_limit_gets_a_clear_page(app: Flask) -> None:
    """413 with the limit in words, nothing imported."""
    client = _signed_in(app, "po@essex.test")
    token = csrf_token(client, "/imports/placements_csv")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    try:
        response = client.post(
            "/imports/placements_csv",
            data={"csrf_token": token, "file": (io.BytesIO(b"a" * (3 * 1024 * 1024)), "big.csv")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_areas_from_csv_and_geojson_polygons_with_known_groups(app: Flask) -> None:
    """A polygon is stored as drawn with a point inside it; a group nobody recorded is added."""
    client = _signed_in(app, "po@essex.test")
    csv_body = (
        "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"
        f"AR-1,Area A,gang_territory,51.52,0.58,1.5,high,G-TEST,Briefing,medium,{FUTURE.isoformat()}\n"
    )
    assert _upload(client, "areas", csv_body, "areas.csv").status_code == 200
    ring = [[0.55, 51.50], [0.60, 51.50], [0.60, 51.53], [0.55, 51.53], [0.55, 51.50]]
    feature = {
        "type": "Feature",
        "properties": {
            "code": "AR-1",
            "label": "Area A",
            "kind": "gang_territory",
            "severity": "high",
            "groups": ["G-TEST"],
            "source": "Briefing",
            "confidence": "high",
            "review_by": FUTURE.isoformat(),
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    document = {"type": "FeatureCollection", "features": [feature]}
    response = _upload(client, "areas", json.dumps(document), "areas.geojson")
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        area = db.session().query(Area).filter_by(code="AR-1").one()
        assert area.polygon is not None and area.polygon["type"] == "Polygon"
        assert 51.50 < area.lat < 51.53 and 0.55 < area.lon < 0.60 and area.radius_km == 0
        assert area.confidence == "high" and [g.code for g in area.groups] == ["G-TEST"]
    open_ring = {**feature, "properties": {**feature["properties"], "groups": ["G-NONE"]}}
    open_ring["geometry"] = {"type": "Polygon", "coordinates": [ring[:-1]]}
    page = _upload(
        client, "areas", json.dumps({"type": "FeatureCollection", "features": [open_ring]}), "a.geojson"
    ).get_data(as_text=True)
    assert "ring 1 is not closed" in page
    # A group nobody has recorded is the importer's own new group (issue 12), not a refusal.
    unknown_group = {**feature, "properties": {**feature["properties"], "groups": ["G-NONE"]}}
    page = _upload(
        client, "areas", json.dumps({"type": "FeatureCollection", "features": [unknown_group]}), "a.geojson"
    ).get_data(as_text=True)
    assert "Groups added" in page
    with app.app_context():
        group = db.session().query(Group).filter_by(code="G-NONE").one()
        assert (group.owner_code, group.source, group.confidence) == (ESSEX, "Briefing", "high")
        area = db.session().query(Area).filter_by(code="AR-1").one()
        assert area.owner_code == ESSEX and [g.code for g in area.groups] == ["G-NONE"]
