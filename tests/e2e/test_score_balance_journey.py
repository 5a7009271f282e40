"""The score in words, the essential-person warning, why one option is above another, and the
decision form's question, in a real browser (decision 0009); axe passes on each page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.e2e.test_journeys import SHOTS, _axe_problems, _fill_date
from tests.integration.balance_builders import build_balance_world
from tests.integration.builders import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def balance_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over its own database: the balance world adds a placement to the pool,
    which would change the rankings other browser tests rely on."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('e2e-balance') / 'planner.db'}")
    build_balance_world(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_warning_words_comparison_and_the_question_why(browser: Any, balance_server: str, axe_source: str) -> None:
    """R-W1: the page warns and links to the closer option; components are in words; the compare page
    explains the order; choosing the top option asks why not the closer one and will not save without it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    SHOTS.mkdir(exist_ok=True)
    checked: dict[str, list[str]] = {}

    page.goto(f"{balance_server}/sign-in")
    page.fill("#email", "sw@manchester.scoring")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/referrals/")
    page.goto(f"{balance_server}/referrals/R-W1")
    page.click("button:has-text('Find placement options')")
    page.wait_for_url("**/rankings/*")

    warning = page.locator("#essential-warning")
    assert warning.is_visible()
    assert "much further from an essential person" in warning.inner_text()
    page.click("a:has-text('See P-MUM')")
    assert page.url.endswith("#option-P-MUM")
    assert page.locator("#robustness").is_visible()
    page.click("#why-P-FAR summary")  # the breakdown is folded under each option
    words = page.locator("#option-P-FAR .app-score-words li")
    assert words.count() == 6
    assert words.nth(0).inner_text().startswith("Safety ")
    assert words.nth(2).inner_text().startswith("Journey 0.50: Mother is")
    page.locator("#essential-warning").screenshot(path=str(SHOTS / "essential-warning.png"))
    page.locator("#option-P-FAR").screenshot(path=str(SHOTS / "score-words.png"))
    checked["options"] = _axe_problems(page, axe_source)

    page.check("#compare-P-FAR")
    page.check("#compare-P-MUM")
    page.click("button:has-text('Compare selected options')")
    page.wait_for_selector("#why-above")
    why = page.locator("#why-P-FAR-P-MUM")
    assert "points above P-MUM" in why.locator("caption").inner_text()
    assert why.locator("tbody tr").count() == 7  # six components and the total
    why.screenshot(path=str(SHOTS / "why-above.png"))
    checked["compare"] = _axe_problems(page, axe_source)

    page.go_back()
    page.locator("#option-P-FAR a:has-text('Choose this option')").click()
    page.wait_for_selector("#why_not_closer")
    assert "The options page warned" in page.locator("#why_not_closer-hint").inner_text()
    _fill_date(page, "start_date", date.today())  # the server's (pinned) day, as the form checks it
    page.fill("#rationale", "Specialist carers near her sister.")
    page.fill("#wishes_and_feelings", "Wants to see her sister every week.")
    page.fill("#risks_and_safety_plan", "Missing protocol agreed with the host police.")
    page.fill("#rhi_provider", "Host area service")
    page.check("#education_school")
    for select in page.locator("select[id^='contact-'][id$='-frequency']").all():
        select.select_option("weekly")
    for select in page.locator("select[id^='contact-'][id$='-supervision']").all():
        select.select_option("unsupervised")
    page.click("button:has-text('Record the decision')")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "closer to the essential person" in summary.inner_text()
    checked["decision error"] = _axe_problems(page, axe_source)
    page.fill("#why_not_closer", "Her sister visits twice a week; the carers are trained for exploitation.")
    page.click("button:has-text('Record the decision')")
    page.wait_for_url("**/decisions/*")

    context.close()
    assert {k: v for k, v in checked.items() if v} == {}
    # The refused form answers 400, which the browser logs; nothing else may.
    assert [e for e in console_errors if "status of 400" not in e] == []
