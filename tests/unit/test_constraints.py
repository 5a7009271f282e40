"""The hard constraints: each reason code excludes when its rule applies, and only then."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from planner import CaseError
from tests.unit.conftest import (
    AS_OF,
    REASON_CODES,
    area,
    case,
    codes,
    engine_km,
    exclusion,
    group,
    option,
    option_ids,
    placement,
    rank,
    referral,
    risk_location,
    support_link,
    where,
    young_person,
)

YESTERDAY = "2026-05-31"
assert AS_OF == "2026-06-01"


def assert_plain_english(detail: str) -> None:
    assert isinstance(detail, str)
    assert len(detail) > 10
    assert " " in detail
    assert "_" not in detail, f"a code leaked into the wording: {detail!r}"
    assert re.search(r"[A-Za-z]{3}", detail)


def assert_excluded_by(result: dict[str, Any], pid: str, code: str) -> str:
    """The placement is excluded with exactly `code`; returns the detail."""
    assert pid not in option_ids(result)
    reasons = exclusion(result, pid)
    assert [r["code"] for r in reasons] == [code]
    assert_plain_english(reasons[0]["detail"])
    return reasons[0]["detail"]


def assert_option(result: dict[str, Any], pid: str) -> None:
    assert codes(result, pid) == []
    assert pid in option_ids(result)


def with_groups(**person: Any) -> dict[str, Any]:
    return referral(people=[young_person(groups=["G-1"], **person)])


GROUPS = [group("G-1"), group("G-other")]


# --- no_vacancy ------------------------------------------------------------------------


def test_no_vacancy_excludes_a_full_placement():
    """A placement with no free place is excluded as no_vacancy."""
    result = rank(case(placements=[placement(vacancies=0)]))
    detail = assert_excluded_by(result, "P-1", "no_vacancy")
    assert "0 places free" in detail


def test_no_vacancy_allows_exactly_as_many_places_as_young_people():
    """One vacancy is enough for one young person (vacancies == people is fine)."""
    assert_option(rank(case(placements=[placement(vacancies=1)])), "P-1")


def test_no_vacancy_sibling_group_of_two_needs_two_places():
    """A sibling group of two is excluded from a single vacancy and fits two."""
    siblings = referral(people=[young_person("YP-1"), young_person("YP-2", age=13)])
    result = rank(case(ref=siblings, placements=[placement("P-1", vacancies=1), placement("P-2", vacancies=2)]))
    detail = assert_excluded_by(result, "P-1", "no_vacancy")
    assert "2 young people" in detail
    assert_option(result, "P-2")


# --- setting_unsuitable ------------------------------------------------------------------


def test_setting_unsuitable_excludes_a_setting_marked_unsuitable():
    """Foster care marked unsuitable in the referral excludes a foster placement."""
    result = rank(case(ref=referral(settings={"foster": "unsuitable"}), placements=[placement()]))
    detail = assert_excluded_by(result, "P-1", "setting_unsuitable")
    assert "Foster care" in detail


def test_setting_unsuitable_keeps_other_settings():
    """Marking foster unsuitable leaves a residential placement as an option."""
    result = rank(case(ref=referral(settings={"foster": "unsuitable"}), placements=[placement(setting="residential")]))
    assert_option(result, "P-1")


# --- unlawful_setting ----------------------------------------------------------------------


def test_unlawful_setting_excludes_supported_accommodation_for_a_15_year_old():
    """Supported accommodation is unlawful for anyone under 16."""
    result = rank(case(ref=referral(people=[young_person(age=15)]), placements=[placement(setting="supported")]))
    detail = assert_excluded_by(result, "P-1", "unlawful_setting")
    assert "15" in detail


def test_unlawful_setting_allows_supported_accommodation_at_16():
    """A 16-year-old may be placed in supported accommodation."""
    result = rank(case(ref=referral(people=[young_person(age=16)]), placements=[placement(setting="supported")]))
    assert_option(result, "P-1")


def test_unlawful_setting_applies_if_any_sibling_is_under_16():
    """A sibling group with one 15-year-old cannot go to supported accommodation."""
    siblings = referral(people=[young_person("YP-1", age=17), young_person("YP-2", age=15)])
    result = rank(case(ref=siblings, placements=[placement(setting="supported", vacancies=2)]))
    assert "YP-2 is 15" in assert_excluded_by(result, "P-1", "unlawful_setting")


# --- age_out_of_range --------------------------------------------------------------------


def test_age_out_of_range_excludes_a_child_younger_than_age_min():
    """A 15-year-old is excluded from a placement taking 16 and over."""
    result = rank(case(placements=[placement(age_min=16)]))
    detail = assert_excluded_by(result, "P-1", "age_out_of_range")
    assert "16 to 17" in detail


def test_age_out_of_range_bounds_are_inclusive():
    """A child whose age equals both age_min and age_max is accepted."""
    assert_option(rank(case(placements=[placement(age_min=15, age_max=15)])), "P-1")


def test_age_out_of_range_excludes_a_child_older_than_age_max():
    """A 15-year-old is excluded from a placement taking up to 14."""
    assert_excluded_by(rank(case(placements=[placement(age_max=14)])), "P-1", "age_out_of_range")


# --- sex_not_accepted --------------------------------------------------------------------


def test_sex_not_accepted_excludes_a_boy_from_a_girls_only_placement():
    """A placement taking only girls excludes a boy."""
    result = rank(case(placements=[placement(sexes=["female"])]))
    detail = assert_excluded_by(result, "P-1", "sex_not_accepted")
    assert "YP-1 is male" in detail


def test_sex_not_accepted_keeps_placements_taking_the_childs_sex():
    """Placements taking boys, or not saying, keep a boy as an option."""
    result = rank(case(placements=[placement("P-1", sexes=["male", "female"]), placement("P-2")]))
    assert_option(result, "P-1")
    assert_option(result, "P-2")


def test_sex_not_accepted_applies_to_any_sibling():
    """A brother and sister cannot go together to a girls-only placement."""
    siblings = referral(people=[young_person("YP-1", sex="female"), young_person("YP-2", sex="male")])
    result = rank(case(ref=siblings, placements=[placement(sexes=["female"], vacancies=2)]))
    assert "YP-2 is male" in assert_excluded_by(result, "P-1", "sex_not_accepted")


def test_sex_not_accepted_detail_is_truthful_for_a_placement_taking_no_sex():
    """An empty `sexes` list excludes a boy and the detail does not claim it takes boys."""
    result = rank(case(placements=[placement(sexes=[])]))
    detail = assert_excluded_by(result, "P-1", "sex_not_accepted")
    assert "male and female" not in detail
    assert "YP-1 is male" in detail


# --- missing_specialism ------------------------------------------------------------------


def test_missing_specialism_excludes_a_placement_lacking_one_required_specialism():
    """The placement must offer every required specialism; the missing one is named."""
    ref = referral(required_specialisms=["therapeutic", "disability"])
    result = rank(case(ref=ref, placements=[placement(specialisms=["therapeutic"])]))
    detail = assert_excluded_by(result, "P-1", "missing_specialism")
    assert "disability" in detail
    assert "therapeutic" not in detail


def test_missing_specialism_keeps_a_placement_offering_every_required_one():
    """A placement offering all required specialisms (and more) is an option."""
    ref = referral(required_specialisms=["therapeutic", "disability"])
    result = rank(case(ref=ref, placements=[placement(specialisms=["disability", "remand", "therapeutic"])]))
    assert_option(result, "P-1")


# --- near_linked_area ----------------------------------------------------------------------


def test_near_linked_area_excludes_a_placement_5_km_from_the_childs_group_area():
    """An area of the child's own group 5 km away is inside the 20 km buffer."""
    linked = area(groups=["G-1"], **where(0, 25))
    result = rank(case(ref=with_groups(), placements=[placement()], areas=[linked], groups=GROUPS))
    detail = assert_excluded_by(result, "P-1", "near_linked_area")
    assert "Area A-1" in detail
    assert "Group G-1" in detail
    assert "20 km" in detail


