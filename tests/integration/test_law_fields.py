"""The law by placement type through the product: the referral's secure accommodation order and
fostering-limit exemption, the placement's exemption and reg 11(4) carers, and the decision
saying which reg 11 rule applied."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.helpers import bearer, make_token
from tests.integration.builders import DERBYSHIRE, MANCHESTER, _placement
from tests.integration.decision_builders import build_decision_world, plan_form
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.casework.services.referral_form import FormInvalid, ReferralForm, clean
from web.matching.repositories import placements
from web.matching.services import run_exclusions
from web.models import Decision, Placement, RankingRun, Referral


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_decision_world(app, ["R-L1", "R-L2", "R-L3"])
    with app.app_context():
        placements.add_placement(
            _placement(
                "P-KIN",
                DERBYSHIRE,
                53.25,
                -1.45,
                place_code="U1",
                connected_person=True,
                weekly_cost=300.0,
                vacancies=2,
            )
        )
        placements.add_placement(
            _placement("P-SEC", DERBYSHIRE, 53.30, -1.50, setting="secure", place_code="K1", weekly_cost=9000.0)
        )
        db.commit()


def _as(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _submit(client: FlaskClient, path: str, data: dict[str, str | list[str]]) -> TestResponse:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _run(client: FlaskClient, reference: str) -> int:
    token = csrf_token(client, f"/referrals/{reference}")
    response = client.post(f"/referrals/{reference}/rankings", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _stored_run(app: Flask, run_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        return json.loads(run.case_json), run_exclusions.worded_result(run, json.loads(run.result_json))


def _referral(app: Flask, reference: str) -> Referral:
    with app.app_context():
        return db.session().query(Referral).filter_by(reference=reference).one()


def _edit_form(client: FlaskClient, reference: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    """The edit form as the browser would send it back, with `changes`."""
    page = client.get(f"/referrals/{reference}/edit").get_data(as_text=True)
    assert page, reference
    data: dict[str, str | list[str]] = {
        "young_people": [f"YP-{reference}"],
        "needed_by": "later",
        "setting_foster": "suitable",
        "setting_residential": "suitable",
        "setting_supported": "suitable",
        "setting_secure": "suitable",
        "version": re.search(r'name="version" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
    }
    data.update(changes)
    return data


def _dates(prefix: str, day: date) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


# --- the referral ---------------------------------------------------------------------------


def test_a_referral_records_a_secure_order_and_an_exemption_and_the_ranking_uses_them(app: Flask) -> None:
    """Saved from the form, shown on the referral, carried into the case: K1 becomes an option."""
    client = _as(app, "po@manchester.test")
    today = date.today()
    before = _run(client, "R-L1")
    case, result = _stored_run(app, before)
    assert "secure_accommodation" not in case["referral"]
    excluded = {e["placement_id"]: [r["code"] for r in e["reasons"]] for e in result["excluded"]}
    assert excluded["P-SEC"] == ["no_secure_order"]

    data = _edit_form(
        client,
        "R-L1",
        secure_basis="s25_order",
        fostering_exemption="yes",
        **_dates("secure_start", today - timedelta(days=2)),
        **_dates("secure_end", today + timedelta(days=90)),
    )
    response = _submit(client, "/referrals/R-L1/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    referral = _referral(app, "R-L1")
    assert referral.secure_basis == "s25_order" and referral.fostering_exemption is True
    assert referral.secure_start == today - timedelta(days=2) and referral.secure_end == today + timedelta(days=90)

    page = client.get("/referrals/R-L1").get_data(as_text=True)
    assert "A secure accommodation order (Children Act 1989 section 25)" in page
    assert "Exemption granted for this referral" in page

    after = _run(client, "R-L1")
    case, result = _stored_run(app, after)
    assert case["referral"]["secure_accommodation"]["basis"] == "s25_order"
    assert case["referral"]["fostering_exemption"] is True
    assert "P-SEC" in {o["placement_id"] for o in result["options"]}

    edit = client.get("/referrals/R-L1/edit").get_data(as_text=True)
    assert 'value="s25_order" checked' in edit and f'value="{today.year}"' in edit


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"secure_basis": "s25_order"}, "secure_start-day", "Enter the start date"),
        (
            {"secure_basis": "authorisation", "secure_start-day": "3", "secure_start-month": "2",
             "secure_start-year": "2027", "secure_end-day": "1", "secure_end-month": "2", "secure_end-year": "2027"},
            "secure_end-day",
            "must be the same as or after the start date",
        ),
        ({"secure_start-day": "3", "secure_start-month": "2", "secure_start-year": "2027"}, "secure_basis", "Select"),
        (
            {"secure_basis": "s25_order", "secure_start-day": "31", "secure_start-month": "2",
             "secure_start-year": "2027", "secure_end-day": "1", "secure_end-month": "3", "secure_end-year": "2027"},
            "secure_start-day",
            "must be a real date",
        ),
        ({"secure_basis": "court_said_so"}, "secure_basis", "from the list"),
    ],
)  # fmt: skip
def test_each_bad_secure_order_field_is_named(changes: dict[str, str], field: str, message: str) -> None:
    """The order's fields are checked together; each problem names its field."""
    values: dict[str, str | list[str]] = {
        "young_people": ["YP-1"],
        "needed_by": "later",
        **{f"setting_{s}": "suitable" for s in ("foster", "residential", "supported", "secure")},
    }

    class Data(dict[str, Any]):
        def getlist(self, key: str) -> list[str]:
            value = self.get(key, [])
            return value if isinstance(value, list) else [value]

    form = ReferralForm.from_submission(Data({**values, **changes}))
    with pytest.raises(FormInvalid) as caught:
        clean(form, ["YP-1"], {})
    assert field in caught.value.errors and message in caught.value.errors[field]


