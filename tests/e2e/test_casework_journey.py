"""Missing and away episodes, and an areas import, in a real browser; axe on each page.

A return whose time is not known is shown as such (never 00:00) and its interview is due by the
end of the third day after; an away episode sits apart until a social worker marks it missing; an
areas file with an area past its review date is refused before anything is written, and an import
says what it re-checked.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.e2e.test_workflow_journey import _sign_in

pytestmark = pytest.mark.e2e

CHILD = "YP-T1"


def _clean(page: Any, axe_source: str) -> None:
    assert _axe_problems(page, axe_source) == [], page.url


def _date(page: Any, prefix: str, day: date) -> None:
    page.fill(f"#{prefix}-day", str(day.day))
    page.fill(f"#{prefix}-month", str(day.month))
    page.fill(f"#{prefix}-year", str(day.year))


def test_a_return_with_time_not_known_and_an_away_episode_marked_missing(
    browser: Any, live_server: str, axe_source: str
) -> None:
    """The social worker records both through the forms; the record lists them apart."""
    SHOTS.mkdir(exist_ok=True)
    context, page, errors = _sign_in(browser, live_server, "sw@manchester.test")
    start = date.today() - timedelta(days=2)

    # Missing, only the days known.
    page.goto(f"{live_server}/young-people/{CHILD}/missing/new")
    page.check("#kind")  # the first option: Missing
    _date(page, "start", start)
    page.check("#start-time-unknown")
    page.check("#reported_by")
    page.click("button:has-text('Save')")
    assert "time not known" in page.locator("h1").inner_text()
    page.click("a:has-text('Record the return')")
    _date(page, "end", start + timedelta(days=1))
    page.check("#end-time-unknown")
    page.fill("#where_found", "Bus station")
    _clean(page, axe_source)
    page.click("button:has-text('Save')")
    body = page.locator("main").inner_text()
    back = start + timedelta(days=1)
    due = back + timedelta(days=3)
    assert f"{back.day} {back:%B %Y}, time not known" in body
    assert f"the end of {due.day} {due:%B %Y}" in body
    assert "00:00" not in body
    _clean(page, axe_source)
    page.screenshot(path=str(SHOTS / "missing-episode-time-not-known.png"), full_page=True)

    # Away without authorisation: listed apart, no clock, until marked missing.
    page.goto(f"{live_server}/young-people/{CHILD}/missing/new")
    page.locator("input[name='kind'][value='A']").check()
    _date(page, "start", start)
    page.fill("#start-time", "21:15")
    page.check("#reported_by")
    page.click("button:has-text('Save')")
    assert page.locator("h1").inner_text().startswith("Away from placement from")
    _clean(page, axe_source)
    page.goto(f"{live_server}/young-people/{CHILD}#missing")
    assert page.locator("#away-episodes tbody tr").count() == 1
    _clean(page, axe_source)
    page.screenshot(path=str(SHOTS / "young-person-missing-and-away.png"), full_page=True)
    page.locator("#away-episodes a").first.click()
    page.click("button:has-text('Mark as missing')")
    assert page.locator(".govuk-error-summary").is_visible()  # not confirmed
    _clean(page, axe_source)
    page.check("#confirm_missing")
    page.click("button:has-text('Mark as missing')")
    assert "Marked as missing by" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "away-episode-marked-missing.png"), full_page=True)
    page.goto(f"{live_server}/young-people/{CHILD}")
    assert page.locator("#away-episodes").count() == 0
    assert "(marked missing)" in page.locator("#missing-episodes").inner_text()
    # The refused confirmation answers 400, which Chromium logs; anything else is a real error.
    assert [e for e in errors if "status of 400" not in e] == []
    context.close()


def test_an_areas_import_refuses_an_expired_area_then_says_what_it_re_checked(
    browser: Any, live_server: str, axe_source: str, tmp_path: Path
) -> None:
    """An area past its review date is named and nothing is written; a good file's result says what happened."""
    header = "code,label,kind,lat,lon,radius_km,severity,groups,source,confidence,review_by\n"
    past = (date.today() - timedelta(days=1)).isoformat()
    future = (date.today() + timedelta(days=90)).isoformat()
    expired = tmp_path / "areas-expired.csv"
    expired.write_text(header + f"E2E-A1,Area E,gang_territory,51.52,0.58,1.5,high,,Briefing,medium,{past}\n")
    good = tmp_path / "areas.csv"
    good.write_text(header + f"E2E-A1,Area E,gang_territory,51.52,0.58,1.5,high,,Briefing,medium,{future}\n")
    context, page, errors = _sign_in(browser, live_server, "po@manchester.test")
    page.goto(f"{live_server}/imports/areas")
    page.set_input_files("#file", str(expired))
    page.click("button:has-text('Upload and check')")
    assert "review_by is in the past" in page.locator("#problems + p + table").inner_text()
    _clean(page, axe_source)
    page.set_input_files("#file", str(good))
    page.click("button:has-text('Upload and check')")
    assert "File imported" in page.locator(".govuk-panel").inner_text()
    assert "none needed re-checking" in page.locator("#relocation-reviews + p").inner_text()
    _clean(page, axe_source)
    page.screenshot(path=str(SHOTS / "areas-import-result.png"), full_page=True)
    assert [e for e in errors if "status of 400" not in e] == []
    context.close()
