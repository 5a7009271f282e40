"""The score a social worker can follow, through the pages and the API (docs/scoring.md, decision 0009).

The world: build_world's pool and referrals, a Manchester social worker, and R-W1, a child
linked to the Redline group whose essential mother lives in Leicestershire, next to a plain
foster placement (P-MUM), while the specialist placement P-FAR is near her sister, who
visits often. P-FAR comes first on specialism and the network as a whole, about 37 miles further
from the mother than P-MUM, which is safe too: the page must warn, and the decision form
must ask why. R-W2 and R-W3 are children like R-W1's, one for each test that records a
decision, so no test finds R-W1 decided or P-FAR's place taken by another.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import assert_error, bearer, make_token
from tests.integration.balance_builders import build_balance_world
from tests.integration.decision_builders import plan_form
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.models import CarePlanVersion, Decision, Placement, RankingRun, Referral

LEICESTERSHIRE = "E10000018"


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_balance_world(app, ("R-W1", "R-W2", "R-W3"))
    with app.app_context():
        # Places to spare, so the tests that decide for P-FAR leave it open to the others.
        placement = db.session().query(Placement).filter_by(code="P-FAR").one()
        placement.capacity = placement.vacancies = 5
        db.commit()


def _client(app: Flask, email: str = "sw@manchester.scoring") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _run(client: FlaskClient, reference: str) -> int:
    token = csrf_token(client, f"/referrals/{reference}")
    response = client.post(f"/referrals/{reference}/rankings", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _decisions(app: Flask, reference: str) -> list[Decision]:
    """The decisions recorded for one referral."""
    with app.app_context():
        query = db.session().query(Decision).join(Referral, Decision.referral_id == Referral.id)
        return query.filter(Referral.reference == reference).all()


def _result(app: Flask, run_id: int) -> dict:
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        return json.loads(run.result_json)


def _decide_warned(app: Flask, client: FlaskClient, reference: str) -> int:
    """Decide for the warned option P-FAR, saying why not the closer one; the new decision's id."""
    run_id = _run(client, reference)
    path = f"/referrals/{reference}/rankings/{run_id}/decide?placement=P-FAR"
    support = re.findall(r'name="contact-(S-\d+)-frequency"', client.get(path).get_data(as_text=True))
    reason = "The sister visits twice a week and the specialist carers are trained for exploitation."
    done = client.post(path, data={**plan_form(support, why_not_closer=reason), "csrf_token": csrf_token(client, path)})
    assert done.status_code == 302, done.get_data(as_text=True)[:400]
    (decision,) = _decisions(app, reference)
    return decision.id


def test_the_options_page_says_each_component_in_words_and_whether_rank_1_is_robust(app: Flask) -> None:
    """Every option's components are said in words; the robustness of rank 1 is stated."""
    client = _client(app)
    run_id = _run(client, "R-T1")
    result = _result(app, run_id)
    html = client.get(f"/referrals/R-T1/rankings/{run_id}").get_data(as_text=True)
    for option in result["options"]:
        assert (
            set(option["component_words"])
            == set(option["components"])
            == {
                "safety",
                "support",
                "journey",
                "specialist",
                "continuity",
                "cost",
            }
        )
        for sentence in option["component_words"].values():
            assert sentence.replace("'", "&#39;") in html
    assert 'id="robustness"' in html
    robust = result["robustness"]
    assert robust["rank1"] == result["options"][0]["placement_id"]
    assert ("Rank 1 is not a close call." in html) == robust["stable"]


def test_the_page_warns_when_the_top_option_is_much_further_from_an_essential_person(app: Flask) -> None:
    """R-W1: P-FAR is first, far further from the essential mother than P-MUM; the page says so and links to it."""
    client = _client(app)
    run_id = _run(client, "R-W1")
    result = _result(app, run_id)
    assert [o["placement_id"] for o in result["options"]][:1] == ["P-FAR"]
    warning = next(w for w in result["warnings"] if w["code"] == "top_option_far_from_essential")
    assert (warning["placement_id"], warning["closer_placement_id"]) == ("P-FAR", "P-MUM")
    html = client.get(f"/referrals/R-W1/rankings/{run_id}").get_data(as_text=True)
    assert 'id="essential-warning"' in html
    assert "The top option is much further from an essential person than another safe option." in html
    assert 'href="#option-P-MUM"' in html
    # It is not listed as intelligence left out.
    assert html.count(warning["detail"]) == 1


