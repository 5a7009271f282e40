"""The JSON API and the API tokens page: every endpoint, and every denial.

Denials: no token, a wrong or revoked token, a session cookie instead of a token
(401); a commissioner on children's records (403); another authority's child or
referral (404); bad input (422, naming the field).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import planner
from tests.api.helpers import assert_error, audit_events, bearer, make_token
from tests.integration.builders import build_world
from tests.integration.helpers import post, sign_in
from web import db
from web.models import ApiToken

SAMPLE_CASE = Path(__file__).resolve().parents[2] / "data" / "samples" / "rank-case.json"


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)


@pytest.fixture(scope="module")
def po(app: Flask) -> str:
    """A Manchester placement officer's token."""
    return make_token(app, "po@manchester.test")


@pytest.fixture(scope="module")
def commissioner(app: Flask) -> str:
    return make_token(app, "commissioner@manchester.test")


def get(client: FlaskClient, path: str, token: str | None, **kwargs: Any) -> TestResponse:
    return client.get(path, headers=bearer(token) if token else {}, **kwargs)


def pagination(response: TestResponse) -> dict[str, int]:
    found: dict[str, int] = json.loads(response.headers["X-Pagination"])
    return found


# --- signing in to the API ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/young-people",
        "/api/v1/young-people/YP-T1",
        "/api/v1/referrals",
        "/api/v1/referrals/R-T1",
        "/api/v1/referrals/R-T1/ranking-runs",
        "/api/v1/placements",
        "/api/v1/placements/P-NEAR",
        "/api/v1/areas",
    ],
)
def test_every_endpoint_needs_a_token(client: FlaskClient, path: str) -> None:
    """Without a token the API answers 401 in JSON and asks for a bearer token."""
    response = client.get(path)
    body = assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in body["message"]


def test_posts_need_a_token_too(client: FlaskClient) -> None:
    """The two POST endpoints refuse a request without a token (401), not a CSRF failure (400)."""
    assert_error(client.post("/api/v1/referrals/R-T1/ranking-runs"), 401)
    assert_error(client.post("/api/v1/rank", json={}), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic cG86cGFzc3dvcmQ=",
        "Bearer cpp_not-a-real-token",
        "Bearer not-even-the-prefix",
        "Token x",
    ],
)
def test_a_wrong_token_is_refused(client: FlaskClient, header: str) -> None:
    """A malformed or unknown token is 401."""
    assert_error(client.get("/api/v1/placements", headers={"Authorization": header}), 401)


def test_a_session_cookie_does_not_sign_in_to_the_api(app: Flask) -> None:
    """Signed in to the pages is not signed in to the API: it reads the token only."""
    client = app.test_client()
    assert sign_in(client, "po@manchester.test").status_code == 302
    assert client.get("/referrals/").status_code == 200
    assert_error(client.get("/api/v1/referrals"), 401)


def test_a_token_records_when_it_was_last_used(app: Flask, client: FlaskClient) -> None:
    """The first use of a token sets last_used_at; the token works as its user."""
    token = make_token(app, "sw@manchester.test", "Last used")
    with app.app_context():
        row = db.session().query(ApiToken).filter_by(label="Last used").one()
        assert row.last_used_at is None
        assert row.token_sha256 != token and token not in row.token_sha256
        assert token.startswith(row.prefix)
    assert get(client, "/api/v1/referrals", token).status_code == 200
    with app.app_context():
        row = db.session().query(ApiToken).filter_by(label="Last used").one()
        assert row.last_used_at is not None


def test_the_api_is_exempt_from_csrf_but_not_from_sign_in(client: FlaskClient, po: str) -> None:
    """A POST with a bearer token needs no CSRF token."""
    response = client.post("/api/v1/referrals/R-T1/ranking-runs", headers=bearer(po))
    assert response.status_code == 201


def test_unknown_api_path_and_method_answer_in_json(client: FlaskClient, po: str) -> None:
    """404 for a path under /api/v1 that does not exist, 405 (with Allow) for a wrong method."""
    assert_error(get(client, "/api/v1/no-such-thing", po), 404)
    assert_error(client.get("/api/v1/no-such-thing"), 404)
    response = client.delete("/api/v1/placements", headers=bearer(po))
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_pages_keep_their_html_error_pages(client: FlaskClient) -> None:
    """The API's JSON errors do not leak into the pages."""
    sign_in(client, "po@manchester.test")
    response = client.get("/referrals/R-NOPE")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


# --- young people -------------------------------------------------------------------


