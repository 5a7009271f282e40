"""DfE-comparable counts from SSDA903 episodes: the shared public sample against an independent count."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.dfe import placement_distance_miles
from planner.dfe_figures import (
    DISTANCE_BANDS,
    FAR,
    LOCATION_NOT_KNOWN,
    NEAR,
    OUTSIDE,
    episodes_frame,
    looked_after_on,
    placement_starts,
    year_ending,
    years_covered,
)
from planner.dfe_published import england_series, latest

SAMPLE = Path("/work/shared/data/ssda903/csc-validator-be-903/episodes.csv")
REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference" / "dfe"
RESPONSIBLE = "E08000003"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} is not here: the shared data is not mounted")


def _grid(postcodes: list[str]) -> dict[str, tuple[float, float, str]]:
    """Synthetic grid references and authorities for the sample's (random) postcodes; about 1 in 7 not found."""
    rng = np.random.default_rng(903)
    out = {}
    for code in sorted(set(postcodes)):
        if rng.random() < 0.15:
            continue
        easting, northing = rng.uniform(380_000, 430_000), rng.uniform(380_000, 430_000)
        out[code] = (easting, northing, RESPONSIBLE if rng.random() < 0.6 else "E08000006")
    return out


def _sample() -> tuple[pd.DataFrame, dict[str, tuple[float, float, str]]]:
    raw = pd.read_csv(SAMPLE, dtype=str)
    grid = _grid([p for p in pd.concat([raw["HOME_POST"], raw["PL_POST"]]).dropna()])
    return raw, grid


def _as_imported(raw: pd.DataFrame, grid: dict[str, tuple[float, float, str]]) -> pd.DataFrame:
    """The episodes with PL_DISTANCE and PL_LOCATION as the importer derives them (grid references)."""
    rows = []
    for r in raw.to_dict("records"):
        home, placed = grid.get(r["HOME_POST"]), grid.get(r["PL_POST"])
        miles = placement_distance_miles(home[0], home[1], placed[0], placed[1]) if home and placed else None
        location = None if placed is None else ("IN" if placed[2] == RESPONSIBLE else "OUT")
        rows.append(
            {
                "CHILD": r["CHILD"],
                "DECOM": pd.to_datetime(r["DECOM"], format="%d/%m/%Y"),
                "DEC": pd.to_datetime(r["DEC"], format="%d/%m/%Y") if isinstance(r["DEC"], str) else None,
                "RNE": r["RNE"],
                "LS": r["LS"],
                "PLACE": r["PLACE"],
                "PL_DISTANCE": miles,
                "PL_LOCATION": location,
            }
        )
    return episodes_frame(rows)


def _independent_at_31_march(raw: pd.DataFrame, grid: dict[str, tuple[float, float, str]], year: int) -> dict:
    """DfE's definition counted another way: a loop over children, raw metres, no shared helpers."""
    day = pd.Timestamp(year, 3, 31)
    start = pd.to_datetime(raw["DECOM"], format="%d/%m/%Y")
    end = pd.to_datetime(raw["DEC"], format="%d/%m/%Y")
    counts = {"children": 0, "far": 0, "near": 0, "distance_unknown": 0, "outside": 0, "location_unknown": 0}
    for _, rows in raw.assign(start=start, end=end).groupby("CHILD"):
        live = rows[(rows.start <= day) & ~(rows.end <= day)]
        if live.empty:
            continue
        episode = live.sort_values("start").iloc[-1]
        if episode["LS"] in ("V3", "V4"):
            continue
        counts["children"] += 1
        home, placed = grid.get(episode["HOME_POST"]), grid.get(episode["PL_POST"])
        if home and placed:
            miles = np.hypot(home[0] - placed[0], home[1] - placed[1]) / 1609.3
            # PL_DISTANCE over 20 once rounded half-up to a tenth: 20.05 miles or more.
            counts["far" if miles >= 20.05 else "near"] += 1
        else:
            counts["distance_unknown"] += 1
        if placed is None:
            counts["location_unknown"] += 1
        elif placed[2] != RESPONSIBLE:
            counts["outside"] += 1
    return counts


@needs_sample
def test_children_looked_after_at_31_march_match_an_independent_count_on_the_shared_sample() -> None:
    raw, grid = _sample()
    episodes = _as_imported(raw, grid)
    years = years_covered(episodes, date(2026, 12, 2))
    assert years == [2015, 2016, 2017, 2018]
    for year in years:
        found = looked_after_on(episodes, date(year, 3, 31))
        expected = _independent_at_31_march(raw, grid, year)
        assert len(found) == found["CHILD"].nunique() == expected["children"], year
        assert (found["distance"] == FAR).sum() == expected["far"], year
        assert (found["distance"] == NEAR).sum() == expected["near"], year
        assert (found["distance"] == 2).sum() == expected["distance_unknown"], year
        assert (found["location"] == OUTSIDE).sum() == expected["outside"], year
        assert (found["location"] == LOCATION_NOT_KNOWN).sum() == expected["location_unknown"], year
    # The sample is a 2017-18 return: hundreds of children at 31 March 2018, short breaks left out.
    at_2018 = looked_after_on(episodes, date(2018, 3, 31))
    assert len(at_2018) > 500
    assert not at_2018["LS"].isin(["V3", "V4"]).any()


