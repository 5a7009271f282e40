"""The API against hostile bodies and queries: every POST endpoint refuses JSON nested 10,000
deep, a key given twice and NaN with a 4xx naming the problem; query numbers are ASCII digits.

Run with TEST_DATABASE_URL set too: the app fixture then runs on PostgreSQL as well.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import assert_error, bearer, make_token
from tests.integration.builders import build_world

# The API's POST endpoints that read a JSON body.
POSTS = [
    "/api/v1/rank",
    "/api/v1/panels",
    "/api/v1/referrals/R-T1/decisions",
    "/api/v1/referrals/R-T1/decisions/1/care-plan-versions",
    "/api/v1/referrals/R-T1/decisions/1/approvals",
    "/api/v1/relocation-reviews/1/decision",
    "/api/v1/agreements",
    "/api/v1/agreements/1/end",
    "/api/v1/groups",
]
# POST endpoints that read no body (a body sent is ignored, never parsed).
WITHOUT_BODY = [
    "/api/v1/panels/1/matches/R-T1/accept",
    "/api/v1/referrals/R-T1/ranking-runs",
    "/api/v1/host-notifications/1/acknowledge",
    "/api/v1/referrals/R-T1/decisions/1/host-notification",
    "/api/v1/groups/G-RED/retire",
]
DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)


@pytest.fixture(scope="module")
def po(app: Flask) -> str:
    return make_token(app, "po@manchester.test")


def test_every_post_endpoint_is_listed(app: Flask) -> None:
    """POSTS and WITHOUT_BODY cover every API POST route, so a new one is not missed."""
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and "POST" in (rule.methods or set())
    }
    assert len(rules) == len(POSTS) + len(WITHOUT_BODY)


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize(
    ("body", "words"),
    [
        (DEEP, "nested more than 64 levels deep"),
        ('{"references": ["R-T1"], "references": ["R-T1"]}', 'the key \\"references\\" appears twice'),
        ('{"as_of": NaN}', "NaN is not a JSON number"),
    ],
)
def test_a_hostile_body_is_a_4xx_naming_the_problem(
    client: FlaskClient, po: str, path: str, body: str, words: str
) -> None:
    """400 (422 from /rank, whose problems are the case's), never a 500 and never last-wins."""
    response = client.post(path, data=body, headers={**bearer(po), "Content-Type": "application/json"})
    assert response.status_code in (400, 422), (path, response.status_code)
    assert response.mimetype == "application/json"
    assert words in response.get_data(as_text=True)


def test_rank_names_the_problem_under_case(client: FlaskClient, po: str) -> None:
    response = client.post("/api/v1/rank", data=DEEP, headers={**bearer(po), "Content-Type": "application/json"})
    assert assert_error(response, 422)["errors"]["json"] == {"(case)": ["nested more than 64 levels deep"]}


@pytest.mark.parametrize("page", ["١", "1_0", "²", " 1"])
def test_query_numbers_are_ascii_digits(client: FlaskClient, po: str, page: str) -> None:
    """`?page=١` (Arabic-Indic one) or `1_0`: 422 naming `page`, where int() would have read them."""
    response = client.get("/api/v1/placements", query_string={"page": page}, headers=bearer(po))
    assert assert_error(response, 422)["errors"] == {
        "query": {"page": ["Enter a number written with the digits 0 to 9."]}
    }


def test_a_nul_in_a_json_body_names_its_path(client: FlaskClient, po: str) -> None:
    response = client.post(
        "/api/v1/referrals/R-T1/decisions",
        json={"placement": "P-NEAR", "care_plan": {"rationale": "x\x00"}},
        headers=bearer(po),
    )
    body = assert_error(response, 400)
    assert body["errors"] == {"json": {"care_plan.rationale": ["must not contain a NUL character (\\u0000)"]}}


@pytest.mark.parametrize("number", [2**31, 2**63])
def test_an_id_past_32_bits_is_a_json_404(client: FlaskClient, po: str, number: int) -> None:
    for path in (
        f"/api/v1/referrals/R-T1/ranking-runs/{number}",
        f"/api/v1/panels/{number}",
        f"/api/v1/relocation-reviews/{number}",
    ):
        assert_error(client.get(path, headers=bearer(po)), 404)