def test_near_linked_area_keeps_a_placement_beyond_the_buffer():
    """The same linked area 25 km away leaves the placement as an option."""
    linked = area(groups=["G-1"], **where(0, 5))
    result = rank(case(ref=with_groups(), placements=[placement()], areas=[linked], groups=GROUPS))
    assert_option(result, "P-1")
    assert option(result, "P-1")["facts"]["nearest_linked_id"] == "A-1"


def test_near_linked_area_ignores_areas_of_unrelated_groups():
    """An area of a group the child has no link to is not a linked area."""
    other = area(groups=["G-other"], **where(0, 30))
    result = rank(case(ref=with_groups(), placements=[placement()], areas=[other], groups=GROUPS))
    assert_option(result, "P-1")
    assert option(result, "P-1")["facts"]["nearest_linked_id"] is None


def test_near_linked_area_measures_from_the_edge_of_the_area():
    """An area centre 25 km away with a 6 km radius is 19 km away: inside the buffer."""
    linked = area(groups=["G-1"], radius_km=6, **where(0, 5))
    result = rank(case(ref=with_groups(), placements=[placement()], areas=[linked], groups=GROUPS))
    assert_excluded_by(result, "P-1", "near_linked_area")


def test_near_linked_area_edge_exactly_at_the_buffer_is_not_excluded():
    """Edge distance exactly 20 km is allowed (the rule is strictly less than)."""
    p = placement()
    centre = where(0, 0)
    d = engine_km(p, centre)
    assert 20 <= d <= 40  # so that d - (d - 20) is exactly 20 in floating point
    radius = d - 20.0
    assert d - radius == 20.0
    linked = area(groups=["G-1"], radius_km=radius, **centre)
    result = rank(case(ref=with_groups(), placements=[p], areas=[linked], groups=GROUPS))
    assert_option(result, "P-1")
    assert option(result, "P-1")["facts"]["nearest_linked_km"] == 20.0


