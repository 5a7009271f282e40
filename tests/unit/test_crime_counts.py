"""Counting police.uk street-level offences by LSOA: families, skipped rows, ranking, problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.authorities import lsoa_authorities
from planner.crime_counts import FAMILIES, count_offences

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)


def row(
    lsoa: str = "E01000001",
    crime: str = "Drugs",
    month: str = "2024-03",
    lon: str = "0.100000",
    lat: str = "51.500000",
    name: str | None = None,
) -> str:
    """One synthetic street-level row; the LSOA name defaults to 'Testshire <code>'."""
    label = f"Testshire {lsoa[-3:]}" if name is None and lsoa else (name or "")
    return f"abc,{month},Test Police,Test Police,{lon},{lat},On or near Test Street,{lsoa},{label},{crime},,"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def many(n: int, **kw: str) -> list[str]:
    return [row(**kw) for _ in range(n)]


def test_offences_are_counted_by_family_and_other_crime_types_are_not() -> None:
    """Each of the four families counts under its own code; burglary and ASB do not count."""
    data = csv(
        row(crime="Drugs"),
        row(crime="Possession of weapons"),
        row(crime="Possession of weapons"),
        row(crime="Violence and sexual offences"),
        row(crime="Robbery"),
        row(crime="Burglary"),
        row(crime="Anti-social behaviour"),
    )
    result = count_offences(data, min_offences=1)
    assert result.ok
    (only,) = result.suggestions
    assert only.counts == {"drugs": 1, "weapons": 2, "violence": 1, "robbery": 1}
    assert only.total == 5
    assert result.offences == {"drugs": 1, "weapons": 2, "violence": 1, "robbery": 1}
    assert result.other_crime_types == 2
    assert result.rows == 7


def test_rows_without_coordinates_or_lsoa_are_skipped_not_problems() -> None:
    """police.uk publishes some rows unplaced: they are counted as skipped and the file is accepted."""
    data = csv(
        row(lon="", lat=""),
        row(lat=""),
        row(lsoa=""),
        row(lsoa="", lon="", lat=""),
        row(),
    )
    result = count_offences(data, min_offences=1)
    assert result.ok
    assert result.skipped_no_coordinates == 3
    assert result.skipped_no_lsoa == 1
    assert result.suggestions[0].total == 1


def test_location_is_the_mean_of_the_offences_and_months_span_them() -> None:
    """A suggestion sits at the mean of its offences' points, over the months they cover."""
    data = csv(
        row(lon="0.1", lat="51.0", month="2024-01"),
        row(lon="0.3", lat="52.0", month="2024-03"),
        row(lon="9.0", lat="9.0", month="2023-01", crime="Burglary"),
    )
    (only,) = count_offences(data, min_offences=1).suggestions
    assert (only.lon, only.lat) == (pytest.approx(0.2), pytest.approx(51.5))
    assert (only.first_month, only.last_month) == ("2024-01", "2024-03")


def test_ranked_by_total_with_ties_broken_by_lsoa_code() -> None:
    """Most offences first; equal totals in LSOA-code order, whatever the file's order."""
    data = csv(
        *many(3, lsoa="E01000009"),
        *many(5, lsoa="E01000002"),
        *many(3, lsoa="E01000003"),
        *many(3, lsoa="E01000001", crime="Robbery"),
    )
    result = count_offences(data, min_offences=1)
    assert [(s.rank, s.lsoa_code, s.total) for s in result.suggestions] == [
        (1, "E01000002", 5),
        (2, "E01000001", 3),
        (3, "E01000003", 3),
        (4, "E01000009", 3),
    ]


def test_threshold_and_top_n() -> None:
    """Only LSOAs with at least the minimum are suggested, and at most top_n of them."""
    data = csv(*many(12, lsoa="E01000001"), *many(10, lsoa="E01000002"), *many(9, lsoa="E01000003"))
    result = count_offences(data)  # defaults: at least 10, top 25
    assert [s.lsoa_code for s in result.suggestions] == ["E01000001", "E01000002"]
    assert (result.lsoas, result.lsoas_at_threshold) == (3, 2)
    assert [s.lsoa_code for s in count_offences(data, top_n=1).suggestions] == ["E01000001"]


