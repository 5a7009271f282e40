"""Importing a provider list in a real browser: a bad file's problems, a check, the import; axe on each page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_journeys import SHOTS, _axe_problems
from tests.e2e.test_workflow_journey import _sign_in

pytestmark = pytest.mark.e2e

HEADER = "code,label,provider_name,setting,lat,lon,capacity,vacancies,age_min,age_max\n"


def _clean(page: Any, axe_source: str) -> None:
    assert _axe_problems(page, axe_source) == [], page.url


def test_a_placement_officer_fixes_a_file_checks_it_then_imports_it(
    browser: Any, live_server: str, axe_source: str, tmp_path: Path
) -> None:
    """Problems listed by row, a dry run that writes nothing, then the import, listed on the index."""
    bad = tmp_path / "providers-bad.csv"
    rows = "E2E-1,Carers E1,Agency,foster,53.4,-2.2,2,1,8,17\nE2E-2,Home,Agency,castle,53.4,,2,3,8,17\n"
    bad.write_text(HEADER + rows)
    good = tmp_path / "providers.csv"
    good.write_text(HEADER + "E2E-1,Carers E1,Agency,foster,53.4,-2.2,2,1,8,17\n")
    context, page, errors = _sign_in(browser, live_server, "po@manchester.test")
    page.click("a.govuk-service-navigation__link:has-text('Imports')")
    assert page.locator("h1").inner_text() == "Imports"
    _clean(page, axe_source)

    page.click("a:has-text('Import'):has(span:has-text('Placements (provider list CSV)'))")
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('Upload and check')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.locator("#problems + p + table tbody tr").count() == 3
    _clean(page, axe_source)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "imports-problems.png"), full_page=True)

    page.set_input_files("#file", str(good))
    page.check("#dry_run")
    page.click("button:has-text('Upload and check')")
    assert page.locator("h1").inner_text() == "The file is ready to import"
    _clean(page, axe_source)

    page.click("a:has-text('Import the file')")
    page.set_input_files("#file", str(good))
    page.click("button:has-text('Upload and check')")
    assert "File imported" in page.locator(".govuk-panel").inner_text()
    _clean(page, axe_source)
    page.click("a:has-text('Back to imports')")
    assert page.locator("table tbody tr").first.inner_text().count("Placements (provider list CSV)") == 1
    # The refused file's page answers 400, which Chromium logs; anything else is a real error.
    assert [e for e in errors if "status of 400" not in e] == []
    context.close()
