"""Real reference data in a real browser: a home by a real postcode with nothing imported, and a
police.uk file whose LSOAs are in two authorities, imported twice; axe on each page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.e2e.test_workflow_journey import _sign_in

pytestmark = pytest.mark.e2e

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
# Real LSOA codes (data/reference/lsoa_authorities.csv) with synthetic counts and names.
IN_MANCHESTER = ("E01005061", "Testtown 001A", 53.47058, -2.20850)
IN_SALFORD = ("E01005599", "Testtown 002A", 53.48146, -2.33901)


def _rows(lsoa: tuple[str, str, float, float], crime: str, n: int) -> list[str]:
    code, name, lat, lon = lsoa
    return [f"id,2019-05,Test Police,Test Police,{lon},{lat},On or near Test Street,{code},{name},{crime},,"] * n


def _clean(page: Any, axe_source: str) -> None:
    assert _axe_problems(page, axe_source) == [], page.url


def test_a_home_is_placed_by_a_real_postcode_with_no_postcodes_imported(
    browser: Any, live_server: str, axe_source: str
) -> None:
    """The live server's postcodes table is empty: M1 1AE still resolves from the packaged directory."""
    SHOTS.mkdir(exist_ok=True)
    context, page, errors = _sign_in(browser, live_server, "sw@manchester.test")
    page.goto(f"{live_server}/young-people/new")
    page.fill("#reference", "YP-POSTCODE1")
    page.fill("#dob-day", "1")
    page.fill("#dob-month", "3")
    page.fill("#dob-year", str(date.today().year - 15))
    page.check("#sex")
    page.select_option("#ethnicity", "WBRI")
    page.fill("#home-postcode", "m1 1ae")
    page.screenshot(path=str(SHOTS / "young-person-postcode.png"), full_page=True)
    page.click("button:has-text('Add the young person')")
    page.wait_for_url("**/young-people/YP-POSTCODE1")
    assert "M1 1AE" in page.locator("main").inner_text()
    _clean(page, axe_source)
    assert errors == []
    context.close()


def test_a_police_uk_file_suggests_only_the_authoritys_own_lsoas_and_only_once(
    browser: Any, live_server: str, axe_source: str, tmp_path: Path
) -> None:
    """Manchester's LSOA is suggested, Salford's rows are counted as Salford's; the same file
    again adds nothing."""
    SHOTS.mkdir(exist_ok=True)
    street = tmp_path / "street.csv"
    lines = [
        HEADER,
        *_rows(IN_MANCHESTER, "Drugs", 12),
        *_rows(IN_SALFORD, "Robbery", 15),
        *_rows(IN_MANCHESTER, "Burglary", 4),
    ]
    street.write_text("\n".join(lines) + "\n")
    context, page, errors = _sign_in(browser, live_server, "po@manchester.test")

    page.goto(f"{live_server}/imports/police_uk")
    page.set_input_files("#file", str(street))
    page.click("button:has-text('Upload and check')")
    assert "File imported" in page.locator(".govuk-panel").inner_text()
    summary = page.locator(".govuk-summary-list").inner_text()
    assert "Suggested areas\t1" in summary or "Suggested areas\n1" in summary
    assert "rows in Salford’s LSOAs" in summary
    _clean(page, axe_source)

    page.goto(f"{live_server}/suggested-areas/")
    text = page.locator("main").inner_text()
    assert "E01005061" in text and "E01005599" not in text
    assert "15 rows in Salford’s LSOAs" in text and "4 rows of other crime types" in text
    _clean(page, axe_source)
    page.screenshot(path=str(SHOTS / "suggested-areas.png"), full_page=True)

    page.goto(f"{live_server}/imports/police_uk")
    page.set_input_files("#file", str(street))
    page.click("button:has-text('Upload and check')")
    again = page.locator(".govuk-summary-list").inner_text()
    assert "areas already suggested for the same months" in again
    page.screenshot(path=str(SHOTS / "police-uk-imported-again.png"), full_page=True)
    _clean(page, axe_source)
    page.goto(f"{live_server}/suggested-areas/")
    assert page.locator("tr[id^='suggestion-']").count() == 1  # one suggestion, not two
    assert errors == []
    context.close()
