"""Reading a case: every problem is reported at once, each naming its field path."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import planner
from planner import CaseError, parse_case
from tests.unit.conftest import area, case, group, option, placement, rank, referral, young_person

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "rank-case.json"
UNKNOWN_FIELD = "is not a field of the case format (check the spelling)"


def problems(raw, require: str | None = "rank", postcodes=None) -> list[str]:
    """The problems `rank_case`-style reading reports, checking parse_case and validate_case agree."""
    found = planner.validate_case(raw, require=require, postcodes=postcodes)
    with pytest.raises(planner.CaseError) as caught:
        planner.parse_case(raw, require=require, postcodes=postcodes)
    assert caught.value.problems == found
    return found


def test_the_sample_case_is_valid():
    """The shipped sample case reads without problems."""
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert planner.validate_case(raw, require="rank") == []
    parsed = planner.parse_case(raw, require="rank")
    assert parsed.as_of == date(2026, 11, 25)
    assert parsed.referral is not None
    assert len(parsed.placements) == 7


def test_out_of_range_latitude_names_the_field_path():
    """A bad latitude on the fourth placement is reported as placements[3].lat."""
    placements = [placement(f"P-{i}") for i in range(4)]
    placements[3]["lat"] = 95
    assert problems(case(placements=placements)) == ["placements[3].lat: must be between -90 and 90"]


def test_unknown_fields_are_rejected():
    """A misspelt field is an error, wherever it is."""
    c = case(placements=[placement(colour="blue")])
    c["referral"]["young_people"][0]["hoem"] = {"lat": 53, "lon": -2}
    c["polcy"] = {}
    assert problems(c) == [
        f"placements[0].colour: {UNKNOWN_FIELD}",
        f"polcy: {UNKNOWN_FIELD}",
        f"referral.young_people[0].hoem: {UNKNOWN_FIELD}",
    ]


def test_unknown_policy_key_is_rejected():
    """A policy key that does not exist is an error naming it."""
    assert problems(case(policy={"buffer_km": 5})) == [f"policy.buffer_km: {UNKNOWN_FIELD}"]
    assert problems(case(policy={"weights": {"safty": 5}})) == [f"policy.weights.safty: {UNKNOWN_FIELD}"]


def test_every_problem_is_listed_at_once():
    """Problems in different records are all reported together, in path order."""
    c = case(
        ref=referral(people=[young_person(age=18, sex="boy")], needed_by="tomorrow"),
        placements=[placement("P-1", lat=95), placement("P-2", vacancies=-1), placement("P-3", setting="hotel")],
        areas=[area(severity="extreme")],
    )
    found = problems(c)
    assert found == [
        "areas[0].severity: must be one of: high, medium, low",
        "placements[0].lat: must be between -90 and 90",
        "placements[1].vacancies: must be at least 0",
        "placements[2].setting: must be one of: foster, residential, supported, secure",
        "referral.needed_by: must be one of: today, within_5_days, later",
        "referral.young_people[0].age: must be between 0 and 17",
        "referral.young_people[0].sex: must be one of: male, female",
    ]
    with pytest.raises(planner.CaseError) as caught:
        planner.rank_case(c)
    assert caught.value.problems == found


def test_list_indices_sort_as_numbers():
    """placements[10] is reported after placements[9], not after placements[1]."""
    placements = [placement(f"P-{i}") for i in range(11)]
    for i in (1, 9, 10):
        placements[i]["lon"] = 200
    assert [p.split(":")[0] for p in problems(case(placements=placements))] == [
        "placements[1].lon",
        "placements[9].lon",
        "placements[10].lon",
    ]


def test_duplicate_ids_are_rejected():
    """Placement, area, group and young person ids must be unique."""
    c = case(
        ref=referral(people=[young_person("YP-1"), young_person("YP-1")]),
        placements=[placement("P-1"), placement("P-1")],
        areas=[area("A-1"), area("A-1")],
        groups=[group("G-1"), group("G-1")],
    )
    assert problems(c) == [
        "areas: area id 'A-1' is used more than once",
        "groups: group id 'G-1' is used more than once",
        "placements: placement id 'P-1' is used more than once",
        "young_people: young person id 'YP-1' is used more than once",
    ]


def test_unknown_group_references_are_rejected():
    """Groups named by a young person, an area or a rivalry must be in `groups`."""
    c = case(
        ref=referral(people=[young_person(groups=["G-1", "G-x"])]),
        areas=[area(groups=["G-y"])],
        groups=[group("G-1", rivals=["G-z"])],
    )
    assert problems(c) == [
        "areas[0].groups[0]: unknown group 'G-y' (not in groups)",
        "groups[0].rivals[0]: unknown group 'G-z' (not in groups)",
        "referral.young_people[0].groups[1]: unknown group 'G-x' (not in groups)",
    ]


def test_unknown_excluded_placement_is_rejected():
    """A worker's exclusion must name a placement in the case."""
    ref = referral(excluded_placements=[{"placement_id": "P-9", "reason": "Closed"}])
    assert problems(case(ref=ref)) == ["referral.excluded_placements[0].placement_id: unknown placement 'P-9'"]


def test_ranking_needs_a_referral():
    """Ranking a case without a referral is an error; so is assigning without referrals."""
    c = case()
    del c["referral"]
    assert problems(c, require="rank") == ["referral: is required to rank (one referral)"]
    assert problems(c, require="any") == ["referral: give a referral to rank, or referrals to assign"]
    assert problems(c, require="assign") == ["referrals: is required to assign (a list of one or more referrals)"]