def test_a_decision_through_the_api_needs_why_not_closer_when_warned(app: Flask, client: FlaskClient) -> None:
    """POST /decisions for the warned option is 422 naming why_not_closer; nothing is written."""
    token = make_token(app, "sw@manchester.scoring")
    run_id = client.post("/api/v1/referrals/R-W1/ranking-runs", headers=bearer(token)).get_json()["id"]
    ranking = client.get(f"/api/v1/referrals/R-W1/ranking-runs/{run_id}", headers=bearer(token)).get_json()
    support = list(ranking["options"][0]["facts"]["support_km"])
    plan = {
        "rationale": "Specialist carers near her sister.",
        "wishes_and_feelings": "Wants to see her sister every week.",
        "risks_and_safety_plan": "Missing protocol agreed with the host police.",
        "education_school": "same_school",
        "rhi_provider": "Host area service",
        "contact": {sid: {"frequency": "weekly", "supervision": "unsupervised"} for sid in support},
    }
    start = date.today().isoformat()
    body = {"run_id": run_id, "placement_id": "P-FAR", "start_date": start, "care_plan": plan}
    with app.app_context():
        before = db.session().query(Decision).count()
    refused = client.post("/api/v1/referrals/R-W1/decisions", headers=bearer(token), json=body)
    assert "why_not_closer" in json.dumps(assert_error(refused, 422)["errors"])
    with app.app_context():
        assert db.session().query(Decision).count() == before


def test_an_option_the_page_did_not_warn_about_is_not_asked_why(app: Flask) -> None:
    """The closer option itself is chosen without the question."""
    client = _client(app, "sw@manchester.test")
    run_id = _run(client, "R-T1")
    page = client.get(f"/referrals/R-T1/rankings/{run_id}/decide?placement=P-FAR").get_data(as_text=True)
    assert 'name="why_not_closer"' not in page


def test_the_compare_page_says_why_each_option_is_above_another(app: Flask) -> None:
    """For each pair compared, the points each component adds up to the difference in score."""
    client = _client(app)
    run_id = _run(client, "R-W1")
    result = _result(app, run_id)
    first, second = result["options"][0], result["options"][1]
    html = client.get(
        f"/referrals/R-W1/rankings/{run_id}/compare?placement={second['placement_id']}&placement={first['placement_id']}"
    ).get_data(as_text=True)
    assert 'id="why-above"' in html
    assert f'id="why-{first["placement_id"]}-{second["placement_id"]}"' in html
    difference = round(first["score"] - second["score"], 2)
    assert f"{first['placement_id']} is {difference:.2f} points above {second['placement_id']}" in html
    assert f"<strong>{difference:+.2f}</strong>" in html


def test_dominated_options_are_marked(app: Flask) -> None:
    """An option beaten on both safety and closeness carries the mark and names the options that beat it."""
    client = _client(app)
    run_id = _run(client, "R-W1")
    result = _result(app, run_id)
    html = client.get(f"/referrals/R-W1/rankings/{run_id}").get_data(as_text=True)
    marked = [o for o in result["options"] if o["dominated_by"]]
    assert html.count('class="govuk-tag govuk-tag--orange app-dominated-tag"') == len(marked)
    for o in marked:
        assert f'id="dominated-{o["placement_id"]}"' in html


