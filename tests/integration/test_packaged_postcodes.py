"""Postcodes out of the box: a fresh app with an empty postcodes table resolves every UK postcode.

The packaged ONS Postcode Directory answers where the table (an imported edition) has
nothing; a postcode in the table wins. Forms and imports resolve through the same lookup.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from planner.postcode_lookup import packaged_postcodes
from tests.integration.builders import MANCHESTER, PASSWORD, add_users
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.accounts.services import accounts
from web.models import Placement, Postcode, YoungPerson
from web.shared.repositories import postcodes as postcode_repository
from web.shared.services import postcodes

PLACEMENTS_HEADER = "code,label,provider_name,setting,postcode,capacity,vacancies\n"


@pytest.fixture(scope="module", autouse=True)
def users(app: Flask) -> None:
    with app.app_context():
        add_users()
        accounts.create_user("admin@manchester.test", "ADMIN", "admin", MANCHESTER, PASSWORD)
        db.commit()


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _table_size(app: Flask) -> int:
    with app.app_context():
        return int(db.session().scalar(select(func.count()).select_from(Postcode)) or 0)


def test_m1_1ae_resolves_on_a_fresh_app_with_an_empty_postcode_table(app: Flask) -> None:
    """Nothing imported, yet the postcode the forms' hints use resolves, with its authority."""
    assert _table_size(app) == 0
    with app.app_context():
        found = postcodes.find("m1 1ae")
        assert found is not None
        assert (found.easting, found.northing, found.authority_code) == (384756, 398553, "E08000003")
        assert postcodes.resolve("M1 1AE") == (found.lat, found.lon)
        assert postcodes.resolve("ZZ9 9ZZ") is None
        many = postcodes.find_many(["M1 1AE", "CF10 1AA", "ZZ9 9ZZ", ""])
        assert sorted(many) == ["CF101AA", "M11AE"]
        assert many["CF101AA"].authority_code == "W06000015"


def test_the_young_person_form_places_a_home_by_a_real_postcode(app: Flask) -> None:
    """A social worker types a real postcode; the home is stored at its packaged position."""
    client = _signed_in(app, "sw@manchester.test")
    year = date.today().year
    form = {
        "reference": "YP-PC1",
        "dob-day": "1",
        "dob-month": "2",
        "dob-year": str(year - 14),
        "sex": "2",
        "ethnicity": "BAFR",
        "home-postcode": "m1 1ae",
        "csrf_token": csrf_token(client, "/young-people/"),
    }
    response = client.post("/young-people/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    expected = packaged_postcodes()("M1 1AE")
    with app.app_context():
        person = db.session().scalars(select(YoungPerson).where(YoungPerson.reference == "YP-PC1")).one()
        assert (person.home_postcode, (person.home_lat, person.home_lon)) == ("M1 1AE", expected)


def test_a_placements_import_locates_by_postcode_and_takes_the_authority(app: Flask) -> None:
    """A provider list with postcodes only: English ones get their authority, a Welsh one
    its position (Welsh councils are not among the authorities that list placements)."""
    client = _signed_in(app, "po@manchester.test")
    table_before = _table_size(app)
    body = PLACEMENTS_HEADER + "PC-1,Carers PC1,Agency,foster,M1 1AE,2,1\nPC-2,Carers PC2,Agency,foster,CF10 1AA,2,1\n"
    data = {
        "csrf_token": csrf_token(client, "/imports/placements_csv"),
        "file": (io.BytesIO(body.encode()), "providers.csv"),
    }
    response = client.post("/imports/placements_csv", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        stored = {p.code: p for p in db.session().scalars(select(Placement).where(Placement.code.like("PC-%")))}
        assert (stored["PC-1"].lat, stored["PC-1"].lon) == packaged_postcodes()("M1 1AE")
        assert stored["PC-1"].authority_code == "E08000003"
        assert (stored["PC-2"].lat, stored["PC-2"].lon) == packaged_postcodes()("CF10 1AA")
        assert stored["PC-2"].authority_code == "W06000015"  # Cardiff: Welsh councils are known authorities too
    assert _table_size(app) == table_before  # nothing was copied into the table


def test_a_postcode_in_the_imported_table_wins_over_the_packaged_one(app: Flask) -> None:
    """An administrator's newer ONSPD edition is read first."""
    with app.app_context():
        postcode_repository.add_postcode(
            Postcode(postcode="M11AE", lat=53.5, lon=-2.2, easting=385000, northing=400000, authority_code=MANCHESTER)
        )
        db.commit()
        try:
            found = postcodes.find("M1 1AE")
            assert found is not None and (found.lat, found.lon, found.northing) == (53.5, -2.2, 400000)
            assert postcodes.find_many(["M1 1AE"])["M11AE"].lat == 53.5
            assert postcodes.resolve("CF10 1AA") == packaged_postcodes()("CF10 1AA")  # the rest still resolve
        finally:
            # The other tests here read M1 1AE from the packaged directory and the table empty.
            db.rollback()
            db.session().execute(delete(Postcode).where(Postcode.postcode == "M11AE"))
            db.commit()