@pytest.mark.parametrize("raw", [[], "a case", 3, None])
def test_a_case_must_be_a_json_object(raw):
    """Anything but a JSON object is rejected with one clear line."""
    assert problems(raw) == ["(case): must be a JSON object"]


def test_wrong_json_types_are_not_coerced():
    """Text for a number, a bool for a count, text for a flag and a fraction for a count are errors."""
    c = case(ref=referral(solo="yes"), placements=[placement("P-1", lat="53.1", vacancies=True), placement("P-2")])
    c["placements"][1]["capacity"] = 1.5
    assert problems(c) == [
        "placements[0].lat: must be a number",
        "placements[0].vacancies: must be a whole number",
        "placements[1].capacity: must be a whole number",
        "referral.solo: must be true or false",
    ]


def test_capacity_and_age_ranges_must_be_consistent():
    """capacity below vacancies and age_min above age_max are errors."""
    c = case(placements=[placement(vacancies=3, capacity=2, age_min=16, age_max=12)])
    assert problems(c) == [
        "placements[0].age_min: must not be more than age_max",
        "placements[0].capacity: must be at least vacancies",
    ]


def test_required_fields_and_format_are_checked():
    """A missing required field and the wrong format name are reported."""
    c = case(placements=[placement(setting=None)])
    c["format"] = "placement-case/2"
    assert problems(c) == ["format: must be placement-case/1", "placements[0].setting: is required"]


def test_non_finite_numbers_are_problems():
    """NaN and infinity are reported against their field."""
    c = case(placements=[placement(weekly_cost=float("nan"), lon=float("inf"))])
    assert problems(c) == [
        "placements[0].lon: must be a finite number",
        "placements[0].weekly_cost: must be a finite number",
    ]


def test_huge_whole_numbers_are_problems_not_crashes():
    """A count too large for the engine is reported against its field instead of crashing the ranking."""
    c = case(placements=[placement(vacancies=10**20, capacity=10**20)])
    assert problems(c) == ["placements[0].capacity: is too large", "placements[0].vacancies: is too large"]
    with pytest.raises(planner.CaseError):
        planner.rank_case(c)


def test_sibling_groups_are_one_to_six_young_people():
    """A referral lists one to six young people."""
    assert problems(case(ref=referral(people=[]))) == ["referral.young_people: must list 1 to 6 young people"]
    seven = [young_person(f"YP-{i}") for i in range(7)]
    assert problems(case(ref=referral(people=seven))) == ["referral.young_people: must list 1 to 6 young people"]


def test_a_location_needs_both_coordinates_or_a_postcode():
    """lat without lon is an error naming the location."""
    person = young_person(home={"lat": 53.0})
    assert problems(case(ref=referral(people=[person]))) == ["referral.young_people[0].home: give both lat and lon"]


def test_as_of_must_be_a_date():
    """as_of must be an ISO date."""
    assert problems(case(as_of="25/11/2026")) == ["as_of: must be a date such as 2026-12-31"]


def test_policy_weights_cannot_all_be_zero():
    """At least one weight must be positive."""
    weights = dict.fromkeys(("safety", "support", "journey", "specialist", "continuity", "cost"), 0)
    assert problems(case(policy={"weights": weights})) == ["policy.weights: at least one weight must be more than 0"]


# --- postcodes ------------------------------------------------------------------------------


def postcode_case() -> dict:
    return case(ref=referral(people=[young_person(home={"postcode": "M1 1AE"})]))


def test_a_postcode_without_a_lookup_is_an_error_naming_the_field():
    """Without a postcode lookup, a postcode home cannot be placed and the field is named."""
    found = problems(postcode_case())
    assert len(found) == 1
    assert found[0].startswith("referral.young_people[0].home.postcode: ")
    assert "M1 1AE" in found[0]


def test_an_unresolved_postcode_is_listed_with_the_other_problems():
    """A postcode that cannot be resolved is reported alongside problems elsewhere in the case."""
    c = postcode_case()
    c["placements"][0]["lat"] = 95
    found = problems(c)
    assert [line.split(":")[0] for line in found] == ["placements[0].lat", "referral.young_people[0].home.postcode"]


def test_a_postcode_not_in_the_lookup_is_an_error():
    """A lookup that does not know the postcode is an error naming the field."""
    found = problems(postcode_case(), postcodes=lambda postcode: None)
    assert found == ["referral.young_people[0].home.postcode: 'M1 1AE' is not in the postcode lookup"]


def test_a_postcode_with_a_lookup_resolves_to_its_point():
    """With a lookup, a postcode home ranks exactly as the same point given by lat and lon."""
    point = (53.4794, -2.2453)
    by_postcode = planner.rank_case(postcode_case(), postcodes={"M1 1AE": point}.get)
    by_point = rank(case(ref=referral(people=[young_person(home={"lat": point[0], "lon": point[1]})])))
    assert by_postcode == by_point
    assert option(by_postcode, "P-1")["facts"]["distance_from_home_km"] > 0


@pytest.mark.parametrize("where", ["placements", "groups"])
def test_an_id_of_the_wrong_type_is_a_named_problem_not_a_crash(where: str) -> None:
    """A list where an id should be is reported against its path (found by schemathesis through the API)."""
    case: dict[str, Any] = {"format": "placement-case/1", "placements": [], "groups": []}
    case[where] = [{"id": ["P-1"]}]
    with pytest.raises(CaseError) as caught:
        parse_case(case, require="any")
    assert any(p.startswith(f"{where}[0].id") for p in caught.value.problems)
