"""The options page sends what a person reads: exclusions by reason with a page per reason,
and large map layers fetched for the map's view.

The limits are made small here so a small world shows what a regional one does.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import DERBYSHIRE, NOW, build_world
from tests.integration.helpers import post, sign_in
from web import db
from web.matching.services import options
from web.models import Placement

FULL = [f"P-FULL{i}" for i in range(5)]


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)
    with app.app_context():
        for i, code in enumerate(FULL):
            db.session().add(
                Placement(
                    code=code,
                    label=f"Carers {code}",
                    provider_name="Test Fostering",
                    setting="foster",
                    authority_code=DERBYSHIRE,
                    lat=52.0 + i,  # one a degree further north each: 52 to 56
                    lon=-1.5,
                    vacancies=0,
                    capacity=1,
                    specialisms=[],
                    updated_at=NOW,
                )
            )
        db.commit()


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(options, "INLINE_MAP_ITEMS", 0)
    monkeypatch.setattr(options, "EXCLUDED_SHOWN", 1)
    monkeypatch.setattr(options, "EXCLUDED_PAGE_SIZE", 2)


def _ranked(app: Flask, email: str = "po@manchester.test") -> tuple[FlaskClient, str]:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    response = post(client, "/referrals/R-T1/rankings", "/referrals/R-T1")
    assert response.status_code == 302
    return client, response.headers["Location"]


def _map_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="options-map-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_large_layers_are_left_for_the_map_to_fetch(app: Flask) -> None:
    client, run_path = _ranked(app)
    html = client.get(run_path).get_data(as_text=True)
    data = _map_data(html)
    assert "excluded" not in data and "high_severity_areas" not in data
    assert data["fetched"] == ["excluded", "high_severity_areas"]
    assert data["layers_url"] == f"{run_path}/map-layer"
    assert data["options"]  # what a person reads first still comes with the page
    # The key still counts every excluded placement, and says when a view holds more than is drawn.
    assert f"Placements the ranking excluded ({data['counts']['excluded']})" in html
    assert data["counts"]["excluded"] >= len(FULL) + 1
    assert 'id="map-layer-note" aria-live="polite"' in html


def test_the_map_layer_answers_for_the_view(app: Flask) -> None:
    client, run_path = _ranked(app)
    everywhere = client.get(f"{run_path}/map-layer?layer=excluded&bbox=-180,-90,180,90").get_json()
    assert {f"P-FULL{i}" for i in range(5)} <= {item["id"] for item in everywhere["items"]}
    assert everywhere["in_view"] == len(everywhere["items"]) and not everywhere["truncated"]
    # A view over 53.5 to 55.5 north holds two of them (54 and 55) and none of the others south of it.
    view = client.get(f"{run_path}/map-layer?layer=excluded&bbox=-2,53.5,-1,55.5").get_json()
    assert {item["id"] for item in view["items"]} == {"P-FULL2", "P-FULL3"}
    reasons = next(item for item in view["items"] if item["id"] == "P-FULL2")["reasons"]
    assert reasons and all(isinstance(r, str) for r in reasons)
    # An area reaches into a view by its buffer: A-CITY (Manchester, 2 km + 1 km) from just east of it.
    areas = client.get(f"{run_path}/map-layer?layer=high_severity_areas&bbox=-2.22,53.4,-2.1,53.6").get_json()
    assert [a["id"] for a in areas["items"]] == ["A-CITY"]
    far = client.get(f"{run_path}/map-layer?layer=high_severity_areas&bbox=-2.1,53.4,-2.0,53.6").get_json()
    assert far["items"] == []


def test_the_map_layer_refuses_what_it_should(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client, run_path = _ranked(app)
    assert client.get(f"{run_path}/map-layer?layer=options&bbox=-2,53,-1,54").status_code == 400
    assert client.get(f"{run_path}/map-layer?layer=excluded&bbox=-2,53,-1").status_code == 400
    assert client.get(f"{run_path}/map-layer?layer=excluded&bbox=-1,53,-2,54").status_code == 400
    assert client.get(f"{run_path}/map-layer?layer=excluded&bbox=a,b,c,d").status_code == 400
    # Another authority's officer cannot see this referral's run.
    salford = app.test_client()
    assert sign_in(salford, "po@salford.test").status_code == 302
    assert salford.get(f"{run_path}/map-layer?layer=excluded&bbox=-2,53,-1,54").status_code == 404
    # At most MAP_ITEMS_IN_VIEW items, and the answer says so.
    monkeypatch.setattr(options, "MAP_ITEMS_IN_VIEW", 2)
    options._layers.clear()
    capped = client.get(f"{run_path}/map-layer?layer=excluded&bbox=-180,-90,180,90").get_json()
    assert len(capped["items"]) == 2 and capped["truncated"] and capped["in_view"] > 2


def test_exclusions_are_summarised_with_a_page_per_reason(app: Flask) -> None:
    client, run_path = _ranked(app)
    html = client.get(run_path).get_data(as_text=True)
    # One placement listed under the reason on the options page, and a link to all of them.
    section = html[html.index('id="excluded-no_vacancy"') :]
    section = section[: section.index("</details>")]
    assert section.count("<li>") == 1
    link = f"{run_path}/excluded/no_vacancy"
    assert f'href="{link}"' in section
    first = client.get(link)
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    listed = re.findall(r"<strong>Carers (P-FULL\d?)</strong>", page)
    assert len(listed) == 2
    assert 'aria-current="page"' in page and f'href="{link}?page=2"' in page and 'rel="next"' in page
    # Every placement with no vacancy, across the pages, once each.
    seen = list(listed)
    number = 2
    while f'href="{link}?page={number}"' in page:
        page = client.get(f"{link}?page={number}").get_data(as_text=True)
        seen += re.findall(r"<strong>Carers (P-FULL\d?)</strong>", page)
        number += 1
    assert sorted(seen) == sorted(["P-FULL", *FULL])
    assert client.get(f"{link}?page={number}").status_code == 404
    assert client.get(f"{run_path}/excluded/not_a_reason").status_code == 404
