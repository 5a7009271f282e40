"""The options page: its map, comparing options, excluding an option and lifting an exclusion."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.integration.builders import DERBYSHIRE, FUTURE, MANCHESTER, NOW, PASSWORD, build_world
from tests.integration.helpers import csrf_token, post, sign_in
from web import db
from web.accounts.services import accounts
from web.matching.services import run_exclusions
from web.matching.services.decisions import DECIDE_ROLES
from web.models import Area, AuditEvent, Group, Placement, RankingRun, ReferralExclusion, RiskLocation, YoungPerson

ROOT = Path(__file__).resolve().parents[2]


def _add_map_world(app: Flask) -> None:
    """Beyond build_world: a third option, a risk location, and areas each map layer must keep or leave out."""
    with app.app_context():
        accounts.create_user("no@manchester.test", "NO", "nominated_officer", MANCHESTER, PASSWORD)
        session = db.session()
        groups = {g.code: g for g in session.scalars(select(Group))}
        child = session.scalars(select(YoungPerson).where(YoungPerson.reference == "YP-T1")).one()
        child.risk_locations.append(
            RiskLocation(
                label="Found while missing", lat=53.49, lon=-2.29, radius_km=0.5, source="Test", created_at=NOW
            )
        )
        session.add(
            Placement(
                code="P-EXTRA",
                label="Carers P-EXTRA",
                provider_name="Test Fostering",
                setting="foster",
                authority_code=DERBYSHIRE,
                lat=53.25,
                lon=-1.45,
                vacancies=1,
                capacity=1,
                specialisms=[],
                ofsted_rating="outstanding",
                weekly_cost=900.0,
                updated_at=NOW,
            )
        )

        def area(code: str, lat: float, lon: float, severity: str, group_codes: list[str], review_by: date) -> None:
            item = Area(
                code=code,
                label=f"Area {code}",
                kind="gang_territory",
                lat=lat,
                lon=lon,
                radius_km=1.0,
                severity=severity,
                source="Test",
                confidence="medium",
                review_by=review_by,
                updated_at=NOW,
            )
            item.groups = [groups[g] for g in group_codes]
            session.add(item)

        # A rival group's area (linked through the rivalry), far from every placement.
        area("A-RIVAL", 54.97, -1.61, "medium", ["G-ARROW"], FUTURE)
        # Linked, but past its review date: the engine leaves it out, so the map must too.
        area("A-STALE", 54.5, -3.0, "high", ["G-RED"], date.today() - timedelta(days=1))
        # Neither linked nor high severity: on no layer.
        area("A-LOW", 52.5, -2.0, "low", [], FUTURE)
        db.commit()


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)
    _add_map_world(app)


def _signed_in(app: Flask, email: str = "po@manchester.test") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _rank(client: FlaskClient, reference: str = "R-T1") -> str:
    """Run the ranking; the new run's path."""
    response = post(client, f"/referrals/{reference}/rankings", f"/referrals/{reference}")
    assert response.status_code == 302
    return response.headers["Location"]


def _map_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="options-map-data">(.*?)</script>', html, re.S)
    assert match, "no map data block"
    return json.loads(match.group(1))


def _ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def _stored_result(app: Flask, run_path: str) -> dict:
    run_id = int(run_path.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        # As the API gives it: the run stores its exclusions as codes and words them when read.
        return run_exclusions.worded_result(run, json.loads(run.result_json))


def _audit(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.session().scalars(query))


def _exclusions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.placement.code, e.reason) for e in db.session().scalars(select(ReferralExclusion))]


# ---------------------------------------------------------------------------
# The map
# ---------------------------------------------------------------------------