def test_missing_required_column_is_a_whole_file_problem() -> None:
    """A file without the Crime type column cannot be counted; the column is named."""
    header = HEADER.replace(",Crime type", ",Crime category")
    result = count_offences(csv(row(), header=header))
    assert not result.ok
    assert result.suggestions == ()
    (problem,) = result.problems
    assert problem.row == 1
    assert "Crime type" in problem.message


def test_malformed_month_and_coordinates_name_their_rows() -> None:
    """Rows are numbered as a spreadsheet does (header 1); nothing is suggested from a bad file."""
    data = csv(
        row(),
        row(month="03/2024"),
        row(lon="east"),
        row(lat="95.0"),
        *many(20),
    )
    result = count_offences(data, min_offences=1)
    assert result.suggestions == ()
    assert [(p.row, p.field) for p in result.problems] == [(3, "Month"), (4, "Longitude"), (5, "Latitude")]
    assert all("east" not in p.message for p in result.problems)


def test_problems_beyond_the_limit_are_counted() -> None:
    """A wholly wrong file is reported by its first problems and a count of the rest."""
    result = count_offences(csv(*many(30, month="2024")), max_problems=10)
    assert [p.row for p in result.problems] == list(range(2, 12))
    assert result.more_problems == 20
    assert not result.ok


def test_snake_case_header_and_byte_order_mark_are_read() -> None:
    """Some copies of the files carry lower-case snake_case headers; Excel adds a BOM."""
    header = "crime_id,month,reported_by,falls_within,longitude,latitude,location,lsoa_code,lsoa_name,crime_type,x,y"
    result = count_offences(b"\xef\xbb\xbf" + csv(row(), header=header), min_offences=1)
    assert result.ok
    assert result.suggestions[0].lsoa_code == "E01000001"


def test_empty_and_header_only_files() -> None:
    """An empty file is a problem; a header with no rows is a file with nothing to suggest."""
    assert count_offences(b"").problems[0].message == "The file is empty"
    header_only = count_offences(csv())
    assert header_only.ok
    assert (header_only.rows, header_only.suggestions) == (0, ())


def test_not_utf8_is_a_problem() -> None:
    result = count_offences(csv(row(name="Caf\xe9 001A")).replace(b"\xc3\xa9", b"\xe9"))
    assert not result.ok
    assert "UTF-8" in result.problems[0].message


def test_summary_holds_counts_only() -> None:
    """The summary for the import record names no LSOA and no street."""
    summary = count_offences(csv(*many(10)), min_offences=1).summary()
    assert summary["suggestions"] == 1
    assert summary["offences_drugs"] == 10
    assert not any("E01" in str(v) or "Street" in str(v) for v in summary.values())
    assert set(FAMILIES) == {"drugs", "weapons", "violence", "robbery"}


def test_lsoa_code_that_is_not_a_gss_code_is_a_problem() -> None:
    """An LSOA code is a letter and eight digits; anything else means the wrong column or file."""
    result = count_offences(csv(row(), row(lsoa="Testshire 001A")), min_offences=1)
    assert [(p.row, p.field) for p in result.problems] == [(3, "LSOA code")]


def test_values_with_surrounding_spaces_count_as_the_same() -> None:
    """A crime type or LSOA code with stray spaces is the same value as without them."""
    data = csv(row(), row(lsoa="E01000001 ", crime="Drugs "), row(crime=" Drugs", lon=" 0.1", lat="51.5 "))
    (only,) = count_offences(data, min_offences=1).suggestions
    assert (only.lsoa_code, only.counts["drugs"]) == ("E01000001", 3)


def test_rows_are_numbered_as_records_when_a_quoted_cell_spans_lines() -> None:
    """A quoted Location with a line break is one row, so later rows keep their spreadsheet numbers."""
    quoted = 'abc,2024-03,Test Police,Test Police,0.1,51.5,"On or near\nTest Street",E01000001,Testshire 001,Drugs,,'
    result = count_offences(csv(quoted, row(month="March")))
    assert [(p.row, p.field) for p in result.problems] == [(3, "Month")]


