"""Properties of the balance between safety and relationships (docs/scoring.md, decision 0009).

Each new rule has its property: safety earns nothing beyond `safe_km`; the journey
component never falls as a placement comes closer to every essential person; the
"why is A above B" points add up to the difference in score; dominated options and
the "much further from an essential person" warning match their definitions,
re-derived here from the ranking document; the robustness check agrees with ranking
the case again under the moved weight; every component is said in words.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from planner.score_words import COMPONENT_NAMES, why_above
from tests.unit.conftest import area, case, group, option, placement, rank, referral, support_link, where, young_person
from tests.unit.test_ranking_properties import (
    COMPONENTS,
    _around,
    _two_positions,
    geo_km,
    random_cases,
    support_moves,
)

WEIGHT_NAMES = ("safety", "support", "journey", "specialist", "continuity", "cost")


@st.composite
def beyond_safe_km(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, float], dict[str, float]]:
    """Low-severity linked areas clustered together; two placements, both well beyond `safe_km`."""
    spread = draw(st.floats(0, 10))
    centre, near, far = _two_positions(draw, spread)
    areas = [
        area(f"A-{i}", **_around(draw, centre, spread), groups=["G-0"], radius_km=0.0, severity="low")
        for i in range(draw(st.integers(1, 3)))
    ]
    policy = {"min_km_from_linked_areas": 0, "safe_km": draw(st.floats(1, 40))}
    c = case(
        ref=referral(people=[young_person(groups=["G-0"])]),
        placements=[placement("P-near", **near), placement("P-far", **far)],
        areas=areas,
        groups=[group("G-0")],
        policy=policy,
    )
    return c, near, far


@given(beyond_safe_km())
def test_safety_earns_nothing_beyond_safe_km(move):
    """Two placements both beyond `safe_km` from every linked area have the same, full, safety."""
    c, near, _far = move
    safe = c["policy"]["safe_km"]
    assume(all(geo_km(near, a) > safe * 1.01 + 0.5 for a in c["areas"]))
    result = rank(c)
    assert option(result, "P-near")["components"]["safety"] == option(result, "P-far")["components"]["safety"] == 1.0


@given(support_moves())
def test_moving_closer_to_every_support_link_never_lowers_journey(move):
    """The near placement, closer to every support link (so every essential one), costs no more journey."""
    c, near, far = move
    links = c["referral"]["young_people"][0]["support"]
    assume(all(geo_km(near, s) < geo_km(far, s) for s in links))
    result = rank(c)
    assert option(result, "P-near")["components"]["journey"] >= option(result, "P-far")["components"]["journey"]


@st.composite
def essential_distances(draw: st.DrawFn) -> dict[str, Any]:
    """One essential parent and placements due north at random distances."""
    visits = draw(st.floats(0.5, 12))
    parent = support_link("S-1", importance="essential", visits_per_month=visits)
    kms = draw(st.lists(st.floats(0, 400), min_size=1, max_size=5))
    placements = [placement(f"P-{n}", **where(km)) for n, km in enumerate(kms)]
    return case(ref=referral(people=[young_person(support=[parent])]), placements=placements)


@given(essential_distances())
def test_journey_is_full_at_no_travel_and_zero_beyond_the_practical_hours(c):
    """Journey is 1 - hours / practical hours, clamped: a weekly visit at 180 miles is 0."""
    result = rank(c)
    policy = result["policy"]
    visits = c["referral"]["young_people"][0]["support"][0]["visits_per_month"]
    for o in result["options"]:
        hours = visits * 2 * o["facts"]["support_km"]["S-1"] / policy["journey_kmh"]
        expected = min(1.0, max(0.0, 1 - hours / policy["journey_hours_per_month"]))
        assert abs(o["components"]["journey"] - expected) < 1e-3


def test_a_weekly_visit_at_180_miles_is_not_practical():
    """The brief's example: 4 visits a month at 180 miles scores journey 0."""
    parent = support_link("S-1", importance="essential", visits_per_month=4)
    c = case(ref=referral(people=[young_person(support=[parent])]), placements=[placement("P-1", **where(290))])
    assert option(rank(c), "P-1")["components"]["journey"] == 0.0


