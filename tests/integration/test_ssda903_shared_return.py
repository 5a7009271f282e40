"""The public synthetic SSDA903 return loads whole, with DfE's rules' flags in a report.

The return is csc-validator-be-903's fake data (/work/shared/data/ssda903, MIT): 2,675
children, 5,050 episodes, 43 missing periods, postcodes made up at random. It used to be
refused whole for its postcodes; now only what cannot be read would refuse it.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.integration.builders import MANCHESTER
from web import db
from web.data_exchange.services.imports import run_import, ssda903
from web.models import CareEpisode

SHARED = Path("/work/shared/data/ssda903/csc-validator-be-903")
TODAY = date(2026, 11, 1)

pytestmark = pytest.mark.skipif(not SHARED.exists(), reason=f"{SHARED} is not on this machine")


def _files() -> dict[str, tuple[str, bytes]]:
    return {name: (f"{name}.csv", (SHARED / f"{name}.csv").read_bytes()) for name in ("header", "episodes", "missing")}


def test_the_shared_return_loads_and_its_flags_are_dfes(app: Flask) -> None:
    with app.app_context():
        outcome = run_import("ssda903", _files(), dry_run=False, authority_code=MANCHESTER, today=TODAY)
        assert outcome.ok, outcome.problems[:5]
        assert outcome.added == {"young people": 2_123, "care episodes": 5_050, "missing episodes": 36}
        unknown = db.session().scalar(
            select(func.count()).select_from(CareEpisode).where(CareEpisode.distance_miles.is_(None))
        )
        # Three episodes' postcodes are real; every other distance is not known, never guessed.
        assert unknown is not None and unknown >= 5_047

        year, found = ssda903.findings({n: d for n, (_f, d) in _files().items()}, TODAY)
    assert (year.label, year.ruleset.label) == ("2018/19", "2022/23")
    counts: dict[str, int] = {}
    for finding in found:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    # As DfE's validator counts them for 2022/23 (bench/dfe_validator_compare.py).
    assert counts == {
        "392c": 5_047,
        "148": 1_413,
        "178": 1_105,
        "365": 379,
        "366": 364,
        "367": 109,
        "501": 62,
        "571": 43,
        "426": 38,
        "142": 10,
        "581": 4,
        "577": 6,
        "578": 4,
        "392b": 1,
        "574": 1,
    }
    lines = ssda903.summary_lines(found)
    assert lines[0].startswith("5,047 episodes: Postcode(s) provided are invalid.")

    report = list(csv.reader(io.StringIO(ssda903.report_csv(ssda903.report_rows([], found)))))
    assert report[0] == list(ssda903.REPORT_COLUMNS)
    assert report[1][:6] == ["episodes", "2", "566910", "PLACE_PROVIDER", "178", "flag"]
    assert len(report) == 1 + len(found)
