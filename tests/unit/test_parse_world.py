"""Parsing a stored world again after a change: records unchanged since the last world are reused.

`planner.case_json.parse_world` must give exactly what `parse_case` gives for the same world,
whatever was reused, and report a problem exactly as `parse_case` words it.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import CaseError, parse_case
from planner.case_json import WorldMemo, parse_world

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "rank-case.json"
AS_OF = date(2026, 12, 2)
WORLD_KEYS = ("groups", "areas", "placements")


def _world() -> dict[str, Any]:
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return {k: document[k] for k in WORLD_KEYS if k in document}


def _whole(parts: dict[str, Any]) -> Any:
    return parse_case({"format": "placement-case/1", "as_of": AS_OF.isoformat(), **parts})


def test_a_world_parses_as_the_whole_case_does_with_and_without_a_memo() -> None:
    parts = _world()
    memo = WorldMemo()
    assert parse_world(parts, AS_OF) == _whole(parts)
    assert parse_world(parts, AS_OF, memo) == _whole(parts)
    # The second time every record comes from the memo, and the world is the same.
    again = parse_world(parts, AS_OF, memo)
    assert again == _whole(parts)
    assert again.placements[0] is parse_world(parts, AS_OF, memo).placements[0]


def test_a_changed_placement_is_read_again_and_the_rest_reused() -> None:
    parts = _world()
    memo = WorldMemo()
    first = parse_world(parts, AS_OF, memo)
    changed = copy.deepcopy(parts)
    changed["placements"][0]["vacancies"] = changed["placements"][0]["vacancies"] + 1
    second = parse_world(changed, AS_OF, memo)
    assert second == _whole(changed)
    assert second.placements[0].vacancies == first.placements[0].vacancies + 1
    assert second.placements[1] is first.placements[1]
    assert second.areas == first.areas and all(a is b for a, b in zip(second.areas, first.areas, strict=True))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda w: w["placements"][1].__setitem__("vacancies", -1),
        lambda w: w["placements"][0].__setitem__("setting", "castle"),
        lambda w: w["placements"].append(dict(w["placements"][0])),  # a duplicate id
        lambda w: w["areas"][0].__setitem__("groups", ["NOT-A-GROUP"]),
        lambda w: w["areas"][0].__setitem__("lat", float("nan")),
        lambda w: w["placements"][0].__setitem__("surprise", 1),
        lambda w: w.__setitem__("placements", "not a list"),
    ],
)
def test_a_problem_is_reported_exactly_as_the_whole_case_words_it(spoil: Any) -> None:
    parts = _world()
    memo = WorldMemo()
    parse_world(parts, AS_OF, memo)
    spoiled = copy.deepcopy(parts)
    spoil(spoiled)
    with pytest.raises(CaseError) as whole:
        _whole(spoiled)
    with pytest.raises(CaseError) as alone:
        parse_world(spoiled, AS_OF, memo)
    assert alone.value.problems == whole.value.problems
    # A refused world leaves the memo as it was: the good world still parses from it.
    assert parse_world(parts, AS_OF, memo) == _whole(parts)


@settings(max_examples=40, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=4)), max_size=6
    )
)
def test_any_sequence_of_vacancy_changes_parses_as_the_whole_case(changes: list[tuple[int, int]]) -> None:
    """Property: after any run of changes through one memo, each world equals parse_case's."""
    parts = _world()
    memo = WorldMemo()
    for which, vacancies in changes:
        placement = parts["placements"][which % len(parts["placements"])]
        placement["vacancies"] = min(vacancies, placement["capacity"])
        assert parse_world(parts, AS_OF, memo) == _whole(parts)
