"""DfE's SSDA903 rules by collection year, on small synthetic tables (no DfE validator needed)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from planner import ssda903_rules as rules
from planner.ssda903_rules import CollectionYear

HEADER = b"CHILD,SEX,DOB,ETHNIC\nA1,1,01/01/2010,WBRI\nA2,M,01/01/2011,WBRI\n"
EPISODES = (
    b"CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    b"A1,01/04/2025,S,C2,N1,Z1,,01/06/2025,E11,,,,\n"
    b"A2,01/05/2025,S,C2,N9,Z11,,,,,,,\n"
    b"A2,01/06/2025,P,C2,N1,K3,PR1,,,,,,\n"
)


def _tables() -> dict[str, pd.DataFrame]:
    return {"header": rules.read_table(HEADER), "episodes": rules.read_table(EPISODES)}


def _codes(year: int) -> set[tuple[str, int, str]]:
    return {(f.table, f.row, f.code) for f in rules.check(_tables(), CollectionYear(year))}


@pytest.mark.parametrize(("text", "ends"), [("2025/26", 2026), ("2025-26", 2026), ("2026", 2026), (" 2022/23 ", 2023)])
def test_collection_years_parse(text: str, ends: int) -> None:
    assert CollectionYear.parse(text) == CollectionYear(ends)


@pytest.mark.parametrize("text", ["2025/27", "25/26", "next year", ""])
def test_other_text_is_not_a_collection_year(text: str) -> None:
    with pytest.raises(ValueError):
        CollectionYear.parse(text)


def test_a_year_runs_1_april_to_31_march_and_outside_years_use_the_nearest_rules() -> None:
    year = CollectionYear(2026)
    assert (year.start, year.end, year.label) == (date(2025, 4, 1), date(2026, 3, 31), "2025/26")
    assert CollectionYear.containing(date(2026, 3, 31)) == year
    assert CollectionYear.containing(date(2026, 4, 1)) == CollectionYear(2027)
    assert CollectionYear(2019).ruleset == CollectionYear(rules.FIRST_YEAR)
    assert CollectionYear(2031).ruleset == CollectionYear(rules.LAST_YEAR)


def test_the_return_belongs_to_the_year_of_its_latest_date_not_a_future_one() -> None:
    assert rules.year_of_return(_tables(), date(2026, 11, 1)) == CollectionYear(2026)
    assert rules.year_of_return(_tables(), date(2025, 5, 15)) == CollectionYear(2026)
    assert rules.year_of_return({}, date(2026, 11, 1)) == CollectionYear(2027)
    iso = {"episodes": rules.read_table(b"CHILD,DECOM,DEC\nA1,2021-12-12,\nA1,01/01/2021,2022-02-01\n")}
    assert rules.year_of_return(iso, date(2026, 11, 1)) == CollectionYear(2022)


def test_codes_that_change_by_year() -> None:
    """SEX 1/2 until 2023/24, M/F/U after; Z1 invalid and Z11 valid from 2025/26; K3 from 2024/25; N9 never."""
    for year in (2023, 2024):
        found = _codes(year)
        assert ("header", 3, "101") in found and ("header", 2, "101") not in found
        assert ("episodes", 3, "146") in found and ("episodes", 4, "146") in found  # Z11, K3
        assert ("episodes", 2, "146") not in found  # Z1
    found = _codes(2025)
    assert ("header", 2, "101") in found and ("header", 3, "101") not in found
    assert ("episodes", 4, "146") not in found
    for year in (2026, 2027):
        found = _codes(year)
        assert ("episodes", 2, "146") in found and ("episodes", 3, "146") not in found
    assert all(("episodes", 3, "145") in _codes(year) for year in range(2023, 2028))


def test_an_unended_episode_before_the_latest_is_flagged() -> None:
    found = _codes(2026)
    assert ("episodes", 3, "142") in found  # A2's first episode has no DEC, and another follows
    assert ("episodes", 4, "142") not in found  # the latest may be open


def test_findings_name_table_row_child_field_and_severity() -> None:
    [finding] = [f for f in rules.check(_tables(), CollectionYear(2026)) if f.code == "145"]
    assert (finding.table, finding.row, finding.child, finding.field, finding.severity) == (
        "episodes",
        3,
        "A2",
        "CIN",
        rules.FLAG,
    )
