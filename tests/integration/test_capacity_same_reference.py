"""The capacity review when two authorities use the same referral reference (references are unique per authority)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import DERBYSHIRE, NOW, SALFORD, _person, build_world
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.casework.repositories import referrals, young_people
from web.models import Referral

PAGES = ["/capacity/", "/capacity/equality", "/capacity/location", "/capacity/trends"]


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    """Manchester's R-T1 (builders.py), and a Salford referral under the same reference."""
    build_world(app)
    with app.app_context():
        child = _person("YP-SALFORD-T1", SALFORD, 53.49, -2.33, 14)
        young_people.add_young_person(child)
        referrals.add_referral(
            Referral(reference="R-T1", authority_code=SALFORD, needed_by="later", created_at=NOW, young_people=[child])
        )
        db.commit()


def test_every_page_and_a_scenario_answer(client: FlaskClient) -> None:
    """Each authority's R-T1 is its own referral in the case ("authority/reference"), not one id given twice."""
    sign_in(client, "commissioner@manchester.test")
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    token = csrf_token(client, "/capacity/scenario")
    scenario = {
        "csrf_token": token,
        "line-1-places": "1",
        "line-1-setting": "foster",
        "line-1-specialisms": "sexual_exploitation",
        "line-1-authority": DERBYSHIRE,
        "line-1-age_min": "11",
        "line-1-age_max": "17",
    }
    answer = client.post("/capacity/scenario", data=scenario, follow_redirects=True)
    assert answer.status_code == 200
    assert "is used more than once" not in answer.get_data(as_text=True)
