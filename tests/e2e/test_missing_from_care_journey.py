"""The missing-persons co-ordinator's map in a real browser: notice, map, list, suggestion; axe and CSP hold."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.integration.builders import PASSWORD
from tests.integration.decision_builders import build_decision_world, hold_a_place
from tests.integration.helpers import csrf_token, sign_in
from tests.integration.test_missing_from_care import COORDINATOR, _episode, add_missing_from_care_world
from web import db
from web.models import Decision

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mfc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Its own server: a Manchester child placed in Salford three weeks ago, the host and GMP told,
    and a return from a missing episode since, found in Salford."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('e2e-mfc') / 'planner.db'}")
    build_decision_world(app, ["R-MAP1"])
    add_missing_from_care_world(app)
    sw = app.test_client()
    sign_in(sw, "sw@manchester.test")
    decision_id, _ = hold_a_place(app, sw, "R-MAP1", "P-SALFORD-MFC")
    path = f"/referrals/R-MAP1/decisions/{decision_id}"
    assert sw.post(f"{path}/notify-host", data={"csrf_token": csrf_token(sw, path)}).status_code == 302
    with app.app_context():
        decision = db.session().get(Decision, decision_id)
        assert decision is not None
        decision.start_date = date.today() - timedelta(days=21)
        db.commit()
    _episode(app, "YP-R-MAP1", -4, (53.4900, -2.3000))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_coordinator_sees_the_map_and_list_and_suggests_a_found_location(
    browser: Any, mfc_server: str, axe_source: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    SHOTS.mkdir(exist_ok=True)

    page.goto(f"{mfc_server}/sign-in")
    page.fill("#email", COORDINATOR)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/missing-from-care/")
    # The map draws from its JSON block (no inline script): the placement (H) and where found (F).
    assert page.locator("#missing-map-section").is_visible()
    page.locator("#missing-map .app-map-glyph--homes").first.wait_for()
    assert page.locator("#missing-map .app-map-glyph--risk_locations").count() == 1
    assert page.locator("#missing-map .leaflet-marker-icon[tabindex]:not([tabindex='-1'])").count() == 0
    page.locator("#missing-map .leaflet-marker-icon[title^='YP-R-MAP1 found']").click()
    assert "Bus station, Salford" in page.locator(".leaflet-popup-content").inner_text()
    # Closed before axe looks: a popup still fading in (Leaflet's opacity transition) reads as
    # low-contrast text to axe, whose answer then depends on the machine's speed.
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-popup").wait_for(state="detached")
    # The list says the same in words, with the interview's status.
    row = page.locator("tr[id^='episode-']").first
    assert "Bus station, Salford" in row.inner_text() and "RHI" in row.inner_text()
    assert _axe_problems(page, axe_source) == []
    page.screenshot(path=str(SHOTS / "missing-from-care-map.png"), full_page=True)

    # The notice: read and acknowledged.
    page.click("a:has-text('Notification ')")
    page.click("button:has-text('Acknowledge for Greater Manchester Police')")
    assert "acknowledged" in page.locator(".govuk-notification-banner").inner_text()
    assert _axe_problems(page, axe_source) == []

    # A found location suggested to Manchester.
    page.goto(f"{mfc_server}/missing-from-care/")
    page.locator("button:has-text('Suggest as an area to Manchester')").first.click()
    assert "Suggested to the placing authority" in page.locator(".govuk-notification-banner").inner_text()
    assert console_errors == []
    context.close()


def test_the_host_authority_reads_and_acknowledges_the_reg_13_notice_in_its_tasks(
    browser: Any, mfc_server: str, axe_source: str
) -> None:
    """Salford's placement officer finds the Manchester child placed in Salford in Tasks, reads
    the notice (no name, no date of birth) and acknowledges it; Manchester sees when."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{mfc_server}/sign-in")
    page.fill("#email", "po@salford.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state()
    page.goto(f"{mfc_server}/tasks/")
    section = page.locator("#placed-here")
    assert "1 to acknowledge" in section.inner_text()
    assert _axe_problems(page, axe_source) == []
    page.locator("#placed-here ~ table a", has_text="Notification").first.click()
    page.wait_for_url("**/host-notifications/*")
    assert page.locator("h1").inner_text().startswith("Manchester is placing a child in Salford")
    assert _axe_problems(page, axe_source) == []
    page.click("button:has-text('Acknowledge for Salford')")
    page.wait_for_load_state()
    assert "acknowledged" in page.locator(".govuk-notification-banner").inner_text()
    notice_url = page.url
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{mfc_server}/sign-in")
    page.fill("#email", "sw@manchester.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state()
    page.goto(notice_url)
    page.locator("a.govuk-back-link").click()  # back to the decision
    page.wait_for_url("**/decisions/*")
    assert "Acknowledged" in page.locator("[id^='host-notification-']").first.inner_text()
    assert _axe_problems(page, axe_source) == []
    assert console_errors == []
    context.close()
