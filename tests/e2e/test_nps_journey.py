"""Importing National Placement Standard v01 records in a real browser: a refused example, then a clean check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_imports_journey import _clean
from tests.e2e.test_journeys import SHOTS
from tests.e2e.test_workflow_journey import _sign_in

pytestmark = pytest.mark.e2e

EXAMPLES = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "national-placement-standard" / "shacl" / "examples"
)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the standard's public examples (../shared/data) are not here")
def test_a_placement_officer_sees_the_field_an_nps_record_breaks_then_checks_a_good_one(
    browser: Any, live_server: str, axe_source: str, tmp_path: Path
) -> None:
    """The standard's invalid postcode example is refused naming placementLocation; a sound record checks clean."""
    bad = tmp_path / "invalid-postcode.jsonld"
    bad.write_bytes((EXAMPLES / "invalid-postcode.jsonld").read_bytes())
    record = json.loads((EXAMPLES / "valid-neededby-symbolic.jsonld").read_text())
    record.update(childId="YP-T1", placementId="R-T1")
    good = tmp_path / "r-t1.jsonld"
    good.write_text(json.dumps(record))

    context, page, errors = _sign_in(browser, live_server, "po@manchester.test")
    page.goto(f"{live_server}/imports/nps")
    assert "National Placement Standard v01 records" in page.locator("h1").inner_text()
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('Upload and check')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert "placementLocation" in page.locator("#problems + p + table").inner_text()
    _clean(page, axe_source)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "imports-nps-problems.png"), full_page=True)

    page.set_input_files("#file", str(good))
    page.check("#dry_run")
    page.click("button:has-text('Upload and check')")
    assert page.locator("h1").inner_text() == "The file is ready to import"
    _clean(page, axe_source)
    assert [e for e in errors if "status of 400" not in e] == []
    context.close()
