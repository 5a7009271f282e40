"""A stored area drawn as a polygon changes what a ranking run excludes, and the map draws it."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.integration.builders import FUTURE, NOW, build_world
from tests.integration.helpers import post, sign_in
from web import db
from web.matching.services import run_exclusions
from web.matching.services.stored_cases import stored_case
from web.models import Area, RankingRun

# A strip about 29 km long and 2 km wide, west to east, whose west end covers P-FAR (53.23, -1.42).
# Its representative point is near the east end, about 21 km from P-FAR: as a point it is far away.
STRIP = {
    "type": "Polygon",
    "coordinates": [[[-1.43, 53.22], [-1.0, 53.22], [-1.0, 53.24], [-1.43, 53.24], [-1.43, 53.22]]],
}


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)
    with app.app_context():
        db.session().add(
            Area(
                code="A-STRIP",
                label="Area 02 (strip)",
                kind="county_lines_destination",
                lat=53.23,
                lon=-1.1,
                radius_km=0.0,
                polygon=STRIP,
                severity="high",
                source="Test",
                confidence="medium",
                review_by=FUTURE,
                updated_at=NOW,
            )
        )
        db.commit()


def _set_polygon(app: Flask, polygon: dict | None) -> None:
    with app.app_context():
        area = db.session().scalars(select(Area).where(Area.code == "A-STRIP")).one()
        area.polygon = polygon
        db.commit()


def _rank(client: FlaskClient) -> tuple[str, dict, dict]:
    """Run the ranking for R-T1: the run's page path, its stored result and its stored case."""
    response = post(client, "/referrals/R-T1/rankings", "/referrals/R-T1")
    assert response.status_code == 302
    path = response.headers["Location"]
    run_id = int(path.rstrip("/").rsplit("/", 1)[1])
    run = db.session().get(RankingRun, run_id)
    assert run is not None
    return path, run_exclusions.worded_result(run, json.loads(run.result_json)), stored_case(run)


def _reasons(result: dict, placement_id: str) -> list[dict]:
    return next((e["reasons"] for e in result["excluded"] if e["placement_id"] == placement_id), [])


def test_a_polygon_area_excludes_the_placement_inside_it_and_is_drawn(app: Flask) -> None:
    """P-FAR is inside the strip: excluded as in a high-severity area; as a point area it is the top option."""
    client = app.test_client()
    assert sign_in(client, "po@manchester.test").status_code == 302
    with app.app_context():
        path, result, stored_case = _rank(client)
    assert [r["code"] for r in _reasons(result, "P-FAR")] == ["in_high_severity_area"]
    assert _reasons(result, "P-FAR")[0]["detail"].startswith("Inside a high-severity area (Area 02 (strip))")
    assert "P-FAR" not in [o["placement_id"] for o in result["options"]]
    strip = next(a for a in stored_case["areas"] if a["id"] == "A-STRIP")
    assert strip["polygon"] == STRIP

    page = client.get(path)
    assert page.status_code == 200
    match = re.search(r'<script type="application/json" id="options-map-data">(.*?)</script>', page.text, re.S)
    assert match
    drawn = next(a for a in json.loads(match.group(1))["high_severity_areas"] if a["id"] == "A-STRIP")
    assert drawn["polygon"] == STRIP
    assert drawn["buffer_km"] == 1.0
    outline = drawn["buffer_outline"]
    assert len(outline) == 1 and outline[0][0] == outline[0][-1]
    # The buffer line runs about 1 km outside the strip: north of its north edge at 53.24.
    assert 53.245 < max(lat for _, lat in outline[0]) < 53.255

    _set_polygon(app, None)
    try:
        with app.app_context():
            _, without, _ = _rank(client)
        assert _reasons(without, "P-FAR") == []
        assert without["options"][0]["placement_id"] == "P-FAR"
    finally:
        _set_polygon(app, STRIP)