def test_the_api_gives_the_new_fields_and_why_one_option_is_above_another(app: Flask, client: FlaskClient) -> None:
    """The stored ranking carries words, dominance, the warning and robustness; why-above answers for two options."""
    token = make_token(app, "sw@manchester.scoring")
    run = client.post("/api/v1/referrals/R-W1/ranking-runs", headers=bearer(token)).get_json()
    ranking = client.get(f"/api/v1/referrals/R-W1/ranking-runs/{run['id']}", headers=bearer(token)).get_json()
    assert ranking["policy"]["weights"]["journey"] > 0
    assert all("component_words" in o and "dominated_by" in o for o in ranking["options"])
    assert ranking["robustness"]["rank1"] == "P-FAR"
    assert any(w["code"] == "top_option_far_from_essential" for w in ranking["warnings"])

    path = f"/api/v1/referrals/R-W1/ranking-runs/{run['id']}/why-above"
    why = client.get(f"{path}?above=P-FAR&below=P-MUM", headers=bearer(token))
    assert why.status_code == 200
    body = why.get_json()
    assert (body["above"], body["below"]) == ("P-FAR", "P-MUM")
    scores = {o["placement_id"]: o["score"] for o in ranking["options"]}
    assert body["difference"] == round(scores["P-FAR"] - scores["P-MUM"], 2)
    assert abs(sum(r["points"] for r in body["components"]) - body["difference"]) <= 0.05

    problem = assert_error(client.get(f"{path}?above=P-FAR&below=P-NOPE", headers=bearer(token)), 422)
    assert "below" in json.dumps(problem)
    assert_error(client.get(f"{path}?above=P-FAR", headers=bearer(token)), 422)
    salford = make_token(app, "po@salford.test")
    assert_error(client.get(f"{path}?above=P-FAR&below=P-MUM", headers=bearer(salford)), 404)


def test_the_decision_form_asks_why_not_the_closer_option_and_insists(app: Flask) -> None:
    """Choosing the warned option: the form asks why not the closer one, refuses without it, keeps it in the plan."""
    client = _client(app)
    run_id = _run(client, "R-W2")
    path = f"/referrals/R-W2/rankings/{run_id}/decide?placement=P-FAR"
    page = client.get(path).get_data(as_text=True)
    assert "Why this option and not the closer one" in page
    assert 'name="why_not_closer"' in page
    support = re.findall(r'name="contact-(S-\d+)-frequency"', page)

    refused = client.post(path, data={**plan_form(support), "csrf_token": csrf_token(client, path)})
    assert refused.status_code == 400
    assert "Say why you chose this option and not the one closer to the essential person" in refused.get_data(
        as_text=True
    )
    assert _decisions(app, "R-W2") == []

    reason = "The sister visits twice a week and the specialist carers are trained for exploitation."
    done = client.post(path, data={**plan_form(support, why_not_closer=reason), "csrf_token": csrf_token(client, path)})
    assert done.status_code == 302, done.get_data(as_text=True)[:400]
    (decision,) = _decisions(app, "R-W2")
    with app.app_context():
        version = db.session().query(CarePlanVersion).filter_by(decision_id=decision.id).one()
        assert version.content["why_not_closer"] == reason


def test_an_amendment_keeps_asking_why_not_the_closer_option(app: Flask) -> None:
    """Amending the plan of a decision the page warned about needs why_not_closer too (kept from the last version)."""
    client = _client(app)
    decision_id = _decide_warned(app, client, "R-W3")
    path = f"/referrals/R-W3/decisions/{decision_id}/amend"
    page = client.get(path).get_data(as_text=True)
    assert 'name="why_not_closer"' in page
    assert "The sister visits twice a week" in page  # the answer given with the decision, to start from
    support = re.findall(r'name="contact-(S-\d+)-frequency"', page)
    form = {**plan_form(support), "change_note": "Contact plan agreed with the mother.", "csrf_token": ""}
    form["csrf_token"] = csrf_token(client, path)
    refused = client.post(path, data=form)
    assert refused.status_code == 400
    assert "closer to the essential person" in refused.get_data(as_text=True)
    form = {**form, "why_not_closer": "As before: the sister's visits and the specialist carers."}
    form["csrf_token"] = csrf_token(client, path)
    assert client.post(path, data=form).status_code == 302
