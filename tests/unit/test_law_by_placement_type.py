"""The law read from the placement type (SSDA903 PLACE), rule by rule, in three steps each:
feasible, excluded, and exempt (or lawful again); then each rule as a property, the
contradictions the case reader refuses, and the rules across referrals in a batch."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import planner
from planner.explain import explain_no_option
from tests.unit.batch_builders import assign, batch, placed
from tests.unit.conftest import (
    AS_OF,
    case,
    codes,
    exclusion,
    option_ids,
    placement,
    rank,
    referral,
    where,
    young_person,
)


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(planner.CaseError) as caught:
        planner.parse_case(raw, require="rank")
    return caught.value.problems


def people(*ages: int) -> list[dict[str, Any]]:
    return [young_person(f"YP-{i}", age=age) for i, age in enumerate(ages, start=1)]


# --- under 16 in supported accommodation or independent living (K3, H5, P2) -------------------


@pytest.mark.parametrize("code", ["K3", "H5", "P2"])
def test_unregulated_placement_type_is_lawful_at_16(code):
    """Step 1: a 16-year-old may live in supported accommodation or independent living."""
    p = placement(setting="supported", place_code=code)
    assert option_ids(rank(case(ref=referral(people=people(16)), placements=[p]))) == ["P-1"]


@pytest.mark.parametrize("code", ["K3", "H5", "P2"])
def test_unregulated_placement_type_excludes_a_15_year_old_and_names_the_type(code):
    """Step 2: a 15-year-old is excluded, and the sentence names the placement type."""
    p = placement(setting="supported", place_code=code)
    reasons = exclusion(rank(case(ref=referral(people=people(15)), placements=[p])), "P-1")
    assert [r["code"] for r in reasons] == ["unlawful_setting"]
    assert f"placement type {code}" in reasons[0]["detail"]
    assert "YP-1 is 15" in reasons[0]["detail"]


def test_a_sibling_group_with_one_child_under_16_is_excluded_from_k3():
    """Step 3: no exemption exists; one child under 16 in a group excludes the whole group."""
    p = placement(setting="supported", place_code="K3", vacancies=2, capacity=2)
    result = rank(case(ref=referral(people=people(17, 14)), placements=[p]))
    assert codes(result, "P-1") == ["unlawful_setting"]


# --- a secure children's home (K1) only under an order or authorisation ----------------------


def secure_case(order: dict[str, Any] | None, place_code: str | None = "K1") -> dict[str, Any]:
    return case(
        ref=referral(secure_accommodation=order),
        placements=[placement(setting="secure", place_code=place_code)],
    )


def test_secure_home_is_an_option_under_a_secure_accommodation_order():
    """Step 1: an s25 order in force on the ranking day makes K1 an option."""
    order = {"basis": "s25_order", "start": "2026-05-01", "end": "2026-08-01"}
    assert option_ids(rank(secure_case(order))) == ["P-1"]


@pytest.mark.parametrize("place_code", ["K1", None])
def test_secure_home_without_an_order_is_excluded(place_code):
    """Step 2: no order or authorisation, no secure home (read from K1 or from the setting)."""
    reasons = exclusion(rank(secure_case(None, place_code)), "P-1")
    assert [r["code"] for r in reasons] == ["no_secure_order"]
    assert "s25" in reasons[0]["detail"] and "records neither" in reasons[0]["detail"]


def test_secure_home_under_an_expired_authorisation_is_excluded_with_its_dates():
    """Step 3: an authorisation that ended before the ranking day does not count, and its dates are given."""
    order = {"basis": "authorisation", "start": "2026-05-29", "end": "2026-05-31"}
    reasons = exclusion(rank(secure_case(order)), "P-1")
    assert [r["code"] for r in reasons] == ["no_secure_order"]
    assert "authorisation runs from 2026-05-29 to 2026-05-31" in reasons[0]["detail"]
    assert AS_OF in reasons[0]["detail"]


def test_a_secure_order_ending_before_it_starts_is_refused():
    """The case reader refuses an order whose end is before its start, naming the field."""
    raw = secure_case({"basis": "s25_order", "start": "2026-06-02", "end": "2026-06-01"})
    assert "referral.secure_accommodation.end: must not be before start" in problems(raw)


# --- the usual fostering limit of three (Children Act 1989 Schedule 7) ------------------------


def foster(residents: list[str], id: str = "P-1", **fields: Any) -> dict[str, Any]:
    values = {"setting": "foster", "place_code": "U4", "residents": residents, "vacancies": 3, "capacity": 6}
    return placement(id, **{**values, **fields})


def test_a_third_fostered_child_is_within_the_limit():
    """Step 1: two children there and one more makes three: an option."""
    assert option_ids(rank(case(placements=[foster(["C-1", "C-2"])]))) == ["P-1"]


def test_a_fourth_fostered_child_is_excluded():
    """Step 2: three children there and one more makes four: excluded, in words."""
    reasons = exclusion(rank(case(placements=[foster(["C-1", "C-2", "C-3"])])), "P-1")
    assert [r["code"] for r in reasons] == ["fostering_limit"]
    assert "foster 4 children" in reasons[0]["detail"] and "Schedule 7" in reasons[0]["detail"]


@pytest.mark.parametrize(
    ("ref_fields", "placement_fields"),
    [({"fostering_exemption": True}, {}), ({}, {"fostering_exemption": True})],
    ids=["referral-exemption", "household-exemption"],
)
def test_an_exemption_lifts_the_fostering_limit(ref_fields, placement_fields):
    """Step 3: an exemption recorded on the referral or the household lifts the limit."""
    c = case(ref=referral(**ref_fields), placements=[foster(["C-1", "C-2", "C-3"], **placement_fields)])
    assert option_ids(rank(c)) == ["P-1"]


def test_siblings_are_not_held_to_the_fostering_limit():
    """Step 3: four siblings together, or joining their brothers and sisters, are all siblings."""
    four = referral(people=people(12, 10, 8, 6))
    assert option_ids(rank(case(ref=four, placements=[foster([], vacancies=4)]))) == ["P-1"]
    joining = referral(people=[young_person(age=9, siblings=["C-1", "C-2", "C-3"])])
    assert option_ids(rank(case(ref=joining, placements=[foster(["C-1", "C-2", "C-3"])]))) == ["P-1"]
    not_all = referral(people=[young_person(age=9, siblings=["C-1", "C-2"])])
    assert codes(rank(case(ref=not_all, placements=[foster(["C-1", "C-2", "C-3"])])), "P-1") == ["fostering_limit"]


def test_the_fostering_limit_does_not_apply_to_a_childrens_home():
    """Only foster households are held to the limit."""
    home = placement(setting="residential", place_code="K2", residents=["C-1", "C-2", "C-3"], vacancies=2, capacity=5)
    assert option_ids(rank(case(placements=[home]))) == ["P-1"]


# --- each rule as a property: excluded exactly when its condition holds -----------------------


@given(st.integers(0, 17), st.sampled_from(["K3", "H5", "P2", None]), st.sampled_from(["supported", "residential"]))
def test_unlawful_setting_applies_exactly_when_under_16_in_an_unregulated_placement(age, code, setting):
    """unlawful_setting iff a young person is under 16 and the placement is supported or K3/H5/P2."""
    if code is not None:
        setting = "supported"
    p = placement(setting=setting, place_code=code)
    excluded = "unlawful_setting" in codes(rank(case(ref=referral(people=people(age)), placements=[p])), "P-1")
    assert excluded == (age < 16 and (setting == "supported" or code in {"K3", "H5", "P2"}))


@given(st.one_of(st.none(), st.tuples(st.integers(-5, 5), st.integers(0, 5))), st.booleans())
def test_no_secure_order_applies_exactly_when_no_order_covers_the_day(window, secure):
    """no_secure_order iff the placement is a secure home and no order covers the ranking day."""
    order = None
    if window is not None:
        start_day, length = window
        start = 1 + start_day + 5  # days of June 2026; AS_OF is 1 June
        order = {"basis": "s25_order", "start": f"2026-06-{start:02d}", "end": f"2026-06-{start + length:02d}"}
    p = placement(setting="secure" if secure else "residential", place_code="K1" if secure else "K2")
    excluded = "no_secure_order" in codes(rank(case(ref=referral(secure_accommodation=order), placements=[p])), "P-1")
    covered = order is not None and order["start"] <= AS_OF <= order["end"]
    assert excluded == (secure and not covered)


@given(
    st.integers(0, 4),
    st.integers(1, 4),
    st.booleans(),
    st.booleans(),
    st.lists(st.sampled_from(["C-0", "C-1", "C-2", "C-3"]), unique=True),
)
def test_fostering_limit_applies_exactly_when_over_three_without_exemption_or_siblings(
    n_residents, n_people, ref_exempt, home_exempt, siblings
):
    """fostering_limit iff a foster household would foster more than three children, not all
    siblings, with no exemption recorded on the referral or the household."""
    residents = [f"C-{i}" for i in range(n_residents)]
    group = [young_person(f"YP-{i}", age=10, siblings=siblings) for i in range(n_people)]
    p = foster(residents, vacancies=4, fostering_exemption=home_exempt)
    c = case(ref=referral(people=group, fostering_exemption=ref_exempt), placements=[p])
    excluded = "fostering_limit" in codes(rank(c), "P-1")
    all_siblings = set(residents) <= set(siblings)
    assert excluded == (n_residents + n_people > 3 and not (ref_exempt or home_exempt or all_siblings))


# --- place_code and setting must agree ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "setting"),
    [("K3", "foster"), ("K1", "residential"), ("U4", "supported"), ("K2", "secure"), ("P2", "foster")],
)
def test_a_place_code_contradicting_the_setting_is_refused_naming_place_code(code, setting):
    """The law is read from the placement type: a contradiction is an input error, not a guess."""
    raw = case(placements=[placement(setting=setting, place_code=code)])
    found = problems(raw)
    assert any(line.startswith("placements[0].place_code:") and setting in line for line in found), found


@pytest.mark.parametrize(("code", "setting"), [("T0", "foster"), ("Z1", "secure"), ("U1", "foster")])
def test_place_codes_agreeing_or_without_one_setting_are_accepted(code, setting):
    """Temporary and other codes go with any setting; matching codes pass."""
    planner.parse_case(case(placements=[placement(setting=setting, place_code=code)]), require="rank")


# --- the batch respects the same rules, and the fostering limit across referrals ---------------


def single(id: str, **fields: Any) -> dict[str, Any]:
    return referral(id, people=[young_person(f"YP-{id}", age=10)], **fields)


def test_batch_places_no_two_referrals_over_the_fostering_limit_together():
    """Two children with two already there would make four: only one of two referrals is placed there."""
    home = foster(["C-1", "C-2"])
    result = assign(batch([single("R-1"), single("R-2")], [home]))
    assert len(result["assignments"]) == 1


def test_batch_places_two_referrals_together_within_the_limit():
    """One child there and two referrals of one: three in all, both placed."""
    result = assign(batch([single("R-1"), single("R-2")], [foster(["C-1"])]))
    assert placed(result) == {"R-1": "P-1", "R-2": "P-1"}


def test_batch_lets_an_exempt_referral_over_the_limit_but_alone():
    """An exemption on one referral covers that referral only: it takes the household alone."""
    home = foster(["C-1", "C-2", "C-3"])
    result = assign(batch([single("R-1", fostering_exemption=True), single("R-2")], [home]))
    assert placed(result) == {"R-1": "P-1"}


def test_batch_respects_a_household_exemption():
    """A household exempt from the limit takes as many as its vacancies."""
    home = foster(["C-1", "C-2"], fostering_exemption=True)
    result = assign(batch([single("R-1"), single("R-2"), single("R-3")], [home]))
    assert len(result["assignments"]) == 3


def test_batch_excludes_secure_homes_and_unregulated_types_as_ranking_does():
    """A 15-year-old without an order is placed in neither K3 nor K1, only in the foster home."""
    places = [
        placement("P-1", setting="supported", place_code="K3"),
        placement("P-2", setting="secure", place_code="K1", **where(0, 35)),
        placement("P-3", setting="foster", place_code="U4", **where(0, 40)),
    ]
    result = assign(batch([referral("R-1", people=people(15))], places))
    assert placed(result) == {"R-1": "P-3"}


def test_no_option_explanation_never_offers_to_relax_the_law():
    """With only unlawful options, the 'why no option' explanation offers no change."""
    ref = referral(people=people(15))
    full = foster(["C-1", "C-2", "C-3"], "P-2")
    c = case(ref=ref, placements=[placement(setting="supported", place_code="K3"), full])
    parsed = planner.parse_case(c, require="rank")
    policy = planner.effective_policy(parsed)
    assert parsed.referral is not None
    why = explain_no_option(planner.world_for(parsed, policy), parsed.referral, policy)
    assert why.changes == ()
    assert {b.code for b in why.binding} == {"unlawful_setting", "fostering_limit"}


def test_an_unplaced_referral_is_told_the_fostering_limit_binds_not_the_vacancies():
    """The referral left out is told the limit binds there, not offered 'one more vacancy'."""
    result = assign(batch([single("R-1"), single("R-2")], [foster(["C-1", "C-2"])]))
    out = result["unassigned"][0]["reasons"][0]
    assert out["code"] == "options_taken"
    assert "usual fostering limit" in out["detail"] and "more vacanc" not in out["detail"]