def test_young_people_list_is_own_authority_only(client: FlaskClient, po: str) -> None:
    """The list shows the user's authority's children, with pagination metadata."""
    response = get(client, "/api/v1/young-people", po)
    assert response.status_code == 200
    references = [p["reference"] for p in response.get_json()]
    assert references == ["YP-T1"]
    assert set(response.get_json()[0]) == {"reference", "age", "sex", "created_at", "updated_at"}
    assert pagination(response)["total"] == 1


def test_young_person_record_is_audited(app: Flask, client: FlaskClient, po: str) -> None:
    """The whole record comes back, and the view is audited."""
    before = len(audit_events(app, "view", "young_person", "YP-T1"))
    response = get(client, "/api/v1/young-people/YP-T1", po)
    assert response.status_code == 200
    record = response.get_json()
    assert record["reference"] == "YP-T1"
    assert record["age"] == 15
    assert record["groups"][0]["group_code"] == "G-RED"
    assert record["groups"][0]["confidence"] == "high"
    assert record["support_links"][0]["kind"] == "parent"
    assert record["referrals"] == ["R-T1"]
    assert record["home"] == {"postcode": None, "lat": 53.4794, "lon": -2.2453}
    datetime.fromisoformat(record["created_at"])  # RFC 3339 with an offset
    assert record["created_at"][-6] in "+-"
    assert len(audit_events(app, "view", "young_person", "YP-T1")) == before + 1


def test_another_authoritys_child_is_not_found(client: FlaskClient, po: str) -> None:
    """Salford's child answers 404 to Manchester, the same as a child who does not exist."""
    other = assert_error(get(client, "/api/v1/young-people/YP-S1", po), 404)
    missing = assert_error(get(client, "/api/v1/young-people/YP-NONE", po), 404)
    assert other == missing


def test_commissioners_see_no_childs_record(client: FlaskClient, commissioner: str) -> None:
    """Commissioners get 403 on every endpoint that returns children's records or intelligence."""
    for path in [
        "/api/v1/young-people",
        "/api/v1/young-people/YP-T1",
        "/api/v1/referrals",
        "/api/v1/referrals/R-T1",
        "/api/v1/referrals/R-T1/ranking-runs",
        "/api/v1/referrals/R-T1/ranking-runs/1",
        "/api/v1/areas",
    ]:
        assert_error(get(client, path, commissioner), 403)
    assert_error(client.post("/api/v1/referrals/R-T1/ranking-runs", headers=bearer(commissioner)), 403)


# --- referrals and ranking runs -------------------------------------------------------


def test_referrals_list_and_filters(client: FlaskClient, po: str) -> None:
    """The list is own authority only; status and needed_by filter it."""
    response = get(client, "/api/v1/referrals", po)
    assert response.status_code == 200
    rows = response.get_json()
    assert [r["reference"] for r in rows] == ["R-T1"]
    assert rows[0]["young_people"] == ["YP-T1"]
    assert get(client, "/api/v1/referrals?status=open", po).get_json()[0]["reference"] == "R-T1"
    assert get(client, "/api/v1/referrals?status=closed", po).get_json() == []
    assert get(client, "/api/v1/referrals?needed_by=later", po).get_json() == []
    assert len(get(client, "/api/v1/referrals?needed_by=today", po).get_json()) == 1


@pytest.mark.parametrize(
    ("query", "location", "field"),
    [
        ("status=shut", "query", "status"),
        ("needed_by=tomorrow", "query", "needed_by"),
        ("page=0", "query", "page"),
        ("page_size=101", "query", "page_size"),
        ("page=two", "query", "page"),
        ("stauts=open", "query", "stauts"),
    ],
)
def test_bad_query_is_422_naming_the_field(client: FlaskClient, po: str, query: str, location: str, field: str) -> None:
    """Bad filters, bad pages and misspelt parameters are 422 with the field named."""
    body = assert_error(get(client, f"/api/v1/referrals?{query}", po), 422)
    assert field in body["errors"][location]
    assert all(isinstance(m, str) for m in body["errors"][location][field])


def test_referral_view_is_audited_and_other_authority_not_found(app: Flask, client: FlaskClient, po: str) -> None:
    """A referral comes back whole; the view is audited; Salford's is not found."""
    before = len(audit_events(app, "view", "referral", "R-T1"))
    response = get(client, "/api/v1/referrals/R-T1", po)
    assert response.status_code == 200
    referral = response.get_json()
    assert referral["reference"] == "R-T1"
    assert referral["authority_code"] == "E08000003"
    assert referral["young_people"] == ["YP-T1"]
    assert referral["needed_by"] == "today"
    assert len(audit_events(app, "view", "referral", "R-T1")) == before + 1
    assert_error(get(client, "/api/v1/referrals/R-S1", po), 404)
    assert_error(get(client, "/api/v1/referrals/R-NONE", po), 404)


