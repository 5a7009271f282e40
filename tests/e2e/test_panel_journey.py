"""The placement panel and relocation review in a real browser, with axe-core on each page.

A world of its own (a live server per module): the test world, three more Manchester
referrals competing for the same places, and a young person living at a placement
near the city area, so that a new group link makes it unsafe.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.e2e.test_workflow_journey import _sign_in
from tests.integration.builders import MANCHESTER, NOW, _person
from tests.integration.decision_builders import build_decision_world, hold_a_place
from tests.integration.helpers import sign_in
from web import db
from web.casework.repositories import young_people
from web.models import CurrentResident, Placement

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    """The live server's address, and its app (to record a decision the way the pages do)."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('e2e-panel') / 'planner.db'}")
    build_decision_world(app, ["R-P1", "R-P2", "R-P3"])
    with app.app_context():
        young_people.add_young_person(_person("YP-H1", MANCHESTER, 53.4794, -2.2453, 15))
        placement = db.session().query(Placement).filter_by(code="P-NEAR").one()
        placement.residents.append(CurrentResident(person_reference="YP-H1", since=NOW.date()))
        db.commit()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", app
    httpd.shutdown()


@pytest.fixture(scope="module")
def server(served: tuple[str, Flask]) -> str:
    return served[0]


def _clean(page: Any, axe_source: str) -> None:
    assert _axe_problems(page, axe_source) == [], page.url


def test_a_panel_allocates_and_a_social_worker_takes_a_match_forward(
    browser: Any, server: str, axe_source: str
) -> None:
    context, page, errors = _sign_in(browser, server, "po@manchester.test")
    page.click("a.govuk-service-navigation__link:has-text('Panel')")
    assert page.locator("#referral-R-T1").is_checked()
    _clean(page, axe_source)
    page.click("button:has-text('Allocate')")
    page.wait_for_url(re.compile(r".*/panel/\d+$"))
    assert page.locator("h2#matches").inner_text() == "Proposed matches (3)"
    assert page.locator("h2#unplaced").inner_text() == "Not placed (1)"
    _clean(page, axe_source)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "panel-run.png"), full_page=True)
    run_url = page.url
    assert errors == []
    context.close()

    context, page, errors = _sign_in(browser, server, "sw@manchester.test")
    page.goto(run_url)
    page.click("#match-R-T1 button:has-text('Take forward')")
    page.wait_for_url(re.compile(r".*/referrals/R-T1/rankings/\d+/decide\?placement=P-.*"))
    assert page.locator("h1").inner_text() == "Record the decision and care plan"
    # The cost of each top option to the other open referrals, from the options page.
    page.goto(re.sub(r"/decide.*$", "", page.url))
    page.click("#cost-to-others")
    page.wait_for_url(re.compile(r".*/cost-to-others$"))
    assert page.locator("h1").inner_text() == "What each top option would cost the other referrals"
    assert page.locator(".govuk-summary-card").count() >= 1
    _clean(page, axe_source)
    # The one deliberate empty submit answers 400, which Chromium logs.
    assert [e for e in errors if "status of 400" not in e] == []
    context.close()


def test_a_new_group_link_opens_a_relocation_review_the_social_worker_decides(
    browser: Any, server: str, axe_source: str
) -> None:
    context, page, errors = _sign_in(browser, server, "sw@manchester.test")
    page.goto(f"{server}/young-people/YP-H1/groups/new")
    page.select_option("#group", "G-RED")
    page.check("input[name='relationship_kind'][value='exploited_by']")
    page.fill("#source", "Strategy meeting")
    page.check("input[name='confidence'][value='high']")
    review_by = date.today() + timedelta(days=90)
    page.fill("#review_by-day", str(review_by.day))
    page.fill("#review_by-month", str(review_by.month))
    page.fill("#review_by-year", str(review_by.year))
    page.click("button:has-text('Save')")
    page.wait_for_url(re.compile(r".*/young-people/YP-H1([?#].*)?$"))

    page.click("a.govuk-service-navigation__link:has-text('Tasks')")
    assert page.locator("#relocation-reviews").inner_text() == "Relocation reviews open (1)"
    page.click("a:has-text('YP-H1')")
    page.wait_for_url(re.compile(r".*/relocation/\d+$"))
    assert "an area linked to the Redline group" in page.locator("#reasons").inner_text()
    _clean(page, axe_source)
    page.screenshot(path=str(SHOTS / "relocation-review.png"), full_page=True)
    page.click("button:has-text('Record the decision')")
    assert page.locator(".govuk-error-summary").is_visible()
    _clean(page, axe_source)
    page.check("#outcome-kept")
    page.fill("#note", "Safety plan changed: taxi to school, carers briefed, police told.")
    page.click("button:has-text('Record the decision')")
    assert page.locator("text=Your decision is recorded").count() == 1
    page.click("a.govuk-service-navigation__link:has-text('Relocation review')")
    assert page.locator("#open-reviews").inner_text() == "Open (0)"
    _clean(page, axe_source)
    # The one deliberate empty submit answers 400, which Chromium logs.
    assert [e for e in errors if "status of 400" not in e] == []
    context.close()


def test_a_decision_recorded_since_the_run_holds_its_place_and_is_left_out_of_the_next_panel(
    browser: Any, served: tuple[str, Flask], axe_source: str
) -> None:
    """The run marks the proposal overtaken (no Take forward); the panel page lists the
    referral as holding its place, and the next run leaves it out, saying so."""
    server, app = served
    context, page, errors = _sign_in(browser, server, "po@manchester.test")
    page.goto(f"{server}/panel/")
    page.click("button:has-text('Allocate')")
    page.wait_for_url(re.compile(r".*/panel/\d+$"))
    run_url = page.url
    matched = sorted(re.findall(r'id="match-(R-P\d)"', page.content()))
    reference = matched[0]

    worker = app.test_client()
    sign_in(worker, "sw@manchester.test")
    _, code = hold_a_place(app, worker, reference)

    page.goto(run_url)
    card = page.locator(f"#match-{reference}")
    assert f"{reference} holds {code}, awaiting" in card.inner_text()
    assert card.locator("button:has-text('Take forward')").count() == 0
    _clean(page, axe_source)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "panel-overtaken.png"), full_page=True)

    page.click("a.govuk-back-link")
    assert f"holds {code}, awaiting" in page.locator(f"#holding-{reference}").inner_text()
    assert page.locator(f"#referral-{reference}").count() == 0
    _clean(page, axe_source)
    page.screenshot(path=str(SHOTS / "panel-choose.png"), full_page=True)
    page.click("button:has-text('Allocate')")
    page.wait_for_url(re.compile(r".*/panel/\d+$"))
    assert f"holds {code}, awaiting" in page.locator(f"#held-{reference}").inner_text()
    assert page.locator(f"#match-{reference}").count() == 0
    _clean(page, axe_source)
    page.screenshot(path=str(SHOTS / "panel-held.png"), full_page=True)
    assert errors == []
    context.close()
