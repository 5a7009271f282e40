"""The main journey in a real browser, with accessibility checked by axe-core on every page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.integration.builders import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def _fill_date(page: Any, prefix: str, day: date) -> None:
    """The three boxes of a GOV.UK date input."""
    page.fill(f"#{prefix}-day", str(day.day))
    page.fill(f"#{prefix}-month", str(day.month))
    page.fill(f"#{prefix}-year", str(day.year))


def _axe_problems(page: Any, axe_source: str) -> list[str]:
    """Serious or critical axe-core violations on the current page."""
    page.evaluate(axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_placement_officer_finds_ranked_options(browser: Any, live_server: str, axe_source: str) -> None:
    """Sign in, open the referral, find options: ranked options, reasons and exclusions show, CSP holds."""
    context = browser.new_context()
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    SHOTS.mkdir(exist_ok=True)
    checked: dict[str, list[str]] = {}

    page.goto(f"{live_server}/sign-in")
    checked["sign in"] = _axe_problems(page, axe_source)
    page.fill("#email", "po@manchester.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")

    page.wait_for_url("**/referrals/")
    assert page.locator("h1").inner_text() == "Open referrals"
    assert page.locator("text=R-S1").count() == 0  # another authority's referral
    checked["referrals"] = _axe_problems(page, axe_source)

    page.click("text=R-T1")
    assert "Referral R-T1" in page.locator("h1").inner_text()
    checked["referral"] = _axe_problems(page, axe_source)

    page.click("button:has-text('Find placement options')")
    page.wait_for_url("**/rankings/*")
    assert page.locator("h1").inner_text() == "Placement options"
    first_row = page.locator("table.app-options-table tbody tr").first
    assert "Carers P-FAR" in first_row.inner_text()
    assert page.locator("text=Score breakdown").count() >= 1
    page.click("text=No vacancy: 1 placement")
    assert page.locator("text=0 places free; 1 young person to place.").is_visible()
    page.screenshot(path=str(SHOTS / "ranking.png"), full_page=True)
    checked["ranking"] = _axe_problems(page, axe_source)

    page.goto(f"{live_server}/supply")
    checked["supply"] = _axe_problems(page, axe_source)

    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/sign-in")
    assert page.locator("text=You have signed out.").is_visible()

    assert {name: problems for name, problems in checked.items() if problems} == {}
    # No CSP violation or script error on any page.
    assert console_errors == []
    context.close()


def test_another_authoritys_referral_is_not_found_in_the_browser(browser: Any, live_server: str) -> None:
    """A Manchester user typing Salford's referral address gets the not-found page."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", "sw@manchester.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/referrals/")
    response = page.goto(f"{live_server}/referrals/R-S1")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    context.close()
