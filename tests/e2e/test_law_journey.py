"""The law by placement type in a real browser: a referral records a secure accommodation order
and a fostering-limit exemption, and a decision with a connected person says reg 11(4) applied."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.e2e.test_journeys import _axe_problems, _fill_date
from tests.integration.builders import DERBYSHIRE, PASSWORD, _placement
from tests.integration.decision_builders import build_decision_world
from web import db
from web.matching.repositories import placements

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="module")
def law_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test world, one open referral (R-LAW) and a connected person's home in Derbyshire."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('e2e-law') / 'planner.db'}")
    build_decision_world(app, ["R-LAW"])
    with app.app_context():
        placements.add_placement(
            _placement("P-KIN", DERBYSHIRE, 53.25, -1.45, place_code="U1", connected_person=True, weekly_cost=300.0)
        )
        db.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _sign_in(browser: Any, server: str, email: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/referrals/")
    return context, page, errors


def test_secure_order_exemption_and_reg_11_4_in_the_browser(browser: Any, law_server: str, axe_source: str) -> None:
    """Record the order's dates (a bad date first), see them on the referral, then decide on a
    connected person out of area: the decision says reg 11(4) applied."""
    SHOTS.mkdir(exist_ok=True)
    checked: dict[str, list[str]] = {}
    today = date.today()
    context, page, errors = _sign_in(browser, law_server, "sw@manchester.test")

    page.goto(f"{law_server}/referrals/R-LAW/edit")
    page.check("input[name='secure_basis'][value='s25_order']")
    page.fill("#secure_start-day", str(today.day))
    page.fill("#secure_start-month", str(today.month))
    page.fill("#secure_start-year", str(today.year))
    page.click("button:has-text('Save changes')")
    assert page.locator(".govuk-error-summary a[href='#secure_end-day']").count() == 1
    page.locator("#the-law").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "referral-secure-order-error.png"), full_page=True)
    checked["referral form with an error"] = _axe_problems(page, axe_source)

    end = today + timedelta(days=60)
    page.fill("#secure_end-day", str(end.day))
    page.fill("#secure_end-month", str(end.month))
    page.fill("#secure_end-year", str(end.year))
    page.check("#fostering_exemption")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(re.compile(r".*/referrals/R-LAW$"))
    body = page.locator("main").inner_text()
    assert "A secure accommodation order (Children Act 1989 section 25)" in body
    assert "Exemption granted for this referral" in body
    page.screenshot(path=str(SHOTS / "referral-law.png"), full_page=True)
    checked["referral"] = _axe_problems(page, axe_source)

    page.click("button:has-text('Find placement options')")
    page.wait_for_url("**/rankings/*")
    option = page.locator(".app-option", has_text="P-KIN")
    option.locator("a:has-text('Choose this option')").click()
    page.wait_for_url("**/decide?placement=P-KIN")
    assert page.locator("text=exempt under reg 11(4), a connected person (reg 24)").count() == 1
    checked["decision form"] = _axe_problems(page, axe_source)

    _fill_date(page, "start_date", today)
    page.fill("#rationale", "With her aunt, far from the group's areas.")
    if page.locator("#why_not_top").count():
        page.fill("#why_not_top", "Family first (s22C): the aunt can care for her.")
    page.fill("#wishes_and_feelings", "Wants to live with her aunt.")
    page.fill("#risks_and_safety_plan", "Aunt briefed; missing protocol with the host police.")
    page.locator("select[id$='-frequency']").first.select_option("weekly")
    page.locator("select[id$='-supervision']").first.select_option("unsupervised")
    page.check("#education_school")
    page.fill("#rhi_provider", "Host area return home interview service")
    for field in ("host_consulted_on", "care_plan_sent_to_host_on", "host_authority_notified_on"):
        if page.locator(f"#{field}-day").count():
            _fill_date(page, field, today)
    page.click("button:has-text('Record the decision')")
    page.wait_for_url("**/decisions/*")
    body = page.locator("main").inner_text()
    assert "exempt under reg 11(4), the authority's own" not in body
    assert "None: exempt under reg 11(4), a connected person (reg 24)" in body
    assert "exempt from reg 11 under reg 11(4) (with a connected person)" in body
    page.screenshot(path=str(SHOTS / "decision-reg-11-4.png"), full_page=True)
    checked["decision"] = _axe_problems(page, axe_source)
    context.close()

    assert {name: problems for name, problems in checked.items() if problems} == {}
    # The form sent back with its problems answers 400, which the browser logs; nothing else may.
    assert [e for e in errors if "status of 400" not in e] == []
