"""Our SSDA903 rules flag the same rows as DfE's own validator, rule by rule and year by year.

DfE's validator (csc-validator-be-903) pins pandas < 2, so it runs in `.venv-dfe`, which
`make dfe-validator` builds; without it these tests skip and say so. They run both on the
shared public sample return and on a small synthetic return written to trip every rule.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from planner import ssda903_rules

REPO = Path(__file__).resolve().parents[2]
SHARED_SAMPLE = Path("/work/shared/data/ssda903/csc-validator-be-903")
RULE_CASES = REPO / "tests" / "data" / "ssda903_rule_cases"
YEARS = range(ssda903_rules.FIRST_YEAR, ssda903_rules.LAST_YEAR + 1)


def _compare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dfe_validator_compare", REPO / "bench" / "dfe_validator_compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


compare = _compare_module()

pytestmark = pytest.mark.skipif(
    not compare.DFE_PYTHON.exists(),
    reason="DfE's validator is not installed: run `make dfe-validator` to build .venv-dfe",
)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SHARED_SAMPLE, id="shared-sample"),
        pytest.param(RULE_CASES, id="rule-cases"),
    ],
)
def test_every_rule_we_cover_flags_the_rows_dfe_flags(data: Path, year: int) -> None:
    if not data.exists():
        pytest.skip(f"{data} is not on this machine")
    comparisons, dfe_rules = compare.compare(data, year)
    assert {c.code for c in comparisons} == set(ssda903_rules.RULE_CODES)
    assert dfe_rules > len(comparisons)
    different = {c.code: (c.ours, c.expected) for c in comparisons if not c.same}
    assert different == {}


def test_the_rule_cases_trip_every_rule_in_some_year() -> None:
    """The synthetic return is worth comparing on: each rule we cover flags something in it."""
    tripped: set[str] = set()
    for year in YEARS:
        comparisons, _total = compare.compare(RULE_CASES, year)
        tripped |= {c.code for c in comparisons if c.dfe}
    assert tripped == set(ssda903_rules.RULE_CODES)


@pytest.mark.parametrize("year", range(2025, ssda903_rules.LAST_YEAR + 1))
def test_our_messages_are_dfes(year: int) -> None:
    """Each finding says what DfE's validator says now (392b and 392c add what it means for PL_DISTANCE).

    Before 2024/25 DfE worded rule 101 "Gender code is not valid."; the rows it flags are compared for
    every year above, its words for the years since.
    """
    messages = compare.dfe_flagged(RULE_CASES, year)["messages"]
    for rule in ssda903_rules.RULES:
        assert rule.message.startswith(messages[rule.code].split(" [NOTE")[0].strip()), rule.code