def test_map_data_has_each_layer_and_only_this_referral(app: Flask) -> None:
    """Options by rank, areas with their buffers, risk locations, home and support; nothing of another child."""
    client = _signed_in(app)
    run_path = _rank(client)
    response = client.get(run_path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = _map_data(html)

    assert [(o["rank"], o["id"]) for o in data["options"]] == [(1, "P-FAR"), (2, "P-EXTRA"), (3, "P-RES")]
    assert {"P-NEAR", "P-FULL", "P-SUP"} <= set(_ids(data["excluded"]))
    near = next(e for e in data["excluded"] if e["id"] == "P-NEAR")
    assert "inside a buffer" in near["reasons"][0]
    # Linked: the child's group's area and the rival group's area; not the expired one nor the unlinked one.
    linked = {a["id"]: a for a in data["linked_areas"]}
    assert set(linked) == {"A-CITY", "A-RIVAL"}
    assert linked["A-CITY"]["buffer_km"] == 22.0  # 2 km radius + the 20 km policy buffer
    assert linked["A-RIVAL"]["groups"] == ["Blue Arrow"]
    # High severity: in force only, with the 1 km buffer beyond the radius.
    assert [(a["id"], a["buffer_km"]) for a in data["high_severity_areas"]] == [("A-CITY", 3.0)]
    assert [(r["label"], r["buffer_km"]) for r in data["risk_locations"]] == [("Found while missing", 20.5)]
    assert _ids(data["homes"]) == ["YP-T1"]
    assert [s["label"] for s in data["support"]] == ["Mother"]
    # No tiles configured: authority outlines instead, from a static copy of the reference file.
    assert data["tile_url"] == ""
    assert data["outlines_url"] == "/static/maps/outlines.geojson"
    # Nothing of another authority's child or referral.
    block = json.dumps(data)
    assert "YP-S1" not in block and "R-S1" not in block
    # Leaflet only on pages with a map; the map waits, hidden, for the script; a key and a note for screen readers.
    assert "leaflet/leaflet.js" in html and "leaflet/leaflet.css" in html
    assert 'id="options-map-section" hidden' in html
    assert "give every distance and reason in words" in html
    assert 'data-map-layer="excluded"' in html and 'data-map-layer="excluded" checked' not in html
    assert "<script>" not in html and "style=" not in html


def test_options_page_has_contents_and_folds_each_options_reasons(app: Flask) -> None:
    """Contents link to each part; each option's breakdown and reasons are folded; reasons in words, no codes."""
    client = _signed_in(app)
    html = client.get(_rank(client)).get_data(as_text=True)
    contents = html[html.index('aria-labelledby="contents-title"') : html.index("</nav>", html.index("contents-title"))]
    for target in ("#ranked-options", "#options-map-section", "#why-options", "#worker-exclusions", "#excluded"):
        assert f'href="{target}"' in contents
        assert f'id="{target[1:]}"' in html
    # The map's entry waits, hidden, for the map to be drawn (there is no map without JavaScript).
    assert '<li data-map-contents hidden><a class="govuk-link" href="#options-map-section">Map</a></li>' in contents
    for code in ("P-FAR", "P-RES", "P-EXTRA"):
        option = html[html.index(f'id="option-{code}"') :]
        why = option[option.index(f'<details class="govuk-details app-option__why" id="why-{code}">') :]
        assert why.index("Score breakdown") < why.index("</details>")
        assert "app-breakdown" in why[: why.index("</details>")]
    # Reason words only: the code beside them is gone.
    assert "No vacancy" in html and "(no_vacancy)" not in html
    # The wide options table scrolls inside the page on a phone, and can be scrolled from the keyboard.
    assert '<div class="app-table-scroll" role="region"' in html
    # Settings in the referral form's words.
    assert "· Foster care" in html and "· Foster ·" not in html
    # The clustering plugin is loaded with Leaflet.
    assert "leaflet.markercluster/leaflet.markercluster.js" in html


def test_outlines_static_copy_matches_the_reference_file(app: Flask) -> None:
    """The map's outlines are the reference data, served as a cacheable static file."""
    copy = ROOT / "web" / "static" / "maps" / "outlines.geojson"
    assert copy.read_bytes() == (ROOT / "data" / "reference" / "outlines.geojson").read_bytes()
    response = app.test_client().get("/static/maps/outlines.geojson")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_pages_without_a_map_do_not_load_leaflet(app: Flask) -> None:
    """Leaflet is loaded only where there is a map."""
    client = _signed_in(app)
    html = client.get("/referrals/R-T1").get_data(as_text=True)
    assert "leaflet" not in html


def test_tile_url_setting_gives_tiles_and_allows_their_host(app: Flask) -> None:
    """With a tile URL configured the map uses it (no outlines), and the CSP lets its images load."""
    client = _signed_in(app)
    run_path = _rank(client)
    app.config.update(MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION="Test tiles")
    try:
        response = client.get(run_path)
    finally:
        app.config.update(MAP_TILE_URL="", MAP_TILE_ATTRIBUTION="")
    data = _map_data(response.get_data(as_text=True))
    assert data["tile_url"].startswith("https://{s}.tiles.example.org/")
    assert data["tile_attribution"] == "Test tiles"
    assert data["outlines_url"] == ""
    assert "img-src 'self' data: https://*.tiles.example.org;" in response.headers["Content-Security-Policy"]
    assert "tiles.example.org" not in client.get(run_path).headers["Content-Security-Policy"]


# ---------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------


def test_compare_two_options(app: Flask) -> None:
    """Two chosen options side by side, with score components, distances, approval and reasons."""
    client = _signed_in(app)
    run_path = _rank(client)
    page = client.get(run_path).get_data(as_text=True)
    assert 'name="placement" type="checkbox" value="P-FAR"' in page
    assert f'action="{run_path}/compare"' in page

    response = client.get(f"{run_path}/compare?placement=P-RES&placement=P-FAR")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Compare 2 options" in html
    # Rank order, whatever order they were chosen in.
    assert html.index("1. Carers P-FAR") < html.index("3. Carers P-RES")
    for text in ["Safety", "Miles from home", "Nearest linked area", "Area A-CITY", "Director", "Derbyshire"]:
        assert text in html.replace("Area 01 (Manchester)", "Area A-CITY"), text
    assert "criminal exploitation" in html and "£800" in html and "Good" in html
    assert "Found while missing" in html  # nearest personal risk location
    assert "Carers P-EXTRA" not in html


def test_compare_three_options(app: Flask) -> None:
    """Three options side by side."""
    client = _signed_in(app)
    run_path = _rank(client)
    response = client.get(f"{run_path}/compare?placement=P-FAR&placement=P-EXTRA&placement=P-RES")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Compare 3 options" in html
    assert "Carers P-FAR" in html and "Carers P-EXTRA" in html and "Carers P-RES" in html
    assert "Outstanding" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("placement=P-FAR", "Select 2 or 3 options to compare (you selected 1)"),
        ("", "Select 2 or 3 options to compare (you selected none)"),
        ("placement=P-FAR&placement=P-FAR", "Select 2 or 3 options to compare (you selected 1)"),
        (
            "placement=P-FAR&placement=P-EXTRA&placement=P-RES&placement=P-NEAR",
            "Select 2 or 3 options to compare (you selected 4)",
        ),
        ("placement=P-FAR&placement=P-NEAR", "Select options from this ranking to compare"),
    ],
)
def test_compare_needs_two_or_three_options_of_the_run(app: Flask, query: str, message: str) -> None:
    """Too few, too many or unknown options: the options page again, 400, the field named and the choice kept."""
    client = _signed_in(app)
    run_path = _rank(client)
    response = client.get(f"{run_path}/compare?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "<title>Error:" in html
    assert f'<a href="#compare-P-FAR">{message}</a>' in html
    assert 'id="compare-error"' in html
    if "P-FAR" in query:
        assert 'value="P-FAR" checked' in html
    assert 'value="P-RES" checked' not in html or "P-RES" in query


# ---------------------------------------------------------------------------
# Excluding an option and lifting the exclusion
# ---------------------------------------------------------------------------


def test_exclude_an_option_then_lift_it(app: Flask) -> None:
    """Excluding ranks again with the option under excluded_by_worker and its reason; lifting brings it back."""
    # Other tests exclude and lift too: only this test's audit events are counted.
    excluded_before, lifted_before = len(_audit(app, "exclude_placement")), len(_audit(app, "lift_exclusion"))
    client = _signed_in(app)
    run_path = _rank(client)
    page = client.get(run_path).get_data(as_text=True)
    assert f'action="{run_path}/exclusions"' in page
    assert "No placement is excluded by a worker" in page

    reason = "Carer told us they are unwell until March"
    response = post(client, f"{run_path}/exclusions", run_path, {"placement": "P-EXTRA", "reason": f"  {reason} "})
    assert response.status_code == 302
    new_path = response.headers["Location"]
    assert new_path != run_path

    result = _stored_result(app, new_path)
    assert "P-EXTRA" not in [o["placement_id"] for o in result["options"]]
    excluded = next(e for e in result["excluded"] if e["placement_id"] == "P-EXTRA")
    assert excluded["reasons"] == [{"code": "excluded_by_worker", "detail": f"Excluded by a worker: {reason}"}]
    assert _exclusions(app) == [("P-EXTRA", reason)]
    events = _audit(app, "exclude_placement")[excluded_before:]
    assert [(e.object_ref, e.detail) for e in events] == [("R-T1", "placement P-EXTRA")]

    html = client.get(new_path).get_data(as_text=True)
    assert "Carers P-EXTRA is excluded for this referral" in html  # the flash names the place, not its code
    assert "Excluded by a worker: 1 placement" in html
    assert f"Excluded by a worker: {reason}" in html
    assert 'id="worker-exclusions"' in html and "Lift" in html
    # The excluded option is on the map's excluded layer, with its reason.
    excluded_on_map = next(e for e in _map_data(html)["excluded"] if e["id"] == "P-EXTRA")
    assert excluded_on_map["reasons"] == [f"Excluded by a worker: {reason}"]

    # Excluding it again from the old run is refused.
    again = post(client, f"{run_path}/exclusions", run_path, {"placement": "P-EXTRA", "reason": "Again"})
    assert again.status_code == 400
    assert "P-EXTRA is already excluded for this referral" in again.get_data(as_text=True)

    with app.app_context():
        exclusion_id = db.session().scalars(select(ReferralExclusion.id)).one()
    lifted = post(client, f"{new_path}/exclusions/{exclusion_id}/lift", new_path)
    assert lifted.status_code == 302
    third_path = lifted.headers["Location"]
    assert third_path not in (run_path, new_path)
    assert "P-EXTRA" in [o["placement_id"] for o in _stored_result(app, third_path)["options"]]
    assert _exclusions(app) == []
    lifts = _audit(app, "lift_exclusion")[lifted_before:]
    assert [(e.object_ref, e.detail) for e in lifts] == [("R-T1", "placement P-EXTRA")]
    # The earlier run still records the exclusion and its reason: nothing is lost.
    assert any(e["placement_id"] == "P-EXTRA" for e in _stored_result(app, new_path)["excluded"])
    # Lifting it twice: it is no longer there.
    assert post(client, f"{new_path}/exclusions/{exclusion_id}/lift", new_path).status_code == 404


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"placement": "P-RES", "reason": "   "}, "reason-P-RES", "Enter why you are excluding this option"),
        ({"placement": "P-RES", "reason": "x" * 501}, "reason-P-RES", "The reason must be 500 characters or fewer"),
        (
            {"placement": "P-NEAR", "reason": "Too near"},
            "exclude-P-NEAR",
            "Choose an option from this ranking to exclude",
        ),
    ],
)
def test_exclusion_needs_a_reason_and_an_option_of_the_run(
    app: Flask, form: dict[str, str], field: str, message: str
) -> None:
    """Bad input: 400, the page again with the field named and the text kept; nothing stored, no new run."""
    client = _signed_in(app)
    run_path = _rank(client)
    with app.app_context():
        runs_before = len(list(db.session().scalars(select(RankingRun.id))))
    response = post(client, f"{run_path}/exclusions", run_path, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<a href="#{field}">{message}</a>' in html
    if form["placement"] == "P-RES":
        assert '<details class="govuk-details app-exclude" id="exclude-P-RES" open>' in html
        if form["reason"].strip():
            assert form["reason"] in html
    assert _exclusions(app) == []
    with app.app_context():
        assert len(list(db.session().scalars(select(RankingRun.id)))) == runs_before


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def test_another_authority_gets_not_found(app: Flask) -> None:
    """Salford's officer cannot see, compare, exclude on or lift on Manchester's runs: 404, nothing stored."""
    manchester = _signed_in(app)
    run_path = _rank(manchester)
    # Manchester's own exclusion, so a refused lift is refused for the authority, not for want of a row.
    excluded = post(manchester, f"{run_path}/exclusions", run_path, {"placement": "P-EXTRA", "reason": "Carer away"})
    assert excluded.status_code == 302
    excluded_path = excluded.headers["Location"]
    with app.app_context():
        exclusion_id = db.session().scalars(select(ReferralExclusion.id)).one()
    salford = _signed_in(app, "po@salford.test")
    assert salford.get(run_path).status_code == 404
    assert salford.get(f"{run_path}/compare?placement=P-FAR&placement=P-RES").status_code == 404
    token = csrf_token(salford, "/referrals/")
    form = {"placement": "P-RES", "reason": "Not ours", "csrf_token": token}
    assert salford.post(f"{run_path}/exclusions", data=form).status_code == 404
    lift = f"{excluded_path}/exclusions/{exclusion_id}/lift"
    assert salford.post(lift, data={"csrf_token": token}).status_code == 404
    assert _exclusions(app) == [("P-EXTRA", "Carer away")]
    assert post(manchester, lift, excluded_path).status_code == 302  # Manchester may lift its own
    assert _exclusions(app) == []
    # A run of Salford's own referral under Manchester's reference is not found either.
    salford_run = _rank(salford, "R-S1")
    salford_run_id = salford_run.rsplit("/", 1)[1]
    assert manchester.get(f"/referrals/R-T1/rankings/{salford_run_id}").status_code == 404
    assert (
        manchester.get(f"/referrals/R-T1/rankings/{salford_run_id}/compare?placement=a&placement=b").status_code == 404
    )


def test_commissioner_is_forbidden(app: Flask) -> None:
    """Commissioners see aggregates only: 403 on every options page and action."""
    run_path = _rank(_signed_in(app))
    commissioner = _signed_in(app, "commissioner@manchester.test")
    assert commissioner.get(run_path).status_code == 403
    assert commissioner.get(f"{run_path}/compare?placement=P-FAR&placement=P-RES").status_code == 403
    token = csrf_token(commissioner, "/supply")
    form = {"placement": "P-RES", "reason": "No", "csrf_token": token}
    assert commissioner.post(f"{run_path}/exclusions", data=form).status_code == 403
    assert commissioner.post(f"{run_path}/exclusions/1/lift", data={"csrf_token": token}).status_code == 403
    assert _exclusions(app) == []


def test_nominated_officer_sees_options_but_does_not_exclude(app: Flask) -> None:
    """Only the roles that change referrals exclude options or lift exclusions; others may look and compare."""
    run_path = _rank(_signed_in(app))
    officer = _signed_in(app, "no@manchester.test")
    html = officer.get(run_path).get_data(as_text=True)
    assert "Exclude this option" not in html and "options-map-data" in html
    assert officer.get(f"{run_path}/compare?placement=P-FAR&placement=P-RES").status_code == 200
    token = csrf_token(officer, run_path)
    form = {"placement": "P-RES", "reason": "No", "csrf_token": token}
    assert officer.post(f"{run_path}/exclusions", data=form).status_code == 403
    assert officer.post(f"{run_path}/exclusions/1/lift", data={"csrf_token": token}).status_code == 403
    assert _exclusions(app) == []


def test_forms_without_csrf_token_are_refused(app: Flask) -> None:
    """Excluding and lifting need the CSRF token: 400, nothing stored."""
    client = _signed_in(app)
    run_path = _rank(client)
    response = client.post(f"{run_path}/exclusions", data={"placement": "P-RES", "reason": "No token"})
    assert response.status_code == 400
    assert client.post(f"{run_path}/exclusions/1/lift").status_code == 400
    assert _exclusions(app) == []


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask) -> None:
    """The options page, compare, exclude and lift need a signed-in user."""
    run_path = _rank(_signed_in(app))
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    for response in [
        client.get(run_path),
        client.get(f"{run_path}/compare?placement=P-FAR&placement=P-RES"),
        client.post(f"{run_path}/exclusions", data={"placement": "P-RES", "reason": "x", "csrf_token": token}),
        client.post(f"{run_path}/exclusions/1/lift", data={"csrf_token": token}),
    ]:
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]
    assert _exclusions(app) == []


def test_choose_link_only_for_those_who_decide(app: Flask) -> None:
    """ "Choose this option" leads to the decision page, shown only to roles that may decide."""
    run_path = _rank(_signed_in(app))

    for email, role in [("sw@manchester.test", "social_worker"), ("po@manchester.test", "placement_officer")]:
        html = _signed_in(app, email).get(run_path).get_data(as_text=True)
        assert ("Choose this option" in html) == (role in DECIDE_ROLES), email
        if role in DECIDE_ROLES:
            assert '?placement=P-FAR"' in html