def test_near_linked_area_edge_just_inside_the_buffer_is_excluded():
    """Edge distance a hair under 20 km is excluded."""
    p = placement()
    centre = where(0, 0)
    d = engine_km(p, centre)
    radius = d - 20.0 + 1e-9
    assert d - radius < 20.0
    linked = area(groups=["G-1"], radius_km=radius, **centre)
    result = rank(case(ref=with_groups(), placements=[p], areas=[linked], groups=GROUPS))
    assert_excluded_by(result, "P-1", "near_linked_area")


def test_near_linked_area_child_in_named_rival_is_kept_from_the_namers_areas():
    """If A names B as a rival, a child in B is kept away from A's areas."""
    groups = [group("G-A", rivals=["G-B"]), group("G-B")]
    ref = referral(people=[young_person(groups=["G-B"])])
    result = rank(case(ref=ref, placements=[placement()], areas=[area(groups=["G-A"], **where(0, 25))], groups=groups))
    detail = assert_excluded_by(result, "P-1", "near_linked_area")
    assert "rival" in detail


def test_near_linked_area_child_in_the_naming_group_is_kept_from_the_rivals_areas():
    """If A names B as a rival, a child in A is kept away from B's areas."""
    groups = [group("G-A", rivals=["G-B"]), group("G-B")]
    ref = referral(people=[young_person(groups=["G-A"])])
    result = rank(case(ref=ref, placements=[placement()], areas=[area(groups=["G-B"], **where(0, 25))], groups=groups))
    assert_excluded_by(result, "P-1", "near_linked_area")


def test_near_linked_area_rival_of_a_rival_is_not_linked():
    """Rivalry links one step only: a rival's rival's area is not a linked area."""
    groups = [group("G-A", rivals=["G-B"]), group("G-B", rivals=["G-C"]), group("G-C")]
    ref = referral(people=[young_person(groups=["G-A"])])
    result = rank(case(ref=ref, placements=[placement()], areas=[area(groups=["G-C"], **where(0, 25))], groups=groups))
    assert_option(result, "P-1")


def test_near_linked_area_ignores_an_expired_area_and_warns():
    """An area past its review date is not used, and the ranking lists it under warnings."""
    stale = area(groups=["G-1"], review_by=YESTERDAY, **where(0, 25))
    result = rank(case(ref=with_groups(), placements=[placement()], areas=[stale], groups=GROUPS))
    assert_option(result, "P-1")
    assert [w["area_id"] for w in result["warnings"]] == ["A-1"]
    assert result["warnings"][0]["detail"]


def test_near_linked_area_uses_an_area_on_its_review_date():
    """An area whose review date is the case's date is still in date and used."""
    current = area(groups=["G-1"], review_by=AS_OF, **where(0, 25))
    result = rank(case(ref=with_groups(), placements=[placement()], areas=[current], groups=GROUPS))
    assert_excluded_by(result, "P-1", "near_linked_area")
    assert result["warnings"] == []


