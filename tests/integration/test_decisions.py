"""Recording a decision and its care plan, approvals, amendments and the history, in the browser's forms."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.decision_builders import build_decision_world, date_boxes, plan_form
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.models import AuditEvent, CarePlanVersion, Decision, Placement, RankingRun, Referral


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    # One referral per test that decides or needs a decision, so none finds its referral placed by another.
    build_decision_world(app, ["R-D1", "R-D2", "R-D3", "R-D4", "R-D5", "R-D6", "R-D7", "R-D8", "R-D9"])
    with app.app_context():
        # Places to spare, so no test finds the near or far placement full because another took it first.
        for placement in db.session().query(Placement).filter(Placement.code.in_(["P-NEAR", "P-FAR"])):
            placement.capacity = placement.vacancies = 5
        db.commit()


def _as(app: Flask, email: str) -> FlaskClient:
    """A new browser, signed in as `email`."""
    client = app.test_client()
    sign_in(client, email)
    return client


def _places_to_spare() -> None:
    """Tests run in any order, and each decision takes a place: before a ranking, the near and
    far placements have a place free again, so none finds them full because others went first."""
    for placement in db.session().query(Placement).filter(Placement.code.in_(["P-NEAR", "P-FAR"])):
        if placement.vacancies == 0:
            placement.capacity += 1
            placement.vacancies = 1
    db.commit()


def _run(client: FlaskClient, reference: str) -> int:
    with client.application.app_context():
        _places_to_spare()
    token = csrf_token(client, f"/referrals/{reference}")
    response = client.post(f"/referrals/{reference}/rankings", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _decide_page(client: FlaskClient, reference: str, run_id: int, placement: str) -> tuple[str, list[str]]:
    page = client.get(f"/referrals/{reference}/rankings/{run_id}/decide?placement={placement}")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    return text, re.findall(r'name="contact-(S-\d+)-frequency"', text)


def _post_decision(client: FlaskClient, reference: str, run_id: int, placement: str, **overrides: str):  # type: ignore[no-untyped-def]
    path = f"/referrals/{reference}/rankings/{run_id}/decide?placement={placement}"
    _text, support = _decide_page(client, reference, run_id, placement)
    data = plan_form(support, **overrides)
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _option(app: Flask, run_id: int, rank: int) -> str:
    with app.app_context():
        run = db.session().get(RankingRun, run_id)
        assert run is not None
        return str(json.loads(run.result_json)["options"][rank - 1]["placement_id"])


def _vacancies(app: Flask, code: str) -> int:
    with app.app_context():
        return next(p.vacancies for p in db.session().query(Placement).filter_by(code=code))


def _decision(app: Flask, reference: str) -> Decision | None:
    with app.app_context():
        referral = db.session().query(Referral).filter_by(reference=reference).one()
        return db.session().query(Decision).filter_by(referral_id=referral.id).order_by(Decision.id.desc()).first()


def _decide_top(app: Flask, reference: str) -> Decision:
    """A social worker's decision for the top option of a new run, for a test that needs one recorded."""
    client = _as(app, "sw@manchester.test")
    run_id = _run(client, reference)
    response = _post_decision(client, reference, run_id, _option(app, run_id, 1), why_not_top="")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    decision = _decision(app, reference)
    assert decision is not None
    return decision