@given(random_cases())
def test_why_above_points_add_up_to_the_difference_in_score(c):
    """For any two options, the components' points sum to the score difference, and the sign says which is above."""
    result = rank(c)
    options, weights = result["options"], result["policy"]["weights"]
    for a in options[:3]:
        for b in options[:3]:
            why = why_above(a, b, weights)
            total = sum(r["points"] for r in why["components"])
            assert abs(total - (a["score"] - b["score"])) <= 0.01 * (len(COMPONENTS) + 1)
            assert why["difference"] == round(a["score"] - b["score"], 2)
            assert {r["component"] for r in why["components"]} == set(COMPONENTS)


def _closer(b: dict[str, Any], a: dict[str, Any]) -> bool:
    cb, ca = b["components"], a["components"]
    return (
        cb["support"] >= ca["support"]
        and cb["journey"] >= ca["journey"]
        and (cb["support"] > ca["support"] or cb["journey"] > ca["journey"])
    )


@given(random_cases())
def test_dominated_by_lists_exactly_the_options_safer_and_closer(c):
    """An option is dominated by exactly the options with higher safety that are closer to the support network."""
    result = rank(c)
    for a in result["options"]:
        expected = [
            b["placement_id"]
            for b in result["options"]
            if b is not a and b["components"]["safety"] > a["components"]["safety"] and _closer(b, a)
        ]
        assert a["dominated_by"] == expected


@given(random_cases())
def test_essential_warning_appears_exactly_when_a_safe_option_is_much_closer(c):
    """The warning is given when, and only when, another safe option is much closer to an essential person."""
    result = rank(c)
    policy, options = result["policy"], result["options"]
    essential = [
        s["id"] for p in c["referral"]["young_people"] for s in p.get("support", []) if s["importance"] == "essential"
    ]
    expected = len(options) > 1 and any(
        o["components"]["safety"] >= policy["essential_warning_min_safety"]
        and options[0]["facts"]["support_km"][s] - o["facts"]["support_km"][s] >= policy["essential_warning_extra_km"]
        for o in options[1:]
        for s in essential
    )
    warned = [w for w in result["warnings"] if w["code"] == "top_option_far_from_essential"]
    assert bool(warned) == expected
    for w in warned:
        assert w["placement_id"] == options[0]["placement_id"]
        closer = option(result, w["closer_placement_id"])
        gap = options[0]["facts"]["support_km"][w["support_id"]] - closer["facts"]["support_km"][w["support_id"]]
        assert gap >= policy["essential_warning_extra_km"]


@given(random_cases(), st.sampled_from(WEIGHT_NAMES), st.sampled_from([0.75, 1.25]))
def test_robustness_agrees_with_ranking_again_under_the_moved_weight(c, weight, factor):
    """Each robustness check names the rank 1 the engine gives when that weight really is moved."""
    result = rank(c)
    robust = result["robustness"]
    if not result["summary"]["feasible"]:
        assert robust is None
        return
    assume(result["options"])
    assert robust["rank1"] == result["options"][0]["placement_id"]
    moved = copy.deepcopy(c)
    policy = dict(moved.get("policy") or {})
    weights = {**result["policy"]["weights"]}
    weights[weight] = weights[weight] * factor
    policy["weights"] = weights
    moved["policy"] = policy
    again = rank(moved)
    check = next(k for k in robust["checks"] if k["weight"] == weight and k["factor"] == factor)
    assert check["rank1"] == again["options"][0]["placement_id"]
    assert robust["stable"] == all(k["rank1"] == robust["rank1"] for k in robust["checks"])


@given(random_cases())
def test_every_component_is_said_in_words(c):
    """Each option says every component in words, starting with its name and its value."""
    result = rank(c)
    for o in result["options"]:
        assert tuple(o["component_words"]) == COMPONENTS
        for k, sentence in o["component_words"].items():
            assert sentence.startswith(f"{COMPONENT_NAMES[k]} {o['components'][k]:.2f}: ")
            assert sentence.endswith(".") and not re.search(r"\bnan\b|\binf\b", sentence)


@given(st.floats(0, 400))
def test_an_essential_person_who_does_not_visit_leaves_journey_neutral(km):
    """An essential link with no visits (a school, a parent who phones) makes no journey: journey is 0.5."""
    school = support_link("S-1", kind="school", importance="essential", visits_per_month=0)
    c = case(ref=referral(people=[young_person(support=[school])]), placements=[placement("P-1", **where(km))])
    assert option(rank(c), "P-1")["components"]["journey"] == 0.5