def test_the_form_page_names_a_bad_order_date(app: Flask) -> None:
    """In the browser: the error summary links to the date's day box and the page keeps what was typed."""
    client = _as(app, "po@manchester.test")
    data = _edit_form(client, "R-L2", secure_basis="authorisation", **_dates("secure_start", date.today()))
    response = _submit(client, "/referrals/R-L2/edit", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#secure_end-day"' in page and "Enter the end date" in page
    assert 'value="authorisation" checked' in page


# --- the placement and the decision ------------------------------------------------------------


def test_a_connected_person_out_of_area_is_exempt_and_the_decision_says_which_rule(app: Flask) -> None:
    """Reg 11(4): a connected person in Derbyshire needs no reg 11 approval, and the pages say why."""
    client = _as(app, "sw@manchester.test")
    run_id = _run(client, "R-L3")
    _case, result = _stored_run(app, run_id)
    kin = next(o for o in result["options"] if o["placement_id"] == "P-KIN")
    assert (kin["facts"]["approval"], kin["facts"]["approval_rule"]) == ("none", "reg_11_4_connected_person")

    path = f"/referrals/R-L3/rankings/{run_id}/decide?placement=P-KIN"
    form_page = client.get(path).get_data(as_text=True)
    assert "exempt under reg 11(4), a connected person (reg 24)" in form_page
    support = re.findall(r'name="contact-(S-\d+)-frequency"', form_page)
    response = client.post(path, data={**plan_form(support), "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        referral = db.session().query(Referral).filter_by(reference="R-L3").one()
        decision = db.session().query(Decision).filter_by(referral_id=referral.id).one()
        assert decision.approval_level == "none" and decision.approval_rule == "reg_11_4_connected_person"
        assert decision.out_of_area and decision.at_a_distance  # still at a distance: the host is consulted
        assert decision.status == "approved"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "exempt from reg 11 under reg 11(4) (with a connected person)" in page
    assert "Outside the area and at a distance" in page

    token = make_token(app, "sw@manchester.test")
    body = app.test_client().get(f"/api/v1/referrals/R-L3/decisions/{decision.id}", headers=bearer(token)).get_json()
    assert body["approval_rule"] == "reg_11_4_connected_person"


# --- the provider list import -----------------------------------------------------------------

HEADER = "code,label,provider_name,setting,place_code,capacity,vacancies,lat,lon,authority_code"


def _upload(client: FlaskClient, body: str) -> TestResponse:
    token = csrf_token(client, "/imports/placements_csv")
    data = {"csrf_token": token, "file": (io.BytesIO(body.encode()), "providers.csv")}
    return client.post("/imports/placements_csv", data=data, content_type="multipart/form-data")


def test_the_provider_list_carries_exemptions_and_reg_11_4_carers(app: Flask) -> None:
    """fostering_exemption, approved_by and connected_person columns are stored."""
    client = _as(app, "po@manchester.test")
    body = (
        f"{HEADER},fostering_exemption,approved_by,connected_person\n"
        f"P-OWN,Own carers,Manchester Fostering,foster,U4,4,2,53.2,-1.4,{DERBYSHIRE},yes,{MANCHESTER.lower()},no\n"
    )
    response = _upload(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    with app.app_context():
        stored = db.session().query(Placement).filter_by(code="P-OWN").one()
        assert stored.fostering_exemption is True and stored.approved_by == MANCHESTER
        assert stored.connected_person is False


def test_the_provider_list_refuses_a_place_code_contradicting_the_setting(app: Flask) -> None:
    """K3 with setting foster is refused, naming place_code; so is a new setting against a stored K1."""
    client = _as(app, "po@manchester.test")
    page = _upload(client, f"{HEADER}\nP-BAD,Bad,Prov,foster,K3,2,1,53.2,-1.4,{DERBYSHIRE}\n").get_data(as_text=True)
    assert "place_code K3 is a supported placement, not foster" in page
    no_code = "code,label,provider_name,setting,capacity,vacancies,lat,lon\n"
    page = _upload(client, f"{no_code}P-SEC,Secure,Prov,residential,2,1,53.3,-1.5\n").get_data(as_text=True)
    assert "the stored place_code K1 is a secure placement, not residential" in page
    with app.app_context():
        assert db.session().query(Placement).filter_by(code="P-SEC").one().setting == "secure"
        assert db.session().query(Placement).filter_by(code="P-BAD").first() is None


def test_the_api_shows_the_order_the_exemptions_and_reg_11_4_carers(app: Flask) -> None:
    """The referral and placement records in the API carry the same fields as the pages."""
    today = date.today()
    with app.app_context():
        referral = db.session().query(Referral).filter_by(reference="R-L2").one()
        referral.secure_basis, referral.secure_start, referral.secure_end = "authorisation", today, today
        db.commit()
    client, headers = app.test_client(), bearer(make_token(app, "po@manchester.test", "Law"))
    body = client.get("/api/v1/referrals/R-L2", headers=headers).get_json()
    assert body["secure_accommodation"] == {"basis": "authorisation", "start": str(today), "end": str(today)}
    assert body["fostering_exemption"] is False
    kin = client.get("/api/v1/placements/P-KIN", headers=headers).get_json()
    assert kin["connected_person"] is True and kin["fostering_exemption"] is False and kin["approved_by"] is None


def test_the_options_table_names_the_reg_11_4_exception_not_in_area(app: Flask) -> None:
    """An exempt option out of area is not shown as "in area" in the options table."""
    client = _as(app, "po@manchester.test")
    run_id = _run(client, "R-L2")
    page = client.get(f"/referrals/R-L2/rankings/{run_id}").get_data(as_text=True)
    row = page.split('href="#option-P-KIN"', 1)[1].split("</tr>", 1)[0]
    assert "None (reg 11(4): connected person)" in row and "in area" not in row


def test_a_placement_in_wales_gets_a_reg_11_level_not_unknown(app: Flask) -> None:
    """A Welsh council is a known authority: a placement there imports, and needs the director from Manchester."""
    client = _as(app, "po@manchester.test")
    body = f"{HEADER}\nP-WAL,Carers in Flintshire,Prov,foster,U4,2,1,53.2,-3.1,W06000005\n"
    response = _upload(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    run_id = _run(client, "R-L2")
    _case, result = _stored_run(app, run_id)
    wales = next(o for o in result["options"] if o["placement_id"] == "P-WAL")
    assert (wales["facts"]["approval"], wales["facts"]["approval_rule"]) == ("director", "at_a_distance")
    assert any("Flintshire" in r and "director" in r for r in wales["reasons"])