def _independent_starts(raw: pd.DataFrame, year: int) -> tuple[int, int]:
    """Placement starts in a year counted another way: (all, started care), walking each child's episodes."""
    first, last = date(year - 1, 4, 1), date(year, 3, 31)
    temporary = {"T0", "T1", "T2", "T3", "T4"}
    everything = started = 0
    rows = raw.assign(start=pd.to_datetime(raw["DECOM"], format="%d/%m/%Y").dt.date)
    for _, child in rows.groupby("CHILD"):
        previous_place = None
        for _, e in child.sort_values("start", kind="stable").iterrows():
            counts = e["RNE"] == "S" or (
                e["RNE"] in ("P", "T", "B", "U") and e["PLACE"] not in temporary and previous_place not in temporary
            )
            if counts and first <= e["start"] <= last and e["LS"] not in ("V3", "V4"):
                everything += 1
                started += e["RNE"] == "S"
            previous_place = e["PLACE"]
    return everything, started


@needs_sample
def test_placement_starts_match_an_independent_count_on_the_shared_sample() -> None:
    raw, grid = _sample()
    episodes = _as_imported(raw, grid)
    for year in (2015, 2016, 2017, 2018):
        found = placement_starts(episodes, year)
        assert (len(found), int(found["started_care"].sum())) == _independent_starts(raw, year), year
    # A change of legal status only is never a placement start, nor a move into a temporary placement.
    starts = placement_starts(episodes, 2018)
    assert not starts["RNE"].eq("L").any()
    assert not (starts["PLACE"].isin(["T0", "T1", "T2", "T3", "T4"]) & ~starts["started_care"]).any()


def test_moves_into_and_back_from_a_temporary_placement_are_not_placement_starts() -> None:
    episodes = _frame(
        ("A", "2017-05-01", "2017-07-01", "S", "C2", None, None, "U1"),
        ("A", "2017-07-01", "2017-07-08", "P", "C2", None, None, "T2"),  # a holiday
        ("A", "2017-07-08", "2017-09-01", "P", "C2", None, None, "U1"),  # back from it
        ("A", "2017-09-01", "2017-10-01", "L", "C1", None, None, "U1"),  # legal status only
        ("A", "2017-10-01", None, "T", "C1", None, None, "R1"),  # a real move
        ("B", "2017-06-01", None, "S", "C2", None, None, "T4"),  # starting care is a start wherever
    )
    found = placement_starts(episodes, 2018)
    assert list(zip(found["CHILD"], found["RNE"], strict=True)) == [("A", "S"), ("A", "T"), ("B", "S")]
    assert list(found["started_care"]) == [True, False, True]


def _frame(*rows: tuple[object, ...]) -> pd.DataFrame:
    """Episodes from tuples: CHILD, DECOM, DEC, RNE, LS, PL_DISTANCE, PL_LOCATION and, optionally, PLACE."""
    keys = ("CHILD", "DECOM", "DEC", "RNE", "LS", "PL_DISTANCE", "PL_LOCATION", "PLACE")
    return episodes_frame(dict(zip(keys, r, strict=False)) for r in rows)


def test_the_31_march_count_follows_dfe_at_the_edges() -> None:
    episodes = _frame(
        # Ceased on 31 March (adopted that day): not looked after at 31 March.
        ("A", "2017-05-01", "2018-03-31", "S", "C2", 3.0, "IN"),
        # Moved on 31 March: the new episode covers the day.
        ("B", "2017-05-01", "2018-03-31", "S", "C2", 3.0, "IN"),
        ("B", "2018-03-31", None, "P", "C2", 25.0, "OUT"),
        # Looked after only under short breaks: left out.
        ("C", "2017-06-01", None, "S", "V3", 1.0, "IN"),
        # Postcodes not known (as for most unaccompanied children): counted, distance not known.
        ("D", "2016-01-01", None, "S", "V2", None, None),
        # Exactly 20.0 miles is "20 miles or less" in DfE's tables.
        ("E", "2016-01-01", None, "S", "C1", 20.0, "OUT"),
    )
    found = looked_after_on(episodes, date(2018, 3, 31)).set_index("CHILD")
    assert sorted(found.index) == ["B", "D", "E"]
    assert found.loc["B", "distance"] == FAR and found.loc["B", "location"] == OUTSIDE
    assert DISTANCE_BANDS[found.loc["D", "distance"]] == "Not known or not recorded"
    assert found.loc["D", "location"] == LOCATION_NOT_KNOWN
    assert found.loc["E", "distance"] == NEAR


