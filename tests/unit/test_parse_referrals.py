"""Reading the referrals of a case against a world parsed once: the same problems as the whole case.

The web keeps a parsed world per version and reads only the referral on each ranking
(`planner.case_json.parse_referrals`); every problem with a referral must read exactly
as `parse_case` words it for the whole document, and a valid referral must parse to
the same `Case`.
"""

from __future__ import annotations

from typing import Any

import pytest

from planner import CaseError, parse_case
from planner.case_json import parse_referrals
from tests.unit.conftest import area, case, group, placement, referral, risk_location, support_link, young_person

WORLD_KEYS = ("groups", "areas", "placements")


def _world() -> dict[str, Any]:
    return {
        "groups": [group("G-1", ["G-2"]), group("G-2", ["G-1"])],
        "areas": [area("A-1", groups=["G-1"])],
        "placements": [placement("P-1"), placement("P-2")],
    }


def _split(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    world = {k: v for k, v in document.items() if k in WORLD_KEYS}
    rest = {k: v for k, v in document.items() if k not in WORLD_KEYS}
    return world, rest


def _both(document: dict[str, Any], require: str = "rank", postcodes: Any = None) -> tuple[list[str], list[str]]:
    """(parse_case's problems, parse_referrals's problems) for one document."""
    world_part, rest = _split(document)
    world = parse_case({"format": "placement-case/1", **world_part})
    with pytest.raises(CaseError) as whole:
        parse_case(document, require=require, postcodes=postcodes)
    with pytest.raises(CaseError) as alone:
        parse_referrals(rest, world, require=require, postcodes=postcodes)
    return whole.value.problems, alone.value.problems


def _with(ref: dict[str, Any] | None = None, **members: Any) -> dict[str, Any]:
    document = case(ref, **_world())
    document.update(members)
    return document


TWO_PEOPLE_SAME_ID = referral(people=[young_person("YP-1"), young_person("YP-1")])
CONFLICTING_SUPPORT = referral(
    people=[
        young_person("YP-1", support=[support_link("S-1")]),
        young_person("YP-2", support=[support_link("S-1", label="Someone else")]),
    ]
)

BROKEN = {
    "bad field types": _with(referral(needed_by="yesterday", solo="yes", max_km_from_home=-3)),
    "unknown field": _with(referral(colour="blue")),
    "young person out of range": _with(referral(people=[young_person(age=19, home={"lat": 95, "lon": 0})])),
    "no young people": _with(referral(people=[])),
    "unknown group": _with(referral(people=[young_person(groups=["G-1", "G-9"])])),
    "unknown excluded placement": _with(
        referral(excluded_placements=[{"placement_id": "P-9", "reason": "x"}, {"placement_id": "P-1", "reason": "y"}])
    ),
    "a person id twice": _with(TWO_PEOPLE_SAME_ID),
    "one id, two support records": _with(CONFLICTING_SUPPORT),
    "bad risk location": _with(referral(people=[young_person(risk_locations=[risk_location(lat="north")])])),
    "bad secure dates": _with(
        referral(secure_accommodation={"basis": "s25", "start": "2026-12-10", "end": "2026-12-01"})
    ),
    "bad as_of and format": _with(as_of="tomorrow", format="placement-case/9"),
    "zero weights": _with(
        policy={"weights": dict.fromkeys(("safety", "support", "journey", "specialist", "continuity", "cost"), 0)}
    ),
    "postcode without lookup": _with(referral(people=[young_person(home={"postcode": "M1 1AA"})])),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_referrals_problems_read_as_in_the_whole_case(name: str) -> None:
    whole, alone = _both(BROKEN[name])
    assert whole, "the example is broken"
    assert alone == whole


def test_missing_referral_reads_as_in_the_whole_case() -> None:
    document = _with()
    del document["referral"]
    assert _both(document, require="rank")[1] == ["referral: is required to rank (one referral)"]
    assert _both(document, require="assign")[0] == _both(document, require="assign")[1]


def test_batch_referral_problems_read_as_in_the_whole_case() -> None:
    document = _with()
    del document["referral"]
    document["referrals"] = [referral("R-1"), referral("R-1", people=[young_person("YP-2", groups=["G-7"])])]
    whole, alone = _both(document, require="assign")
    assert alone == whole
    assert "referrals: referral id 'R-1' is used more than once" in alone


def test_a_valid_referral_parses_to_the_same_case() -> None:
    document = _with(referral(people=[young_person(groups=["G-2"])], excluded_placements=[]))
    world_part, rest = _split(document)
    world = parse_case({"format": "placement-case/1", **world_part})
    assert parse_referrals(rest, world, require="rank") == parse_case(document, require="rank")


def test_world_members_are_not_read_with_the_referral() -> None:
    """The world is parsed once on its own; a world member among the referral's is a mistake."""
    world = parse_case({"format": "placement-case/1", **_world()})
    with pytest.raises(CaseError) as caught:
        parse_referrals({"format": "placement-case/1", "referral": referral(), "placements": []}, world, "rank")
    assert caught.value.problems == ["placements: is not a field of the case format (check the spelling)"]
