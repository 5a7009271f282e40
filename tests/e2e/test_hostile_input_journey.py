"""Hostile input in a real browser: a NUL character in a search, a polygon that crosses itself
in an areas import. Each page says what is wrong, in words; axe on each."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.e2e.test_workflow_journey import _sign_in
from tests.integration.builders import MANCHESTER, PASSWORD
from tests.integration.decision_builders import build_decision_world
from web import db
from web.accounts.services import accounts

pytestmark = pytest.mark.e2e


def test_a_nul_character_in_a_search_gets_a_page_naming_the_field(
    browser: Any, live_server: str, axe_source: str
) -> None:
    """`?q=a%00b` (pasted from a program that leaves NUL characters): 400, the field listed."""
    context, page, _errors = _sign_in(browser, live_server, "sw@manchester.test")
    response = page.goto(f"{live_server}/young-people/?q=a%00b")
    assert response is not None and response.status == 400
    assert page.locator("h1").inner_text() == "There is a problem with what was sent"
    assert page.locator("main li").all_inner_texts() == ["q (in the page's address)"]
    assert _axe_problems(page, axe_source) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "bad-request-nul.png"), full_page=True)
    context.close()


def test_an_areas_file_with_a_crossing_polygon_is_refused_in_words(
    browser: Any, live_server: str, axe_source: str, tmp_path: Path
) -> None:
    """The bow tie's ring is named, and nothing is imported."""
    bow_tie = [[-2.30, 53.40], [-2.20, 53.50], [-2.20, 53.40], [-2.30, 53.50], [-2.30, 53.40]]
    feature = {
        "type": "Feature",
        "properties": {
            "code": "E2E-AREA",
            "label": "Area",
            "kind": "gang_territory",
            "severity": "high",
            "groups": ["G-RED"],
            "source": "Briefing",
            "confidence": "high",
            "review_by": "2099-01-01",
        },
        "geometry": {"type": "Polygon", "coordinates": [bow_tie]},
    }
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    context, page, _errors = _sign_in(browser, live_server, "po@manchester.test")
    page.goto(f"{live_server}/imports/areas")
    page.set_input_files("#file", str(path))
    page.click("button:has-text('Upload and check')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert "crosses or touches itself" in page.locator("main").inner_text()
    assert _axe_problems(page, axe_source) == []
    page.screenshot(path=str(SHOTS / "imports-crossing-polygon.png"), full_page=True)
    context.close()


@pytest.fixture(scope="module")
def server_with_admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server whose world has a Manchester administrator (the shared one has none)."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('e2e-admin') / 'planner.db'}")
    build_decision_world(app, [])
    with app.app_context():
        accounts.create_user("admin@manchester.test", "Ada Admin", "admin", MANCHESTER, PASSWORD)
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_an_administrator_sees_a_failed_sign_in_with_no_user(
    browser: Any, server_with_admin: str, axe_source: str
) -> None:
    """A sign-in with an email that matches no account is listed, as No user, never the email."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server_with_admin}/sign-in")
    page.fill("#email", "nobody-at-all@example.org")
    page.fill("#password", "wrong")
    page.click("button:has-text('Sign in')")
    context.close()
    context, page, _errors = _sign_in(browser, server_with_admin, "admin@manchester.test")
    page.goto(f"{server_with_admin}/admin/audit?action=sign_in_failed")
    text = page.locator("main").inner_text()
    assert "No user" in text and "no such account" in text and "nobody-at-all" not in text
    assert _axe_problems(page, axe_source) == []
    page.screenshot(path=str(SHOTS / "audit-no-user.png"), full_page=True)
    context.close()