def test_running_the_ranking_stores_and_returns_the_run(app: Flask, client: FlaskClient, po: str) -> None:
    """POST runs the ranking (201, Location); the run is listed and its result is placement-ranking/1."""
    before = len(audit_events(app, "rank", "referral", "R-T1"))
    response = client.post("/api/v1/referrals/R-T1/ranking-runs", headers=bearer(po))
    assert response.status_code == 201
    run = response.get_json()
    assert run["referral"] == "R-T1"
    assert run["requested_by"] == "PO"
    assert run["summary"]["placements"] == 5
    assert len(audit_events(app, "rank", "referral", "R-T1")) == before + 1

    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/referrals/R-T1/ranking-runs/{run['id']}")
    result = get(client, location, po)
    assert result.status_code == 200
    ranking = result.get_json()
    assert ranking["format"] == "placement-ranking/1"
    assert ranking["referral_id"] == "R-T1"
    assert ranking["options"][0]["placement_id"] == "P-FAR"
    assert len(ranking["options"]) == run["summary"]["feasible"]
    excluded = {e["placement_id"]: [r["code"] for r in e["reasons"]] for e in ranking["excluded"]}
    assert "no_vacancy" in excluded["P-FULL"]
    assert audit_events(app, "view", "ranking_run", f"R-T1/{run['id']}")

    listed = get(client, "/api/v1/referrals/R-T1/ranking-runs", po)
    assert listed.status_code == 200
    assert run["id"] in [r["id"] for r in listed.get_json()]
    assert pagination(listed)["total"] >= 1


def test_runs_of_other_referrals_and_authorities_are_not_found(app: Flask, client: FlaskClient, po: str) -> None:
    """A run id under the wrong referral, or another authority's referral, is 404."""
    run_id = client.post("/api/v1/referrals/R-T1/ranking-runs", headers=bearer(po)).get_json()["id"]
    salford = make_token(app, "po@salford.test")
    assert_error(client.post("/api/v1/referrals/R-T1/ranking-runs", headers=bearer(salford)), 404)
    assert_error(get(client, "/api/v1/referrals/R-T1/ranking-runs", salford), 404)
    assert_error(get(client, f"/api/v1/referrals/R-T1/ranking-runs/{run_id}", salford), 404)
    assert_error(get(client, f"/api/v1/referrals/R-S1/ranking-runs/{run_id}", salford), 404)
    assert_error(get(client, "/api/v1/referrals/R-T1/ranking-runs/999999", po), 404)
    assert_error(get(client, "/api/v1/referrals/R-T1/ranking-runs/99999999999", po), 404)
    assert_error(client.post("/api/v1/referrals/R-S1/ranking-runs", headers=bearer(po)), 404)


# --- the shared pool ------------------------------------------------------------------


def test_placements_pagination(client: FlaskClient, po: str) -> None:
    """Pages of placements in code order, with the X-Pagination header; past the end is empty."""
    first = get(client, "/api/v1/placements?page_size=2", po)
    assert [p["code"] for p in first.get_json()] == ["P-FAR", "P-FULL"]
    assert pagination(first) == {
        "total": 5,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 1,
        "next_page": 2,
    }
    second = get(client, "/api/v1/placements?page=2&page_size=2", po)
    assert [p["code"] for p in second.get_json()] == ["P-NEAR", "P-RES"]
    assert pagination(second)["previous_page"] == 1
    beyond = get(client, "/api/v1/placements?page=99&page_size=2", po)
    assert beyond.status_code == 200 and beyond.get_json() == []
    huge = get(client, f"/api/v1/placements?page={10**30}", po)
    assert huge.status_code == 200 and huge.get_json() == []


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("setting=supported", ["P-SUP"]),
        ("authority=E08000003", ["P-NEAR"]),
        ("has_vacancy=false", ["P-FULL"]),
        ("has_vacancy=true&authority=E10000007&setting=foster", ["P-FAR", "P-RES"]),
        ("status=closed", []),
    ],
)
def test_placement_filters(client: FlaskClient, po: str, query: str, codes: list[str]) -> None:
    """Setting, host authority, vacancy and status filter the pool."""
    response = get(client, f"/api/v1/placements?{query}", po)
    assert response.status_code == 200
    assert [p["code"] for p in response.get_json()] == codes


