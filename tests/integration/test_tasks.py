"""The tasks page: what is waiting for whom, worked out from decisions and missing episodes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.decision_builders import build_decision_world, plan_form
from tests.integration.helpers import csrf_token, sign_in
from web import db
from web.models import MissingEpisode, YoungPerson


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_decision_world(app, ["R-K1"])
    with app.app_context():
        person = db.session().query(YoungPerson).filter_by(reference="YP-R-K1").one()
        now = datetime.now()
        db.session().add_all(
            [
                MissingEpisode(
                    young_person_id=person.id,
                    kind="M",
                    start=now - timedelta(days=5),
                    end=now - timedelta(days=4),
                    reported_by="carer",
                ),
                MissingEpisode(
                    young_person_id=person.id,
                    kind="A",
                    start=now - timedelta(hours=10),
                    end=now - timedelta(hours=2),
                    reported_by="police",
                ),
                MissingEpisode(
                    young_person_id=person.id,
                    kind="M",
                    start=now - timedelta(days=9),
                    end=now - timedelta(days=8),
                    reported_by="school",
                    rhi_offered=True,
                    rhi_offered_at=now - timedelta(days=8),
                ),
            ]
        )
        db.commit()


def _as(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def test_return_home_interviews_not_offered_show_due_and_overdue(app: Flask) -> None:
    """Missing episodes open interview tasks; an away one (A) only once a person marks it missing.

    A return whose time is not known shows "time not known" and is due by the end of the third day after.
    """
    sw = _as(app, "sw@manchester.test")
    page = sw.get("/tasks/").get_data(as_text=True)
    section = page.split('id="return-home-interviews"')[1]
    assert "Return home interviews not yet offered (1)" in page
    assert section.count(">YP-R-K1</a>") == 1
    assert "Overdue" in section and ">Due<" not in section

    with app.app_context():
        away = db.session().query(MissingEpisode).filter_by(kind="A").one()
        away_id = away.id
    path = f"/young-people/YP-R-K1/missing/{away_id}"
    assert "No return home interview is due" in sw.get(path).get_data(as_text=True)
    # The referral's page counts the away episode apart from the two missing ones.
    assert '>2 <span class="govuk-hint govuk-!-display-inline">(and 1 away)</span>' in sw.get(
        "/referrals/R-K1"
    ).get_data(as_text=True)
    marked = sw.post(f"{path}/mark-missing", data={"confirm_missing": "yes", "csrf_token": csrf_token(sw, path)})
    assert marked.status_code == 302
    page = sw.get("/tasks/").get_data(as_text=True)
    section = page.split('id="return-home-interviews"')[1]
    assert "Return home interviews not yet offered (2)" in page
    assert "Overdue" in section and "Due" in section
    with app.app_context():
        away = db.session().get(MissingEpisode, away_id)
        assert away is not None and away.kind == "A" and away.marked_missing_at is not None
        assert abs(away.marked_missing_at - datetime.now()) < timedelta(minutes=1)
        assert away.marked_missing_by is not None and away.marked_missing_by.email == "sw@manchester.test"

    # Only the day of the return is known (as from SSDA903): the clock runs from the end of that day.
    day = (datetime.now() - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    with app.app_context():
        person = db.session().query(YoungPerson).filter_by(reference="YP-R-K1").one()
        person.missing_episodes.append(
            MissingEpisode(
                kind="M",
                start=day - timedelta(days=1),
                start_time_known=False,
                end=day,
                end_time_known=False,
                reported_by="ssda903 import",
            )
        )
        db.commit()
    page = sw.get("/tasks/").get_data(as_text=True)
    section = page.split('id="return-home-interviews"')[1]
    assert "Return home interviews not yet offered (3)" in page
    last = day + timedelta(days=3)
    assert f"{day.day} {day:%B %Y}, time not known" in section
    assert f"the end of {last.day} {last:%B %Y}" in section
    assert f"{day.day} {day:%B %Y} at 00:00" not in section


def test_a_decision_far_away_shows_its_approval_and_notifications(app: Flask) -> None:
    sw = _as(app, "sw@manchester.test")
    token = csrf_token(sw, "/referrals/R-K1")
    run_path = sw.post("/referrals/R-K1/rankings", data={"csrf_token": token}).headers["Location"]
    run_id = int(run_path.rsplit("/", 1)[1])
    path = f"/referrals/R-K1/rankings/{run_id}/decide?placement=P-FAR"
    support = re.findall(r'name="contact-(S-\d+)-frequency"', sw.get(path).get_data(as_text=True))
    response = sw.post(path, data={**plan_form(support), "csrf_token": csrf_token(sw, path)})
    assert response.status_code == 302

    director = _as(app, "director@manchester.test").get("/tasks/").get_data(as_text=True)
    approvals = director.split('id="approvals"')[1].split('id="notifications"')[0]
    assert "R-K1" in approvals and "For you" in approvals
    officer = _as(app, "no@manchester.test").get("/tasks/").get_data(as_text=True)
    assert "For you" not in officer.split('id="approvals"')[1].split('id="notifications"')[0]

    notifications = director.split('id="notifications"')[1].split('id="placement-plans"')[0]
    # Planned placement starting today: the host must be told by today, so these are due, not overdue.
    for what in (
        "Host authority notified",
        "Host police notified",
        "Host authority consulted",
        "Care plan sent to the host",
    ):
        assert what in notifications
    plans = director.split('id="placement-plans"')[1].split('id="return-home-interviews"')[0]
    assert "R-K1" in plans


def test_tasks_are_for_casework_roles_of_the_authority_only(app: Flask, client: FlaskClient) -> None:
    assert client.get("/tasks/").status_code == 302
    assert _as(app, "commissioner@manchester.test").get("/tasks/").status_code == 403
    salford = _as(app, "po@salford.test").get("/tasks/").get_data(as_text=True)
    assert "R-K1" not in salford and "YP-R-K1" not in salford
