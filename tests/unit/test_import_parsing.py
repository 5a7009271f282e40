"""The import helpers that need no database: CSV rows and cells, dates, GeoJSON polygons."""

from __future__ import annotations

from datetime import date

import pytest

from web.data_exchange.services.imports.base import Problems
from web.data_exchange.services.imports.geometry import check_polygon_geometry, representative_point
from web.data_exchange.services.imports.tabular import Cells, iterate_rows, parse_date, parse_dmy, read_csv


def test_header_matches_ignoring_case_and_names_every_missing_column() -> None:
    """'Crime ID' matches crime_id; the problem lists all missing columns at once."""
    problems = Problems()
    table = read_csv(b"Crime ID, MONTH \r\n1,2024-01\r\n", file="f", required=("crime_id", "month"), problems=problems)
    assert table is not None and table.columns == ("crime_id", "month")
    assert read_csv(b"a,b\n", file="f", required=("x", "y", "a"), problems=problems) is None
    assert [p.message for p in problems.kept] == ["The header row is missing the columns x, y"]


def test_rows_are_numbered_as_a_spreadsheet_numbers_them() -> None:
    """Header row 1; blank lines keep their number; a quoted newline stays in one row."""
    problems = Problems()
    text = '\ufeffcode,label\nA,"two\nlines"\n\nB,x\n'.encode()
    table = read_csv(text, file="f", required=("code", "label"), problems=problems)
    assert table is not None
    assert [(n, r["code"]) for n, r in iterate_rows(table, problems)] == [(2, "A"), (4, "B")]


def test_cells_collect_a_problem_per_bad_value_without_echoing_it() -> None:
    """Each getter names the field; the row is not ok once any problem is recorded."""
    problems = Problems()
    cells = Cells("f", 7, {"n": "1.5", "when": "31/02/2024", "pick": "Blue", "yes": "maybe", "ok": "3"}, problems)
    assert cells.integer("ok", minimum=0, maximum=5) == 3 and cells.ok
    assert cells.integer("n") is None
    assert cells.date_dmy("when") is None
    assert cells.choice("pick", ("red", "green")) is None
    assert cells.boolean("yes") is None
    assert cells.text("missing", required=True) is None
    assert not cells.ok
    assert [(p.row, p.field) for p in problems.kept] == [(7, "n"), (7, "when"), (7, "pick"), (7, "yes"), (7, "missing")]
    assert all("Blue" not in p.message and "maybe" not in p.message for p in problems.kept)


def test_dates_in_both_forms() -> None:
    """dd/mm/yyyy (SSDA903) and ISO."""
    assert parse_dmy("01/04/2024") == date(2024, 4, 1) == parse_date("2024-04-01") == parse_date("1/4/2024")
    with pytest.raises(ValueError):
        parse_dmy("2024-04-01")


def test_problems_beyond_the_limit_are_counted_not_kept() -> None:
    """A file of millions of bad rows must not hold millions of problems."""
    problems = Problems(limit=3)
    for row in range(2, 12):
        problems.add("f", row, "x", "bad")
    assert (len(problems.kept), problems.more, len(problems)) == (3, 7, 10)


SQUARE = [[0.0, 51.0], [1.0, 51.0], [1.0, 52.0], [0.0, 52.0], [0.0, 51.0]]


def test_polygon_rings_must_be_closed_with_four_positions_in_range() -> None:
    """Each rule has its own message."""
    assert check_polygon_geometry({"type": "Polygon", "coordinates": [SQUARE]})[1] is None
    assert "not closed" in str(
        check_polygon_geometry({"type": "Polygon", "coordinates": [[*SQUARE[:-1], [0.5, 51]]]})[1]
    )
    assert "at least 4" in str(check_polygon_geometry({"type": "Polygon", "coordinates": [SQUARE[:3]]})[1])
    bad = [[0.0, 51.0], [200.0, 51.0], [1.0, 52.0], [0.0, 51.0]]
    assert "in range" in str(check_polygon_geometry({"type": "MultiPolygon", "coordinates": [[SQUARE], [bad]]})[1])


def test_the_representative_point_lies_inside_even_a_concave_polygon() -> None:
    """A U shape's centroid falls in the gap; the point chosen is inside an arm."""
    u_shape = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    lat, lon = representative_point({"type": "Polygon", "coordinates": [u_shape]})
    assert (0 < lon < 1 or 2 < lon < 3) and 0 < lat < 3
    assert representative_point({"type": "Polygon", "coordinates": [SQUARE]}) == (51.5, 0.5)