def test_near_linked_area_uses_an_expired_area_when_policy_allows():
    """With use_expired_intelligence an expired linked area excludes, with no 'ignored' warning."""
    stale = area(groups=["G-1"], review_by=YESTERDAY, **where(0, 25))
    c = case(
        ref=with_groups(),
        placements=[placement()],
        areas=[stale],
        groups=GROUPS,
        policy={"use_expired_intelligence": True},
    )
    result = rank(c)
    assert_excluded_by(result, "P-1", "near_linked_area")
    assert not [w for w in result["warnings"] if w["area_id"] == "A-1"]


def test_near_linked_area_buffer_follows_the_policy():
    """A wider policy buffer excludes a placement the default buffer allows."""
    linked = area(groups=["G-1"], **where(0, 5))
    c = case(
        ref=with_groups(),
        placements=[placement()],
        areas=[linked],
        groups=GROUPS,
        policy={"min_km_from_linked_areas": 30},
    )
    assert "30 km" in assert_excluded_by(rank(c), "P-1", "near_linked_area")


# --- near_risk_location --------------------------------------------------------------------


def test_near_risk_location_excludes_a_placement_near_where_the_child_was_found():
    """A personal risk location 3 km away is inside the 20 km buffer."""
    person = young_person(risk_locations=[risk_location(label="Found while missing", **where(0, 27))])
    result = rank(case(ref=referral(people=[person]), placements=[placement()]))
    detail = assert_excluded_by(result, "P-1", "near_risk_location")
    assert "Found while missing" in detail


def test_near_risk_location_keeps_a_placement_beyond_the_buffer():
    """A personal risk location 25 km away leaves the placement as an option."""
    person = young_person(risk_locations=[risk_location(**where(0, 55))])
    result = rank(case(ref=referral(people=[person]), placements=[placement()]))
    assert_option(result, "P-1")


def test_near_risk_location_measures_from_the_edge_of_its_radius():
    """A risk location 25 km away with a 6 km radius is inside the buffer."""
    person = young_person(risk_locations=[risk_location(radius_km=6, **where(0, 55))])
    result = rank(case(ref=referral(people=[person]), placements=[placement()]))
    assert_excluded_by(result, "P-1", "near_risk_location")


def test_near_risk_location_edge_exactly_at_the_buffer_is_not_excluded():
    """Edge distance exactly 20 km from a risk location is allowed."""
    p = placement()
    centre = where(0, 0)
    d = engine_km(p, centre)
    radius = d - 20.0
    assert d - radius == 20.0
    person = young_person(risk_locations=[risk_location(radius_km=radius, **centre)])
    result = rank(case(ref=referral(people=[person]), placements=[p]))
    assert_option(result, "P-1")
    assert option(result, "P-1")["facts"]["nearest_risk_location_km"] == 20.0


def test_near_risk_location_counts_every_siblings_risk_locations():
    """A risk location recorded for the second sibling excludes as well."""
    people = [
        young_person("YP-1", risk_locations=[risk_location("RL-1", **where(0, -60))]),
        young_person("YP-2", risk_locations=[risk_location("RL-2", **where(0, 30))]),
    ]
    result = rank(case(ref=referral(people=people), placements=[placement(vacancies=2)]))
    assert_excluded_by(result, "P-1", "near_risk_location")


def test_near_risk_location_siblings_with_different_records_under_one_id_are_refused():
    """Two different risk locations sharing an id would be ambiguous in the output: the case is refused."""
    people = [
        young_person("YP-1", risk_locations=[risk_location("RL-1", **where(0, -60))]),
        young_person("YP-2", risk_locations=[risk_location("RL-1", **where(0, 30))]),
    ]
    with pytest.raises(CaseError) as error:
        rank(case(ref=referral(people=people), placements=[placement(vacancies=2)]))
    assert error.value.problems == [
        "referral.young_people[1].risk_locations[0].id: 'RL-1' already names a different record in this referral"
    ]


def test_near_risk_location_siblings_sharing_one_record_keep_away_from_it():
    """A risk location recorded the same for both siblings counts once and still excludes."""
    shared = risk_location("RL-1", **where(0, 30))
    people = [young_person("YP-1", risk_locations=[shared]), young_person("YP-2", risk_locations=[shared])]
    result = rank(case(ref=referral(people=people), placements=[placement(vacancies=2)]))
    assert_excluded_by(result, "P-1", "near_risk_location")