def test_a_bad_care_plan_names_each_field_and_writes_nothing(app: Flask, client: FlaskClient) -> None:
    """Missing rationale, wishes and contact are named; no decision, no version, no place taken."""
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D6")
    # The top option, whichever it is: other tests' decisions (any order) may have filled P-NEAR
    # to the fostering limit.
    chosen = _option(app, run_id, 1)
    before = _vacancies(app, chosen)
    path = f"/referrals/R-D6/rankings/{run_id}/decide?placement={chosen}"
    _text, support = _decide_page(client, "R-D6", run_id, chosen)
    form = plan_form(support, rationale="", wishes_and_feelings="")
    form.update({"start_date-day": "31", "start_date-month": "2"})
    form[f"contact-{support[0]}-frequency"] = ""
    response = client.post(path, data={**form, "csrf_token": csrf_token(client, path)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#rationale"' in page and "Enter why this placement" in page
    assert 'href="#wishes_and_feelings"' in page
    assert f'href="#contact-{support[0]}-frequency"' in page
    assert 'href="#start_date-day"' in page and "Placement start date must be a real date" in page
    # What the user typed is kept.
    assert "Carers know the warning signs" in page
    assert _vacancies(app, chosen) == before
    assert _decision(app, "R-D6") is None


def test_an_in_area_decision_takes_the_place_and_needs_no_approval(app: Flask, client: FlaskClient) -> None:
    """Choosing the top, in-area option records version 1, takes a place and places the referral."""
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D1")
    before = _vacancies(app, "P-NEAR")
    response = _post_decision(client, "R-D1", run_id, "P-NEAR", why_not_top="")
    assert response.status_code == 302
    decision = _decision(app, "R-D1")
    assert decision is not None and decision.status == "approved"
    assert decision.option_rank == 1 and decision.approval_level == "none" and not decision.out_of_area
    assert _vacancies(app, "P-NEAR") == before - 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Agreed" in page and "No approval is needed" in page and "Care plan, version 1" in page
    referral_page = client.get("/referrals/R-D1").get_data(as_text=True)
    assert 'id="decisions"' in referral_page and "Carers P-NEAR" in referral_page
    with app.app_context():
        assert db.session().query(Referral).filter_by(reference="R-D1").one().status == "placed"
        assert db.session().query(AuditEvent).filter_by(action="decide", object_ref="R-D1").count() == 1


def test_a_second_decision_on_the_same_referral_is_refused(app: Flask, client: FlaskClient) -> None:
    """A referral holds one live decision: a second attempt is told so and takes nothing."""
    _decide_top(app, "R-D7")
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D7")
    before = _vacancies(app, "P-RES")
    response = _post_decision(client, "R-D7", run_id, "P-RES")
    assert response.status_code == 409
    assert "already has a placement decision" in response.get_data(as_text=True)
    assert _vacancies(app, "P-RES") == before


def test_not_the_top_option_needs_a_reason(app: Flask, client: FlaskClient) -> None:
    """Choosing a lower-ranked option without saying why is refused, naming the field."""
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D8")
    response = _post_decision(client, "R-D8", run_id, _option(app, run_id, 2), why_not_top="")
    assert response.status_code == 400
    assert 'href="#why_not_top"' in response.get_data(as_text=True)


def test_at_a_distance_needs_the_director_after_the_host_is_consulted(app: Flask, client: FlaskClient) -> None:
    """The journey: decide far away, approval waits for the host consultation, amend, director approves."""
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D2")
    response = _post_decision(client, "R-D2", run_id, "P-FAR")
    assert response.status_code == 302
    decision_path = response.headers["Location"]
    decision = _decision(app, "R-D2")
    assert decision is not None
    assert decision.status == "awaiting_approval" and decision.approval_level == "director" and decision.at_a_distance

    # The person who decided cannot approve, and a nominated officer is the wrong role.
    approve_path = f"{decision_path}/approvals/reg11"
    data = {"outcome": "approved", "comment": "Agreed.", "confirm-wishes_heard": "yes"}
    assert client.post(approve_path, data={**data, "csrf_token": csrf_token(client, decision_path)}).status_code == 403
    client = _as(app, "no@manchester.test")
    assert client.post(approve_path, data={**data, "csrf_token": csrf_token(client, decision_path)}).status_code == 403

    # The director must tick every confirmation, and the host must have been consulted first.
    client = _as(app, "director@manchester.test")
    page = client.get(decision_path).get_data(as_text=True)
    assert "Record my answer" in page
    # The approval form comes after the care plan it approves, and names its version.
    assert page.index('id="care-plan"') < page.index('id="requirement-reg11"')
    assert 'name="care_plan_number" value="1"' in page
    # The host consultation is shown from the care plan's record, not ticked again.
    assert 'id="host-steps"' in page and "confirm-host_informed" not in page
    steps = page[page.index('id="host-steps"') :]
    assert "Host authority consulted" in steps and "Not recorded" in steps[: steps.index("</dl>")]
    full = {
        "outcome": "approved",
        "comment": "Safest option available; host consulted.",
        **{f"confirm-{k}": "yes" for k in ("wishes_heard", "most_appropriate", "relatives_and_iro_consulted")},
    }
    response = client.post(approve_path, data={**data, "csrf_token": csrf_token(client, decision_path)})
    assert response.status_code == 400 and "Confirm: this is the most appropriate" in response.get_data(as_text=True)
    response = client.post(approve_path, data={**full, "csrf_token": csrf_token(client, decision_path)})
    assert response.status_code == 400
    assert "must be consulted and sent the care plan" in response.get_data(as_text=True)

    # The social worker records the consultation by amending: a new version, the old one kept.
    client = _as(app, "sw@manchester.test")
    amend_path = f"{decision_path}/amend"
    amend_page = client.get(amend_path).get_data(as_text=True)
    support = re.findall(r'name="contact-(S-\d+)-frequency"', amend_page)
    today = date.today()
    form = {
        **plan_form(support),
        **date_boxes("host_consulted_on", today),
        **date_boxes("care_plan_sent_to_host_on", today),
        **date_boxes("host_authority_notified_on", today),
    }
    missing_note = client.post(amend_path, data={**form, "csrf_token": csrf_token(client, amend_path)})
    assert missing_note.status_code == 400 and 'href="#change_note"' in missing_note.get_data(as_text=True)
    form["change_note"] = "Host consulted and sent the care plan."
    form[f"contact-{support[0]}-frequency"] = "fortnightly"
    assert client.post(amend_path, data={**form, "csrf_token": csrf_token(client, amend_path)}).status_code == 302

    client = _as(app, "director@manchester.test")
    page = client.get(decision_path).get_data(as_text=True)
    steps = page[page.index('id="host-steps"') :]
    assert "Recorded" in steps and "Not recorded" not in steps[: steps.index("</dl>")]
    # An answer about version 1, sent after version 2 was written, is not recorded.
    stale = {**full, "care_plan_number": "1", "csrf_token": csrf_token(client, decision_path)}
    response = client.post(approve_path, data=stale)
    assert response.status_code == 409 and "amended to version 2" in response.get_data(as_text=True)
    response = client.post(
        approve_path, data={**full, "care_plan_number": "2", "csrf_token": csrf_token(client, decision_path)}
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Every approval is in: the decision is agreed" in shown and "Approved." not in shown
    decision = _decision(app, "R-D2")
    assert decision is not None and decision.status == "approved"
    with app.app_context():
        versions = (
            db.session()
            .query(CarePlanVersion)
            .filter_by(decision_id=decision.id)
            .order_by(CarePlanVersion.number)
            .all()
        )
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].content["host_consulted_on"] is None  # version 1 untouched
        assert db.session().query(Referral).filter_by(reference="R-D2").one().status == "placed"

    # History: both versions, and a readable difference.
    history = client.get(f"{decision_path}/history").get_data(as_text=True)
    assert "Changes from version 1 to version 2" in history
    assert "Host authority consulted (at a distance, reg 11)" in history
    assert '<del><span class="govuk-visually-hidden">removed: </span>Weekly,</del>' in history
    assert '<ins><span class="govuk-visually-hidden">added: </span>Fortnightly,</ins>' in history
    assert client.get(f"{decision_path}/versions/1").status_code == 200
    assert client.get(f"{decision_path}/versions/9").status_code == 404


def test_a_refusal_gives_the_place_back(app: Flask, client: FlaskClient) -> None:
    """A Key Stage 4 change of school needs a nominated officer; refusing returns the place."""
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D3")
    before = _vacancies(app, "P-RES")
    response = _post_decision(
        client, "R-D3", run_id, "P-RES", education_school="new_school", education_key_stage_4="yes"
    )
    assert response.status_code == 302
    decision_path = response.headers["Location"]
    assert _vacancies(app, "P-RES") == before - 1
    decision = _decision(app, "R-D3")
    assert decision is not None and decision.needs_education_approval
    client = _as(app, "no@manchester.test")
    page = client.get(decision_path).get_data(as_text=True)
    assert "Change of school for a Key Stage 4 pupil (reg 10)" in page
    response = client.post(
        f"{decision_path}/approvals/reg10",
        data={
            "outcome": "refused",
            "comment": "School move not justified.",
            "csrf_token": csrf_token(client, decision_path),
        },
    )
    assert response.status_code == 302
    assert _vacancies(app, "P-RES") == before
    decision = _decision(app, "R-D3")
    assert decision is not None and decision.status == "refused"
    # A refused decision starts no placement, so it lists no deadlines.
    page = client.get(decision_path).get_data(as_text=True)
    assert "The decision is refused and the place has been given back" in page
    assert "None: the decision was refused" in page and "Placement plan agreed" not in page.split("Deadlines")[1]


def test_only_a_social_worker_records_a_decision(app: Flask, client: FlaskClient) -> None:
    """A placement officer sees the options but cannot record the decision (403)."""
    sign_in(client, "po@manchester.test")
    run_id = _run(client, "R-D4")
    path = f"/referrals/R-D4/rankings/{run_id}/decide?placement={_option(app, run_id, 1)}"
    assert client.get(path).status_code == 403


def test_other_authorities_and_commissioners_are_kept_out(app: Flask, client: FlaskClient) -> None:
    """Another authority's decision answers 404; a commissioner 403; signed out goes to sign in."""
    decision = _decide_top(app, "R-D9")
    path = f"/referrals/R-D9/decisions/{decision.id}"
    assert client.get(path).status_code == 302
    sign_in(client, "po@salford.test")
    for suffix in ("", "/history", "/versions/1", "/amend"):
        assert client.get(path + suffix).status_code == 404, suffix
    client = _as(app, "commissioner@manchester.test")
    assert client.get(path).status_code == 403


def test_posting_without_a_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D5")
    path = f"/referrals/R-D5/rankings/{run_id}/decide?placement={_option(app, run_id, 1)}"
    response = client.post(path, data=plan_form([]))
    assert response.status_code == 400
    assert _decision(app, "R-D5") is None


_POLICE = {"host_police_notified_on-month": "1", "host_police_notified_on-year": "2026"}
_LONG_AGO = {"start_date-day": "1", "start_date-month": "1", "start_date-year": "2001"}  # real on any test date


@pytest.mark.parametrize(
    ("boxes", "box", "message"),
    [
        ({f"start_date-{p}": "" for p in ("day", "month", "year")}, "start_date-day", "Enter the placement start date"),
        ({"start_date-month": ""}, "start_date-month", "Placement start date must include a month"),
        ({"start_date-year": "9" * 31}, "start_date-year", "The year of placement start date must include 4 numbers"),
        ({"start_date-day": "1.5"}, "start_date-day", "Placement start date must be a real date"),
        (_LONG_AGO, "start_date-day", "The start date must be within the last 14 days"),
        (_POLICE | {"host_police_notified_on-day": "40"}, "host_police_notified_on-day", "must be a real date"),
        ({"host_police_notified_on-year": "2026"}, "host_police_notified_on-day", "must include a day and month"),
    ],
)  # fmt: skip
def test_a_date_the_decision_form_cannot_read_names_its_box(
    app: Flask, client: FlaskClient, boxes: dict[str, str], box: str, message: str
) -> None:
    """Every bad date input is a 400 naming the field and linking to the box to fix; nothing is written."""
    sign_in(client, "sw@manchester.test")
    run_id = _run(client, "R-D5")
    path = f"/referrals/R-D5/rankings/{run_id}/decide?placement={_option(app, run_id, 1)}"
    _text, support = _decide_page(client, "R-D5", run_id, _option(app, run_id, 1))
    response = client.post(
        path, data={**plan_form(support, why_not_top=""), **boxes, "csrf_token": csrf_token(client, path)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'href="#{box}"' in page and message in page
    assert 'id="start_date-day"' in page and 'type="date"' not in page
    assert _decision(app, "R-D5") is None
