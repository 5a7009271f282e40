"""Choosing young people for a referral in a real browser: a search, and a sibling group added one by one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.integration.builders import MANCHESTER, PASSWORD, _person, build_world
from web import db
from web.casework.repositories import young_people

pytestmark = pytest.mark.e2e
PEOPLE = 40  # past "a few dozen": a list of checkboxes this long is what the search replaces


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('e2e-search') / 'planner.db'}")
    build_world(app)
    with app.app_context():
        for n in range(1, PEOPLE + 1):
            young_people.add_young_person(_person(f"YP-Q{n:02d}", MANCHESTER, 53.47, -2.24, 10 + n % 7))
        db.commit()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_search_for_young_people_and_add_a_second(browser: Any, server: str, axe_source: str) -> None:
    """Typing filters the list (accessible-autocomplete); 'Add this young person' keeps each choice; axe passes."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    SHOTS.mkdir(exist_ok=True)
    page.goto(f"{server}/sign-in")
    page.fill("#email", "po@manchester.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/referrals/")
    page.goto(f"{server}/referrals/new")

    # The <select> became a search box with the same id, so the error summary still links to it.
    search = page.locator("input#young_people")
    assert search.get_attribute("role") == "combobox"
    assert not page.locator("select[name='young_people']").is_visible()
    search.fill("zz-no-one")
    assert page.locator("#young_people__listbox").inner_text().startswith("No young person matches")
    search.fill("YP-Q1")  # YP-Q10 to YP-Q19
    options = page.locator("#young_people__listbox li")
    assert options.count() == 10
    search.fill("aged 13")
    assert options.count() >= len([n for n in range(1, PEOPLE + 1) if 10 + n % 7 == 13])
    assert all("aged 13" in text for text in options.all_inner_texts())
    first = options.first.inner_text().split(",")[0]
    options.first.click()
    page.screenshot(path=str(SHOTS / "referral-search.png"))
    with page.expect_navigation():
        page.click("button:has-text('Add this young person')")
    assert page.locator(f"input[name='young_people'][type='checkbox'][value='{first}']").is_checked()
    assert page.locator("label[for='young_people']").inner_text() == "Add another young person (optional)"

    # A second, chosen with the keyboard alone.
    search = page.locator("input#young_people")
    search.fill("aged 14")
    page.locator("#young_people__listbox li").first.wait_for()
    # page.keyboard, not search.press: a locator's press first puts the focus back in the box.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    second = search.input_value().split(",")[0]
    assert second and second != first
    page.keyboard.press("Tab")  # on to "Add this young person"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#young_people-chosen input:checked").count() == 2
    problems = _axe_problems(page, axe_source)
    assert problems == []
    assert errors == []
    context.close()