# --- in_high_severity_area ----------------------------------------------------------------


def test_in_high_severity_area_excludes_a_placement_inside_an_unlinked_high_area():
    """A high-severity area excludes whoever it is linked to."""
    high = area(severity="high", radius_km=2, **where(0, 29))
    result = rank(case(placements=[placement()], areas=[high]))
    detail = assert_excluded_by(result, "P-1", "in_high_severity_area")
    assert "Area A-1" in detail


def test_in_high_severity_area_does_not_apply_to_medium_areas():
    """The same area at medium severity does not exclude an unlinked placement."""
    medium = area(severity="medium", radius_km=2, **where(0, 29))
    assert_option(rank(case(placements=[placement()], areas=[medium])), "P-1")


def test_in_high_severity_area_edge_exactly_at_the_buffer_is_not_excluded():
    """Edge distance exactly 1 km from a high-severity area is allowed."""
    p = placement()
    centre = where(0, 28.5)
    d = engine_km(p, centre)
    assert 1 <= d <= 2
    radius = d - 1.0
    assert d - radius == 1.0
    result = rank(case(placements=[p], areas=[area(severity="high", radius_km=radius, **centre)]))
    assert_option(result, "P-1")
    assert option(result, "P-1")["facts"]["nearest_high_severity_km"] == 1.0


def test_in_high_severity_area_just_inside_the_buffer_is_excluded():
    """Edge distance a hair under 1 km from a high-severity area is excluded."""
    p = placement()
    centre = where(0, 28.5)
    radius = engine_km(p, centre) - 1.0 + 1e-9
    result = rank(case(placements=[p], areas=[area(severity="high", radius_km=radius, **centre)]))
    assert_excluded_by(result, "P-1", "in_high_severity_area")


def test_in_high_severity_area_expired_area_is_ignored_and_listed():
    """An expired high-severity area does not exclude and is listed in warnings."""
    high = area(severity="high", radius_km=2, review_by=YESTERDAY, **where(0, 29))
    result = rank(case(placements=[placement()], areas=[high]))
    assert_option(result, "P-1")
    assert [w["area_id"] for w in result["warnings"]] == ["A-1"]


# --- resident_conflict --------------------------------------------------------------------


def test_resident_conflict_excludes_a_placement_where_someone_to_avoid_lives():
    """A resident the child must not live with excludes the placement."""
    ref = referral(people=[young_person(avoid_people=["YP-9"])])
    result = rank(case(ref=ref, placements=[placement(residents=["YP-8", "YP-9"])]))
    detail = assert_excluded_by(result, "P-1", "resident_conflict")
    assert "YP-9" in detail
    assert "YP-8" not in detail


def test_resident_conflict_keeps_a_placement_with_other_residents():
    """Residents the child need not avoid are no conflict."""
    ref = referral(people=[young_person(avoid_people=["YP-9"])])
    assert_option(rank(case(ref=ref, placements=[placement(residents=["YP-8"])])), "P-1")


def test_resident_conflict_applies_to_any_siblings_avoid_list():
    """The second sibling's avoid list counts too."""
    people = [young_person("YP-1"), young_person("YP-2", avoid_people=["YP-9"])]
    result = rank(case(ref=referral(people=people), placements=[placement(vacancies=2, residents=["YP-9"])]))
    assert_excluded_by(result, "P-1", "resident_conflict")


# --- not_solo -------------------------------------------------------------------------------


def test_not_solo_excludes_a_placement_with_residents_when_solo_is_recommended():
    """Solo recommended: a placement where a child already lives is excluded."""
    result = rank(case(ref=referral(solo=True), placements=[placement(residents=["YP-8"])]))
    detail = assert_excluded_by(result, "P-1", "not_solo")
    assert "1 child already lives" in detail


def test_not_solo_keeps_an_empty_placement():
    """Solo recommended: a placement with nobody living there is an option."""
    assert_option(rank(case(ref=referral(solo=True), placements=[placement()])), "P-1")


def test_not_solo_does_not_apply_without_the_recommendation():
    """Without solo, residents are no reason to exclude."""
    assert_option(rank(case(ref=referral(solo=False), placements=[placement(residents=["YP-8"])])), "P-1")


