"""The engine's input readers against hostile input: JSON too deep, keys given twice, NaN and
huge numbers, Unicode digits, polygons that cross themselves or are enormous. Each is refused
with a sentence naming the problem (exit 2 from the command line), never a traceback."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

from planner.ascii_numbers import read_date, read_float, read_int
from planner.case_json import polygon_problems
from planner.input_limits import input_limits
from planner.json_input import JsonInputError, depth, load_json
from tests.unit.conftest import area, case
from tests.unit.test_cli import run

REPO = Path(__file__).resolve().parents[2]
DEEP = "[" * 10_000 + "]" * 10_000


# --- JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DEEP, "nested more than 64 levels deep"),
        ('{"a":' * 65 + "1" + "}" * 65, "nested more than 64 levels deep"),
        ('{"sex": "F", "sex": "M"}', 'the key "sex" appears twice'),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e400}', "too large"),
        ('{"a": ' + "9" * 40 + "}", "more than 30 digits"),
        ('{"a": ' + "9" * 5000 + "}", "more than 30 digits"),
        ('{"a": 1', "not valid JSON"),
    ],
)
def test_the_loader_refuses_with_a_sentence(text: str, words: str) -> None:
    """Each hostile document raises JsonInputError saying what is wrong (never RecursionError)."""
    with pytest.raises(JsonInputError, match=words):
        load_json(text)


def test_the_loader_reads_ordinary_json_and_bytes() -> None:
    """A plain document (64 levels is allowed), as text or UTF-8 bytes with a byte order mark."""
    nested = '{"a":' * 63 + "1" + "}" * 63
    assert depth(nested) == 63 and depth('["[[[", {"a": "}}"}]') == 2
    assert load_json(nested) is not None
    assert load_json('{"x": [1, 2.5, "é"]}'.encode("utf-8-sig")) == {"x": [1, 2.5, "é"]}
    with pytest.raises(JsonInputError, match="not UTF-8"):
        load_json(b'{"x": "\xff"}')


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DEEP, "(case): nested more than 64 levels deep"),
        ('{"format": "placement-case/1", "format": "x"}', '(case): the key "format" appears twice'),
        ('{"as_of": NaN}', "(case): NaN is not a JSON number"),
    ],
)
@pytest.mark.parametrize("command", ["rank", "assign", "validate"])
def test_the_command_line_exits_2_with_the_problem(command: str, text: str, words: str) -> None:
    """No traceback: one line naming the problem on standard error, exit status 2."""
    done = run(command, "-", stdin=text)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == words or done.stderr.startswith(words), done.stderr
    assert "Traceback" not in done.stderr


def test_a_postcode_table_with_unicode_digits_is_refused(tmp_path: Path) -> None:
    """--postcodes reads ASCII numbers only: Arabic-Indic digits are a problem naming the line."""
    table = tmp_path / "postcodes.csv"
    table.write_text("postcode,lat,lon\nM1 1AA,٥٣.٤,-2.2\n", encoding="utf-8")
    done = run("validate", "--postcodes", str(table), "-", stdin=json.dumps(case()))
    assert done.returncode == 2
    assert "line 2" in done.stderr


# --- numbers and dates ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["١٢", "1_000", " 12", "12 ", "+", "", "1" * 19, "²", "1e3", "0x10"])
def test_read_int_takes_ascii_digits_only(text: str) -> None:
    with pytest.raises(ValueError):
        read_int(text)


@pytest.mark.parametrize("text", ["١٢.٥", "1_000.5", "nan", "inf", "1e400", "", ".", "12,5"])
def test_read_float_takes_plain_ascii_decimals_only(text: str) -> None:
    with pytest.raises(ValueError):
        read_float(text)


def test_ascii_numbers_read_what_people_write() -> None:
    assert read_int("-42") == -42 and read_int("007") == 7
    assert read_float("12.5") == 12.5 and read_float("-.5") == -0.5 and read_float("3.") == 3.0
    assert math.isfinite(read_float("9" * 30))


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [("2026", "1", "1" * 31), ("9" * 31, "1", "1"), ("2026", "١", "1"), ("2026", "2", "30"), ("2026", "", "1")],
)
def test_read_date_refuses_huge_foreign_and_impossible_parts(year: str, month: str, day: str) -> None:
    """ValueError (never OverflowError) for a 31-digit day or year, Unicode digits, 30 February."""
    with pytest.raises(ValueError):
        read_date(year, month, day)


def test_read_date_reads_a_real_date() -> None:
    assert read_date("2028", "02", "29") == date(2028, 2, 29)


# --- polygons -----------------------------------------------------------------------------


def _polygon(*ring: tuple[float, float]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def test_a_self_intersecting_ring_is_refused() -> None:
    """A bow tie (edges crossing) names the ring."""
    bow_tie = _polygon((0, 0), (1, 1), (1, 0), (0, 1), (0, 0))
    assert polygon_problems(bow_tie) == [
        "polygon.coordinates[0]: crosses or touches itself: draw the boundary so no two edges meet except at corners"
    ]


def test_a_simple_ring_with_a_repeated_corner_is_accepted() -> None:
    square = _polygon((0, 0), (1, 0), (1, 0), (1, 1), (0, 1), (0, 0))
    assert polygon_problems(square) == []


def test_a_polygon_of_100000_positions_is_refused_without_reading_them() -> None:
    """Over max_polygon_vertices: one problem naming the ring and the limit."""
    limit = input_limits().max_polygon_vertices
    n = 100_000
    ring = [[math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)] for i in range(n)]
    ring.append(ring[0])
    problems = polygon_problems({"type": "Polygon", "coordinates": [ring]})
    assert problems == [
        f"polygon.coordinates[0]: makes the geometry more than {limit} positions: simplify it "
        "(max_polygon_vertices in config/policy.toml)"
    ]


def test_a_case_with_a_crossing_polygon_names_the_area() -> None:
    """In a case the problem names the area's path, as every other case problem does."""
    import planner

    shape = _polygon((-2.3, 53.4), (-2.2, 53.5), (-2.2, 53.4), (-2.3, 53.5), (-2.3, 53.4))
    problems = planner.validate_case(case(areas=[area(polygon=shape)]), require="rank")
    assert any(p.startswith("areas[0].polygon.coordinates[0]: crosses or touches itself") for p in problems), problems
