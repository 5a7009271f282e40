"""The options page in a real browser: the map draws, its key switches layers, compare and exclude work; axe passes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.integration.builders import PASSWORD

pytestmark = pytest.mark.e2e


def test_options_map_compare_and_exclude(browser: Any, live_server: str, axe_source: str) -> None:
    """Map markers by rank and layers from the key; compare two; exclude one with a reason; no axe or CSP problems."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    SHOTS.mkdir(exist_ok=True)
    checked: dict[str, list[str]] = {}

    page.goto(f"{live_server}/sign-in")
    page.fill("#email", "sw@manchester.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/referrals/")
    page.goto(f"{live_server}/referrals/R-T1")
    page.click("button:has-text('Find placement options')")
    page.wait_for_url("**/rankings/*")

    # The map is shown and drawn: numbered option markers, home and support, outlines for context.
    assert page.locator("#options-map-section").is_visible()
    markers = page.locator("#options-map .app-map-glyph--options")
    markers.first.wait_for()
    assert sorted(markers.all_inner_texts(), key=int) == [str(n) for n in range(1, markers.count() + 1)]
    assert page.locator("#options-map .app-map-glyph--homes").count() == 1
    assert page.locator("#options-map .app-map-glyph--support").count() == 1
    page.wait_for_function("document.querySelectorAll('.leaflet-outlines-pane path').length > 0")
    # Excluded placements are off until asked for.
    assert page.locator("#options-map .app-map-glyph--excluded").count() == 0
    page.check("#map-layer-excluded")
    assert page.locator("#options-map .app-map-glyph--excluded").count() >= 1
    page.uncheck("#map-layer-options")
    assert markers.count() == 0
    page.check("#map-layer-options")
    # Excluded placements are drawn beneath the options (their own, lower pane).
    z_index = "el => Number(getComputedStyle(el.closest('.leaflet-pane')).zIndex)"
    excluded_z = page.locator("#options-map .app-map-glyph--excluded").first.evaluate(z_index)
    assert excluded_z < markers.first.evaluate(z_index)
    # Markers are out of the tab order (the tables are the keyboard's way to the same places)...
    tabbable = "#options-map .leaflet-marker-icon[tabindex]:not([tabindex='-1'])"
    assert page.locator(tabbable).count() == 0
    # ...and a marker still opens its popup with a click, linking to the option's unfolded reasons.
    page.locator("#options-map .leaflet-marker-icon[title^='Option 1:']").click()
    assert page.locator(".leaflet-popup-content").inner_text().startswith("Option 1:")
    page.locator(".leaflet-popup-content a:has-text('Why it ranks here')").click()
    assert page.locator("#why-P-FAR").evaluate("el => el.open")
    # Local authority names label the outlines when zoomed in; zoomed out, piled markers become one numbered pile.
    page.wait_for_function("document.querySelectorAll('#options-map .app-map-place').length > 0")
    assert "Manchester" in page.locator("#options-map .app-map-place").all_inner_texts()
    for _ in range(8):
        page.click("#options-map .leaflet-control-zoom-out")
        page.wait_for_timeout(300)
    assert page.locator("#options-map .app-map-place").count() == 0
    assert page.locator("#options-map .app-map-glyph--pile").count() >= 1
    assert page.locator(tabbable).count() == 0
    page.goto(page.url.split("#")[0])  # afresh: excluded off, every option folded
    page.locator("#options-map .app-map-glyph--options").first.wait_for()
    page.locator("#options-map-section").screenshot(path=str(SHOTS / "options-map.png"))
    checked["options"] = _axe_problems(page, axe_source)
    # The in-page contents include the map once it is drawn; every option's reasons start folded.
    assert page.locator("[data-map-contents]").is_visible()
    assert page.locator("details.app-option__why[open]").count() == 0
    page.click("table a[href='#option-P-RES']")
    assert page.locator("#why-P-RES").evaluate("el => el.open")
    page.click("table a[href='#excluded-no_vacancy']")  # a rule's placements unfold when linked to
    assert page.locator("details#excluded-no_vacancy").evaluate("el => el.open")

    # At a phone's width nothing runs off the side: the options table scrolls inside its own box.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#options-map").is_visible()
    page.screenshot(path=str(SHOTS / "options-375.png"), full_page=True)
    checked["options at 375 px"] = _axe_problems(page, axe_source)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Compare with one option chosen: the error; then with two.
    page.check("#compare-P-FAR")
    page.click("button:has-text('Compare selected options')")
    assert page.locator(".govuk-error-summary").is_visible()
    checked["compare error"] = _axe_problems(page, axe_source)
    page.check("#compare-P-RES")
    page.click("button:has-text('Compare selected options')")
    page.wait_for_url("**/compare?*")
    assert page.locator("h1").inner_text() == "Compare 2 options"
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
    checked["compare"] = _axe_problems(page, axe_source)

    # Exclude the second option with a reason: a new run lists it as excluded by a worker.
    page.go_back()
    page.go_back()
    page.click("#exclude-P-RES summary")
    page.fill("#reason-P-RES", "Carer on leave")
    page.click("#exclude-P-RES button:has-text('Exclude and rank again')")
    page.wait_for_url("**/rankings/*")
    assert page.locator("#worker-exclusions").is_visible()
    assert page.locator("text=Excluded by a worker: Carer on leave").count() >= 1
    checked["after exclusion"] = _axe_problems(page, axe_source)
    page.screenshot(path=str(SHOTS / "options-after-exclusion.png"), full_page=True)
    page.click("#worker-exclusions + p + table button:has-text('Lift')")
    page.wait_for_url("**/rankings/*")
    assert page.locator(".govuk-notification-banner").inner_text().count("The exclusion is lifted") == 1

    assert {name: problems for name, problems in checked.items() if problems} == {}
    # The compare error page answers 400 on purpose (once, and again on going back through it).
    assert [e for e in console_errors if "status of 400" not in e] == []
    context.close()


def test_large_layers_come_for_the_maps_view(
    browser: Any, live_server: str, axe_source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every layer too large for the page, the excluded placements come when switched on; axe passes."""
    from web.matching.services import options

    monkeypatch.setattr(options, "INLINE_MAP_ITEMS", 0)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/sign-in")
    page.fill("#email", "sw@manchester.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/referrals/")
    page.goto(f"{live_server}/referrals/R-T1")
    page.click("button:has-text('Find placement options')")
    page.wait_for_url("**/rankings/*")
    page.locator("#options-map .app-map-glyph--options").first.wait_for()
    assert page.locator("#options-map .app-map-glyph--excluded").count() == 0
    with page.expect_response(lambda r: "/map-layer?layer=excluded" in r.url):
        page.check("#map-layer-excluded")
    page.locator("#options-map .app-map-glyph--excluded").first.wait_for()
    # Zoomed out over England, the view asks again and still draws them.
    with page.expect_response(lambda r: "/map-layer?layer=excluded" in r.url):
        page.click("#options-map .leaflet-control-zoom-out")
    page.locator("#options-map .app-map-glyph--excluded").first.wait_for()
    assert _axe_problems(page, axe_source) == []
    assert console_errors == []
    context.close()