# --- support_out_of_reach -------------------------------------------------------------------


def ref_with_support(**link: Any) -> dict[str, Any]:
    return referral(people=[young_person(support=[support_link(**link)])])


def test_support_out_of_reach_excludes_a_placement_beyond_a_links_max_km():
    """A support link at home with max_km 10 excludes a placement 30 km away."""
    result = rank(case(ref=ref_with_support(label="Mum", max_km=10), placements=[placement()]))
    detail = assert_excluded_by(result, "P-1", "support_out_of_reach")
    assert "Mum" in detail
    assert "6.2 miles (10.0 km)" in detail


def test_support_out_of_reach_keeps_a_placement_within_max_km():
    """The same link with max_km 40 is within reach."""
    assert_option(rank(case(ref=ref_with_support(max_km=40), placements=[placement()])), "P-1")


def test_support_out_of_reach_applies_whatever_the_importance():
    """A helpful link's max_km is still a hard limit."""
    ref = ref_with_support(importance="helpful", kind="mentor", max_km=10)
    assert_excluded_by(rank(case(ref=ref, placements=[placement()])), "P-1", "support_out_of_reach")


def test_support_out_of_reach_exactly_at_max_km_is_not_excluded():
    """A placement exactly max_km from the link is within reach (the rule is 'further than')."""
    p = placement()
    d = engine_km(p, where())
    assert_option(rank(case(ref=ref_with_support(max_km=d), placements=[p])), "P-1")
    shorter = math.nextafter(d, 0)
    assert_excluded_by(rank(case(ref=ref_with_support(max_km=shorter), placements=[p])), "P-1", "support_out_of_reach")


# --- too_far_from_home ---------------------------------------------------------------------


def test_too_far_from_home_excludes_beyond_the_referrals_limit():
    """A placement about 30 km from home is too far under a 10 km limit."""
    result = rank(case(ref=referral(max_km_from_home=10), placements=[placement()]))
    detail = assert_excluded_by(result, "P-1", "too_far_from_home")
    assert "from home" in detail


def test_too_far_from_home_keeps_a_placement_within_the_limit():
    """The same placement is an option under a 40 km limit."""
    assert_option(rank(case(ref=referral(max_km_from_home=40), placements=[placement()])), "P-1")


def test_too_far_from_home_exactly_at_the_limit_is_not_excluded():
    """Exactly max_km_from_home away is allowed (the rule is 'further than')."""
    p = placement()
    d = engine_km(p, where())
    assert_option(rank(case(ref=referral(max_km_from_home=d), placements=[p])), "P-1")
    shorter = math.nextafter(d, 0)
    assert_excluded_by(rank(case(ref=referral(max_km_from_home=shorter), placements=[p])), "P-1", "too_far_from_home")


def test_too_far_from_home_applies_to_any_siblings_home():
    """A sibling whose home is further away can make the placement too far."""
    people = [young_person("YP-1"), young_person("YP-2", home=where(0, -30))]
    ref = referral(people=people, max_km_from_home=40)
    result = rank(case(ref=ref, placements=[placement(vacancies=2)]))
    assert_excluded_by(result, "P-1", "too_far_from_home")


# --- inadequate_provider -------------------------------------------------------------------


def test_inadequate_provider_excludes_an_inadequate_rating():
    """A placement rated inadequate is excluded by default."""
    result = rank(case(placements=[placement(ofsted_rating="inadequate")]))
    assert "inadequate" in assert_excluded_by(result, "P-1", "inadequate_provider")


def test_inadequate_provider_keeps_other_ratings():
    """A placement that requires improvement is still an option."""
    assert_option(rank(case(placements=[placement(ofsted_rating="requires_improvement")])), "P-1")


def test_inadequate_provider_allowed_by_policy():
    """With allow_inadequate an inadequate placement is an option."""
    c = case(placements=[placement(ofsted_rating="inadequate")], policy={"allow_inadequate": True})
    assert_option(rank(c), "P-1")


# --- excluded_by_worker ---------------------------------------------------------------------


def test_excluded_by_worker_excludes_with_the_workers_reason():
    """A placement a worker excluded is excluded, and the reason is kept."""
    ref = referral(excluded_placements=[{"placement_id": "P-1", "reason": "Carers asked for a break"}])
    result = rank(case(ref=ref, placements=[placement("P-1"), placement("P-2")]))
    assert "Carers asked for a break" in assert_excluded_by(result, "P-1", "excluded_by_worker")
    assert_option(result, "P-2")