def test_years_run_from_the_first_start_to_the_last_finished_year() -> None:
    episodes = _frame(
        ("A", "2019-04-01", None, "S", "C2", None, None), ("A", "2021-06-01", None, "P", "C2", None, None)
    )
    assert year_ending(date(2021, 3, 31)) == 2021 and year_ending(date(2021, 4, 1)) == 2022
    assert years_covered(episodes, date(2026, 12, 2)) == [2020, 2021, 2022]
    # 2022 is not over until its 31 March.
    assert years_covered(episodes, date(2022, 3, 30)) == [2020, 2021]
    assert years_covered(episodes, date(2022, 3, 31)) == [2020, 2021, 2022]
    assert years_covered(episodes, date(2026, 12, 2), most=2) == [2021, 2022]
    assert years_covered(episodes.iloc[0:0], date(2026, 12, 2)) == []


def test_the_shipped_england_series_is_what_dfe_published_and_nothing_more() -> None:
    series = england_series(
        *(
            (REFERENCE / name).read_text(encoding="utf-8")
            for name in (
                "cla_placement_distance.csv",
                "cla_placement_locality.csv",
                "national_cla_on_31_march_by_placement_distance_and_locality_of_placement.csv",
                "national_cla_on_31_march_by_placement_distance_and_placement_locality.csv",
            )
        )
    )
    assert sorted(series) == [2015, 2016, 2018, 2019, 2020, 2021, 2022, 2023, 2024]
    assert (series[2015].children, series[2015].over_20_miles, series[2015].over_20_miles_percent) == (69460, 12820, 18)
    assert "placement location" in series[2015].source
    # Over 20 miles: the CLA-in-England 2022 release for 2018-2019, its 2024 release (with DfE's
    # revisions) for 2020-2024: DfE's own rounded percentages, and its totals at 31 March.
    over = [series[y].over_20_miles_percent for y in (2018, 2019, 2020, 2021, 2022, 2023, 2024)]
    assert over == [19, 20, 20, 21, 21, 21, 22]
    assert [series[y].children for y in (2018, 2022, 2023, 2024)] == [75360, 82090, 83760, 83630]
    assert "reporting year 2022" in series[2019].source and "reporting year 2024" in series[2020].source
    assert (series[2024].over_20_miles, series[2023].over_20_miles) == (18040, 17650)
    # 2016's distance is not held (only its "20 miles or less" row is): not available, not filled in.
    assert series[2016].over_20_miles_percent is None and series[2016].children is None
    # Outside the boundary: DfE's own percentage from the placement-locality data set, 2015 and 2016 only.
    assert [(series[y].outside, series[y].outside_percent) for y in (2015, 2016)] == [(27830, 40), (28500, 40)]
    assert all(series[y].outside_percent is None for y in series if y > 2016)
    assert latest(series, "over_20_miles_percent") == series[2024]
    assert latest(series, "outside_percent") == series[2016]


def test_a_full_dfe_file_gives_every_year_and_symbols_read_as_missing() -> None:
    head = "time_period,time_identifier,geographic_level,country_name,country_code,distance,child_count,percent_count\n"
    distance = head + "".join(
        f"{y},Reporting year,National,England,E92000001,{name},{n},{p}\n"
        for y in (2023, 2024)
        for name, n, p in (("Over 20 miles", 100 * y, 21), ("Total", 500 * y, 100))
    )
    distance += "2024,Reporting year,Regional,England,E92000001,Over 20 miles,c,c\n"
    # DfE's download, byte-order mark and all; its filter column is "Location".
    locality = (
        "\ufeff"
        + head.replace(",distance,", ",Location,")
        + "".join(
            f"{y},Reporting year,National,England,E92000001,{name},{n},{p}\n"
            for y, name, n, p in (
                (2023, "Outside the LA boundary", 40000, 43),
                (2023, "Total", 90000, 100),
                (2024, "Outside the LA boundary", "c", "c"),
            )
        )
    )
    cla = (
        "time_period,time_identifier,geographic_level,country_code,country_name,cla_group,characteristic,number,"
        "percentage\n2024,Reporting year,National,E92000001,England,All new placements,2. over 20 miles,1,99\n"
        "2022,Reporting year,National,E92000001,England,All new placements,2. over 20 miles,900,17\n"
        "2022,Reporting year,National,E92000001,England,Foster placements,2. Over 20 miles,800,15\n"
        "2021,Reporting year,National,E92000001,England,All new placements,2. over 20 miles,700,16\n"
    )
    cla_2024 = (
        "\ufeff"
        + cla.splitlines()[0]
        + (
            "\n2022,Reporting year,National,E92000001,England,All children,2. Over 20 miles,910,18\n"
            "2022,Reporting year,National,E92000001,England,All children,Total,5000,100\n"
        )
    )
    series = england_series(distance, locality, cla, cla_2024)
    assert sorted(series) == [2021, 2022, 2023, 2024]
    assert series[2021].over_20_miles_percent == 16  # the CLA release's "all" group
    # The 2024 CLA release revises 2022 ("All children" is its label for everyone), not foster care's 15.
    assert (series[2022].over_20_miles_percent, series[2022].children) == (18, 5000)
    assert "reporting year 2024" in series[2022].source
    # The placement-location release is the later one: its figure for a year wins.
    assert series[2024].over_20_miles_percent == 21
    assert (series[2023].outside, series[2023].outside_percent) == (40000, 43)
    assert series[2024].outside is None and series[2024].outside_percent is None  # withheld ("c"): missing