def test_placement_detail_hides_residents(client: FlaskClient, po: str, commissioner: str) -> None:
    """Anyone signed in sees a placement, never who lives there; an unknown code is 404."""
    for token in (po, commissioner):
        response = get(client, "/api/v1/placements/P-RES", token)
        assert response.status_code == 200
        body = response.get_json()
        assert body["code"] == "P-RES" and body["vacancies"] == 1
        assert "residents" not in body and "YP-OTHER" not in response.get_data(as_text=True)
    assert_error(get(client, "/api/v1/placements/P-NONE", po), 404)
    body = assert_error(get(client, "/api/v1/placements?authority=Manchester", po), 422)
    assert "authority" in body["errors"]["query"]


def test_areas_for_casework_roles(client: FlaskClient, po: str) -> None:
    """Areas come with their groups, source, confidence and review date."""
    response = get(client, "/api/v1/areas", po)
    assert response.status_code == 200
    (area,) = response.get_json()
    assert area["code"] == "A-CITY"
    assert area["groups"] == ["G-RED"]
    assert {"source", "confidence", "review_by"} <= set(area)
    assert pagination(response)["total"] == 1


# --- stateless ranking ----------------------------------------------------------------


def test_rank_a_submitted_case(app: Flask, client: FlaskClient, po: str, commissioner: str) -> None:
    """A placement-case/1 in, the engine's placement-ranking/1 out, for any role; audited by hash."""
    case = json.loads(SAMPLE_CASE.read_text(encoding="utf-8"))
    before = len(audit_events(app, "rank", "submitted_case"))
    for token in (po, commissioner):
        response = client.post("/api/v1/rank", json=case, headers=bearer(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == planner.rank_case(case)
    events = audit_events(app, "rank", "submitted_case")
    assert len(events) == before + 2
    assert re.fullmatch(r"[0-9a-f]{32}", events[-1].object_ref)


def test_a_bad_case_is_422_with_every_field_named(client: FlaskClient, po: str) -> None:
    """The engine's problems come back keyed by the field's path."""
    case = json.loads(SAMPLE_CASE.read_text(encoding="utf-8"))
    case["placements"][3]["lat"] = 95
    case["placements"][1]["weekly_cots"] = 900
    del case["referral"]
    body = assert_error(client.post("/api/v1/rank", json=case, headers=bearer(po)), 422)
    errors = body["errors"]["json"]
    assert errors["placements[3].lat"] == ["must be between -90 and 90"]
    assert "placements[1].weekly_cots" in errors
    assert "referral" in errors


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"null"])
def test_a_body_that_is_not_a_case_is_422(client: FlaskClient, po: str, body: bytes) -> None:
    """Not JSON, or not an object: 422, never a 500."""
    response = client.post("/api/v1/rank", data=body, headers={**bearer(po), "Content-Type": "application/json"})
    errors = assert_error(response, 422)["errors"]["json"]
    assert "(case)" in errors


# --- the OpenAPI document and the docs page ---------------------------------------------


def test_openapi_document_needs_sign_in_or_token(app: Flask, client: FlaskClient, po: str) -> None:
    """The document is served to a token or a signed-in session, and describes every endpoint."""
    assert_error(client.get("/api/v1/openapi.json"), 401)
    spec = get(client, "/api/v1/openapi.json", po).get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert set(spec["paths"]) >= {
        "/api/v1/young-people",
        "/api/v1/young-people/{reference}",
        "/api/v1/referrals",
        "/api/v1/referrals/{reference}",
        "/api/v1/referrals/{reference}/ranking-runs",
        "/api/v1/referrals/{reference}/ranking-runs/{run_id}",
        "/api/v1/placements",
        "/api/v1/placements/{code}",
        "/api/v1/areas",
        "/api/v1/rank",
    }
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, f"{method} {path} documents no success response"
            for code in success:
                assert "content" in operation["responses"][code], f"{method} {path} {code} has no schema"
            assert "default" in operation["responses"]
    browser = app.test_client()
    sign_in(browser, "commissioner@manchester.test")
    assert browser.get("/api/v1/openapi.json").status_code == 200


