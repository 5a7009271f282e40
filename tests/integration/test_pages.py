"""Every page, as each kind of user meets it, including the denials."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.builders import build_world
from tests.integration.helpers import csrf_token, post, sign_in
from web import db
from web.models import AuditEvent, RankingRun
from web.shared.repositories import audit


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)


def test_sign_in_page_renders_without_being_signed_in(client: FlaskClient) -> None:
    """The sign-in page is open to everyone and carries a CSRF token."""
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)


def test_pages_need_sign_in(client: FlaskClient) -> None:
    """A signed-out visitor is sent to sign in, not shown the page."""
    for path in ["/", "/referrals/", "/referrals/R-T1", "/supply"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/sign-in" in response.headers["Location"]


def test_wrong_password_is_refused_with_a_message(client: FlaskClient) -> None:
    """A wrong password shows an error summary and does not sign in."""
    response = sign_in(client, "po@manchester.test", "wrong")
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert client.get("/referrals/").status_code == 302


def test_empty_form_names_both_fields(client: FlaskClient) -> None:
    """Submitting nothing names the email and the password fields."""
    token = csrf_token(client, "/sign-in")
    page = client.post("/sign-in", data={"csrf_token": token}).get_data(as_text=True)
    assert "Enter your email address" in page and "Enter your password" in page


def test_sign_in_without_csrf_token_is_refused(client: FlaskClient) -> None:
    """A form posted without its CSRF token is refused with a 400."""
    response = client.post("/sign-in", data={"email": "po@manchester.test", "password": "x"})
    assert response.status_code == 400
    assert "Your form had expired" in response.get_data(as_text=True)


def test_account_locks_after_five_failures(app: Flask) -> None:
    """Five wrong passwords lock the account even against the right one."""
    client = app.test_client()
    for _ in range(5):
        sign_in(client, "po@salford.test", "wrong")
    assert sign_in(client, "po@salford.test").status_code == 400
    from web.models import User

    with app.app_context():
        user = db.session().query(User).filter_by(email="po@salford.test").one()
        user.locked_until = None
        db.commit()
    assert sign_in(client, "po@salford.test").status_code == 302


def test_open_redirect_is_refused(client: FlaskClient) -> None:
    """?next= only sends the user to a path on this site."""
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=https://evil.example/",
        data={"email": "po@manchester.test", "password": "correct horse battery staple", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_placement_officer_sees_own_authoritys_open_referrals(client: FlaskClient) -> None:
    """The list shows Manchester's referral and not Salford's."""
    sign_in(client, "po@manchester.test")
    page = client.get("/referrals/").get_data(as_text=True)
    assert "R-T1" in page
    assert "R-S1" not in page


def test_another_authoritys_referral_is_not_found(client: FlaskClient) -> None:
    """Salford's referral answers 404 to a Manchester user, not 403."""
    sign_in(client, "po@manchester.test")
    assert client.get("/referrals/R-S1").status_code == 404
    assert post(client, "/referrals/R-S1/rankings", "/referrals/R-T1").status_code == 404


def test_commissioner_sees_no_childs_record(client: FlaskClient) -> None:
    """Commissioners are refused referral pages and start at the supply page."""
    sign_in(client, "commissioner@manchester.test")
    assert client.get("/referrals/").status_code == 403
    assert client.get("/referrals/R-T1").status_code == 403
    response = client.get("/")
    assert response.headers["Location"].endswith("/supply")


def test_viewing_a_referral_is_audited(app: Flask, client: FlaskClient) -> None:
    """Opening a referral records who viewed it and the young person's record."""
    sign_in(client, "sw@manchester.test")
    page = client.get("/referrals/R-T1").get_data(as_text=True)
    assert "YP-T1" in page and "Redline" in page
    with app.app_context():
        refs = {(e.action, e.object_type, e.object_ref) for e in audit.list_events()}
    assert ("view", "referral", "R-T1") in refs
    assert ("view", "young_person", "YP-T1") in refs


def test_running_the_ranking_stores_a_run_and_shows_options(app: Flask, client: FlaskClient) -> None:
    """Find options ranks, stores the exact case and result, and shows options and exclusions."""
    sign_in(client, "po@manchester.test")
    response = post(client, "/referrals/R-T1/rankings", "/referrals/R-T1")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Carers P-FAR" in page  # the one safe option
    assert "Score breakdown" in page
    assert "Near an area linked to the child&#39;s groups" in page  # P-NEAR excluded
    assert "No vacancy" in page  # P-FULL excluded
    assert "Unlawful setting for age" in page  # P-SUP excluded: the child is 15
    assert "Director" in page  # Derbyshire does not adjoin Manchester
    with app.app_context():
        run = db.session().query(RankingRun).order_by(RankingRun.id.desc()).first()
        assert run is not None
        case = json.loads(run.case_json)
        result = json.loads(run.result_json)
        events = db.session().query(AuditEvent).filter_by(action="rank", object_ref="R-T1").count()
    assert case["referral"]["id"] == "R-T1"
    assert [o["placement_id"] for o in result["options"]] == ["P-FAR", "P-RES"]
    assert result["policy"]["version"] == run.policy_version
    assert events >= 1


def test_earlier_runs_are_listed_and_stay_as_they_were(client: FlaskClient) -> None:
    """Each run is its own record: running again adds one and the first still shows."""
    sign_in(client, "po@manchester.test")
    first = post(client, "/referrals/R-T1/rankings", "/referrals/R-T1").headers["Location"]
    second = post(client, "/referrals/R-T1/rankings", "/referrals/R-T1").headers["Location"]
    assert first != second
    assert client.get(first).status_code == 200
    page = client.get("/referrals/R-T1").get_data(as_text=True)
    assert first in page and second in page


def test_a_run_of_another_referral_is_not_found(client: FlaskClient) -> None:
    """A run id only opens under its own referral."""
    sign_in(client, "po@manchester.test")
    location = post(client, "/referrals/R-T1/rankings", "/referrals/R-T1").headers["Location"]
    run_id = location.rsplit("/", 1)[1]
    assert client.get(f"/referrals/R-S1/rankings/{run_id}").status_code == 404
    assert client.get("/referrals/R-T1/rankings/999999").status_code == 404


def test_supply_page_counts_places_not_children(client: FlaskClient) -> None:
    """Any signed-in role sees supply by authority and setting, with totals."""
    sign_in(client, "commissioner@manchester.test")
    page = client.get("/supply").get_data(as_text=True)
    assert "Derbyshire" in page and "Manchester" in page
    assert "YP-" not in page


def test_sign_out_ends_the_session(client: FlaskClient) -> None:
    """After signing out, pages ask for sign-in again."""
    sign_in(client, "po@manchester.test")
    assert client.get("/referrals/").status_code == 200
    response = post(client, "/sign-out", "/referrals/")
    assert response.status_code == 302
    assert client.get("/referrals/").status_code == 302


def test_pages_with_personal_data_are_not_cached_and_have_a_strict_csp(client: FlaskClient) -> None:
    """Every page says no-store and forbids inline script."""
    sign_in(client, "po@manchester.test")
    response = client.get("/referrals/R-T1")
    assert response.headers["Cache-Control"] == "no-store"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(client: FlaskClient) -> None:
    """A wrong address gives the 404 page."""
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)