def test_every_row_is_counted_once_so_the_counts_add_up_to_the_rows() -> None:
    """A burglary without coordinates is skipped for its coordinates, not also as another crime type."""
    data = csv(
        row(crime="Burglary", lon="", lat=""),
        row(crime="Burglary", lsoa=""),
        row(crime="Drugs", lon="", lat=""),
        row(crime="Burglary"),
        row(crime="Drugs"),
        row(crime="Drugs", lsoa="E01000777"),
    )
    result = count_offences(data, min_offences=1, lsoa_authorities={"E01000777": "E06000033"}, authority="E10000012")
    assert (result.skipped_no_coordinates, result.skipped_no_lsoa, result.other_crime_types) == (2, 1, 1)
    assert result.other_authorities == {"E06000033": 1}
    assert sum(result.offences.values()) == 1
    counted = result.skipped_no_coordinates + result.skipped_no_lsoa + result.other_crime_types
    assert counted + sum(result.other_authorities.values()) + sum(result.offences.values()) == result.rows


def test_ties_at_the_cut_off_are_kept_together() -> None:
    """top_n=2 with the 2nd, 3rd and 4th tied: all four are suggested; a clear cut-off cuts."""
    data = csv(
        *many(5, lsoa="E01000002"),
        *many(3, lsoa="E01000009"),
        *many(3, lsoa="E01000003"),
        *many(3, lsoa="E01000001"),
        *many(2, lsoa="E01000004"),
    )
    tied = count_offences(data, min_offences=1, top_n=2)
    assert [(s.rank, s.lsoa_code) for s in tied.suggestions] == [
        (1, "E01000002"),
        (2, "E01000001"),
        (3, "E01000003"),
        (4, "E01000009"),
    ]
    assert [s.lsoa_code for s in count_offences(data, min_offences=1, top_n=1).suggestions] == ["E01000002"]
    assert len(count_offences(data, min_offences=1, top_n=4).suggestions) == 4


def test_only_the_authoritys_own_lsoas_are_suggested() -> None:
    """An LSOA of another authority is counted for that authority; an LSOA the table does not
    know stays with the importing authority; without a table every LSOA counts."""
    where = {"E01000001": "E10000012", "E01000002": "E06000033", "E01000003": "E06000034"}
    data = csv(
        *many(4, lsoa="E01000001"),
        *many(6, lsoa="E01000002"),
        *many(2, lsoa="E01000003", crime="Robbery"),
        *many(3, lsoa="E01000004"),
        *many(5, lsoa="E01000003", crime="Burglary"),
    )
    essex = count_offences(data, min_offences=1, lsoa_authorities=where, authority="E10000012")
    assert [s.lsoa_code for s in essex.suggestions] == ["E01000001", "E01000004"]
    assert essex.other_authorities == {"E06000033": 6, "E06000034": 2}
    assert essex.other_crime_types == 5  # other crime types count as such, wherever they are
    assert essex.lsoas == 2
    assert essex.summary()["offences_other_authorities"] == 8
    southend = count_offences(data, min_offences=1, lsoa_authorities=where, authority="E06000033")
    assert [s.lsoa_code for s in southend.suggestions] == ["E01000002", "E01000004"]
    everyone = count_offences(data, min_offences=1)
    assert len(everyone.suggestions) == 4 and everyone.other_authorities == {}


REAL_FILE = Path("/work/shared/data/police-uk/2018-01-essex-street.csv")


@pytest.mark.skipif(not REAL_FILE.exists(), reason=f"{REAL_FILE} is not here: the shared data folder is not mounted")
def test_the_essex_police_file_is_split_between_essex_southend_and_thurrock() -> None:
    """January 2018: the file's own top 25 holds 8 LSOAs of Southend-on-Sea and Thurrock;
    counted for Essex County Council, none of them is suggested and their rows are counted."""
    data = REAL_FILE.read_bytes()
    where = lsoa_authorities()
    whole = count_offences(data)
    top = [where[s.lsoa_code] for s in whole.suggestions][:25]
    assert top.count("E06000033") + top.count("E06000034") == 8
    essex = count_offences(data, lsoa_authorities=where, authority="E10000012")
    assert {where[s.lsoa_code] for s in essex.suggestions} == {"E10000012"}
    assert len(essex.suggestions) == 27  # the 22nd to the 27th all have 15
    assert [s.total for s in essex.suggestions][21:] == [15] * 6
    assert (essex.other_authorities["E06000033"], essex.other_authorities["E06000034"]) == (601, 431)
    placed_elsewhere = sum(essex.other_authorities.values())
    skipped = essex.skipped_no_coordinates + essex.skipped_no_lsoa + essex.other_crime_types
    assert skipped + placed_elsewhere + sum(essex.offences.values()) == essex.rows == 14786