def test_docs_page_for_signed_in_users_only(app: Flask, client: FlaskClient) -> None:
    """Signed out: sent to sign in. Signed in (any role): each endpoint, its parameters and schemas."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(client, "commissioner@manchester.test")
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in [
        "/api/v1/young-people/{reference}",
        "/api/v1/referrals/{reference}/ranking-runs/{run_id}",
        "/api/v1/rank",
        "page_size",
        "has_vacancy",
        'id="schema-PlacementCase"',
        'id="schema-Ranking"',
        "X-Pagination",
    ]:
        assert text in page, text
    # The CSP allows no inline script or style.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "style=" not in page


# --- the API tokens page --------------------------------------------------------------


def _create(client: FlaskClient, label: str) -> TestResponse:
    return post(client, "/account/api-tokens", "/account/api-tokens", {"label": label})


def test_tokens_page_needs_sign_in(client: FlaskClient) -> None:
    """Signed out, the page sends you to sign in."""
    response = client.get("/account/api-tokens")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_create_shows_the_token_once_and_it_works(app: Flask) -> None:
    """Creating a token shows it once (201); the list then shows only its prefix; it signs in to the API."""
    client = app.test_client()
    sign_in(client, "sw@manchester.test")
    before = len(audit_events(app, "create", "api_token"))
    response = _create(client, "Case system")
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    match = re.search(r'value="(cpp_[A-Za-z0-9_-]+)"', page)
    assert match, "the new token is not on the page"
    token = match.group(1)
    assert "will not be shown again" in page
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "Case system" in listing and token[:12] in listing and token not in listing
    assert len(audit_events(app, "create", "api_token")) == before + 1
    assert get(app.test_client(), "/api/v1/referrals", token).status_code == 200


@pytest.mark.parametrize(
    ("label", "message"), [("", "Enter a name for the token"), ("x" * 81, "80 characters or fewer")]
)
def test_create_with_a_bad_name_keeps_what_was_typed(app: Flask, label: str, message: str) -> None:
    """A missing or too long name re-shows the form (400) with an error summary, nothing created."""
    client = app.test_client()
    sign_in(client, "sw@manchester.test")
    with app.app_context():
        count = db.session().query(ApiToken).count()
    response = _create(client, label)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page and 'href="#label"' in page
    assert f'value="{label}"' in page
    with app.app_context():
        assert db.session().query(ApiToken).count() == count


def test_forms_need_their_csrf_token(app: Flask) -> None:
    """Creating or revoking without the CSRF token is refused (400)."""
    client = app.test_client()
    sign_in(client, "sw@manchester.test")
    assert client.post("/account/api-tokens", data={"label": "No CSRF"}).status_code == 400
    assert client.post("/account/api-tokens/1/revoke").status_code == 400


def test_revoke_stops_the_token(app: Flask) -> None:
    """Revoking a token (any role, here a commissioner) makes the API refuse it with 401; audited."""
    client = app.test_client()
    sign_in(client, "commissioner@manchester.test")
    token = make_token(app, "commissioner@manchester.test", "To revoke")
    assert get(client, "/api/v1/placements", token).status_code == 200
    with app.app_context():
        token_id = db.session().query(ApiToken).filter_by(label="To revoke").one().id
    response = post(client, f"/account/api-tokens/{token_id}/revoke", "/account/api-tokens")
    assert response.status_code == 302
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "is revoked" in page and "Revoked" in page
    assert audit_events(app, "revoke", "api_token", str(token_id))
    body = assert_error(get(client, "/api/v1/placements", token), 401)
    assert "revoked" in body["message"]


def test_cannot_revoke_someone_elses_token(app: Flask) -> None:
    """Another user's token is not found (404) and keeps working."""
    token = make_token(app, "po@salford.test", "Salford's")
    with app.app_context():
        token_id = db.session().query(ApiToken).filter_by(label="Salford's").one().id
    client = app.test_client()
    sign_in(client, "po@manchester.test")
    assert post(client, f"/account/api-tokens/{token_id}/revoke", "/account/api-tokens").status_code == 404
    assert post(client, "/account/api-tokens/99999999999/revoke", "/account/api-tokens").status_code == 404
    assert get(app.test_client(), "/api/v1/placements", token).status_code == 200


@pytest.mark.parametrize("where", ["placements", "groups"])
def test_an_id_that_is_a_list_is_422_not_500(client: FlaskClient, po: str, where: str) -> None:
    """An id of the wrong JSON type is a problem with the case, named, like any other."""
    case: dict[str, Any] = {"format": "placement-case/1", "placements": []}
    case[where] = [{"id": ["P-1"]}]
    body = assert_error(client.post("/api/v1/rank", json=case, headers=bearer(po)), 422)
    assert f"{where}[0].id" in body["errors"]["json"]
