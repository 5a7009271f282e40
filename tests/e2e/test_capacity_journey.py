"""A commissioner answers the capacity question in a real browser: filter, then a scenario, before and after.

"Where are we short of specialist foster places for 14-17-year-olds at risk of criminal
exploitation, and what would 5 more places in each of two authorities change?" Every
page on the way passes axe-core (no serious or critical violations) with no console errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.e2e.test_workflow_journey import _sign_in

pytestmark = pytest.mark.e2e


def test_commissioner_filters_then_runs_a_scenario(browser: Any, live_server: str, axe_source: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    checked: dict[str, list[str]] = {}
    context, page, errors = _sign_in(browser, live_server, "commissioner@manchester.test")
    page.click("a.govuk-service-navigation__link:has-text('Capacity')")
    page.wait_for_url("**/capacity/")
    checked["overview"] = _axe_problems(page, axe_source)

    # The question as one filtered view.
    page.select_option("#setting", "foster")
    page.select_option("#specialism", "criminal_exploitation")
    page.check("input[name='band'][value='14_15']")
    page.check("input[name='band'][value='16_17']")
    page.click("button:has-text('Apply filters')")
    page.wait_for_url("**/capacity/?*")
    assert page.locator("h2", has_text="Showing: foster care; specialism or risk: criminal exploitation").is_visible()
    assert page.locator("#table-gap").is_visible()
    assert page.locator("#table-specialist_foster").is_visible()
    assert page.locator("svg#gap-chart title").count() == 1
    checked["overview filtered"] = _axe_problems(page, axe_source)
    page.screenshot(path=str(SHOTS / "capacity-overview.png"), full_page=True)

    # Five more specialist foster places in each of two authorities.
    page.click("nav[aria-label='Capacity review'] a:has-text('Scenarios')")
    page.wait_for_url("**/capacity/scenario")
    checked["scenario form"] = _axe_problems(page, axe_source)
    for line, authority in ((1, "E08000003"), (2, "E10000007")):
        page.fill(f"#line-{line}-places", "5")
        page.select_option(f"#line-{line}-setting", "foster")
        page.check(f"input[name='line-{line}-specialisms'][value='criminal_exploitation']")
        page.fill(f"#line-{line}-age_min", "14")
        page.select_option(f"#line-{line}-authority", authority)
    page.click("button:has-text('Run the scenario')")
    page.wait_for_selector("#table-scenario")
    table = page.locator("#table-scenario")
    assert table.locator("th", has_text="Before").count() == 1
    assert table.locator("th", has_text="After").count() == 1
    assert table.locator("th", has_text="Young people placed in the added places").count() == 1
    assert page.locator("dt", has_text="Solver, after").is_visible()
    checked["scenario result"] = _axe_problems(page, axe_source)
    page.screenshot(path=str(SHOTS / "capacity-scenario.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a:has-text('Before and after (CSV)')")
    assert download.value.suggested_filename == "capacity-scenario-summary.csv"

    for name in ("Placement location", "DfE-comparable figures", "Trends", "Equality monitoring"):
        page.click(f"nav[aria-label='Capacity review'] a:has-text('{name}')")
        page.wait_for_load_state()
        checked[name] = _axe_problems(page, axe_source)
    context.close()
    assert {name: problems for name, problems in checked.items() if problems} == {}
    assert errors == []