def test_excluded_by_worker_does_not_apply_without_an_exclusion():
    """Without a worker's exclusion the placement is an option."""
    assert_option(rank(case(ref=referral(excluded_placements=[]), placements=[placement()])), "P-1")


# --- several at once --------------------------------------------------------------------------


def test_a_placement_failing_three_rules_lists_all_three_in_table_order():
    """Every code that applies is listed, not just the first, in the contract's order."""
    p = placement(vacancies=0, age_min=16, ofsted_rating="inadequate")
    reasons = exclusion(rank(case(placements=[p])), "P-1")
    assert [r["code"] for r in reasons] == ["no_vacancy", "age_out_of_range", "inadequate_provider"]
    for r in reasons:
        assert_plain_english(r["detail"])


# A placement is supported accommodation, a secure home or a foster household, never two.
SETTING_SPECIFIC = ("no_secure_order", "fostering_limit")


def test_a_placement_failing_every_rule_lists_all_fifteen_codes():
    """A placement breaking every rule but the two that need another setting lists all fifteen
    codes in table order."""
    here = where(0, 30)
    person = young_person(
        age=15,
        groups=["G-1"],
        avoid_people=["YP-9"],
        risk_locations=[risk_location(**here)],
        support=[support_link(max_km=1)],
    )
    ref = referral(
        people=[person],
        settings={"supported": "unsuitable"},
        required_specialisms=["remand"],
        solo=True,
        max_km_from_home=1,
        excluded_placements=[{"placement_id": "P-1", "reason": "Worker said no"}],
    )
    p = placement(
        setting="supported",
        vacancies=0,
        age_min=16,
        sexes=["female"],
        residents=["YP-9"],
        ofsted_rating="inadequate",
    )
    result = rank(case(ref=ref, placements=[p], areas=[area(groups=["G-1"], severity="high", **here)], groups=GROUPS))
    reasons = exclusion(result, "P-1")
    expected = [code for code in REASON_CODES if code not in SETTING_SPECIFIC]
    assert [r["code"] for r in reasons] == expected
    for r in reasons:
        assert_plain_english(r["detail"])
    assert result["summary"]["excluded_by_reason"] == dict.fromkeys(expected, 1)
    assert result["summary"]["feasible"] == 0
    assert result["options"] == []


def test_summary_counts_each_reason_over_the_excluded_placements():
    """excluded_by_reason counts placements per code, and only codes that occurred."""
    placements = [
        placement("P-1", vacancies=0),
        placement("P-2", vacancies=0, ofsted_rating="inadequate"),
        placement("P-3"),
    ]
    result = rank(case(placements=placements))
    assert result["summary"]["excluded_by_reason"] == {"no_vacancy": 2, "inadequate_provider": 1}
    assert result["summary"]["feasible"] == 1
    assert [e["placement_id"] for e in result["excluded"]] == ["P-1", "P-2"]


def test_support_links_with_one_id_but_different_records_are_refused():
    """Two siblings' different support links under one id would lose a max_km silently: the case is refused."""
    people = [
        young_person("YP-1", support=[support_link("S-1", max_km=100)]),
        young_person("YP-2", support=[support_link("S-1", max_km=10, **where(0, -5))]),
    ]
    with pytest.raises(CaseError) as error:
        rank(case(ref=referral(people=people), placements=[placement(vacancies=2)]))
    assert "referral.young_people[1].support[0].id" in error.value.problems[0]


def test_a_support_link_shared_by_siblings_counts_once():
    """The same link recorded for both siblings scores as one link, as for an only child."""
    mum = support_link("S-1", label="Mum", importance="essential", visits_per_month=4)
    alone = rank(case(ref=referral(people=[young_person("YP-1", support=[mum])]), placements=[placement()]))
    together = rank(
        case(
            ref=referral(people=[young_person("YP-1", support=[mum]), young_person("YP-2", support=[mum])]),
            placements=[placement(vacancies=2)],
        )
    )
    assert option(together, "P-1")["facts"]["support_km"] == option(alone, "P-1")["facts"]["support_km"]
    assert option(together, "P-1")["components"]["support"] == option(alone, "P-1")["components"]["support"]
