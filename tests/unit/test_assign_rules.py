"""Batch allocation, rule by rule: a batch where the rule forces a referral out, and one where it does not."""

from __future__ import annotations

from tests.unit.batch_builders import assign, batch, placed, reasons
from tests.unit.conftest import placement, referral, where, young_person


def person(id: str, **fields) -> dict:
    return young_person(id, **fields)


def single(id: str, needed_by: str = "later", **fields) -> dict:
    return referral(id, people=[person(f"YP-{id}")], needed_by=needed_by, **fields)


def codes(result: dict, referral_id: str) -> list[str]:
    return [r["code"] for r in reasons(result, referral_id)]


# --- vacancies shared across referrals --------------------------------------------------


def test_one_vacancy_places_one_of_two_referrals():
    """Two referrals for a placement with one vacancy: one is placed, the other is told who took it."""
    result = assign(batch([single("R-1"), single("R-2")], [placement("P-1", vacancies=1)]))
    assert len(result["assignments"]) == 1
    out = next(u["referral_id"] for u in result["unassigned"])
    assert codes(result, out) == ["options_taken"]
    taker = result["assignments"][0]["referral_id"]
    assert reasons(result, out)[0]["referral_ids"] == [taker]
    assert "one more vacancy" in reasons(result, out)[0]["detail"].lower()
    assert result["status"] == "optimal"


def test_two_vacancies_place_both_referrals():
    """With two vacancies the same two referrals are both placed there."""
    result = assign(batch([single("R-1"), single("R-2")], [placement("P-1", vacancies=2, capacity=2)]))
    assert placed(result) == {"R-1": "P-1", "R-2": "P-1"}
    assert result["unassigned"] == []


# --- sibling groups placed together -----------------------------------------------------


def siblings(id: str, needed_by: str = "later") -> dict:
    return referral(id, people=[person(f"{id}-a", age=14), person(f"{id}-b", age=12)], needed_by=needed_by)


def test_siblings_are_never_split_across_placements():
    """Two single vacancies do not place a sibling group of two: it needs both places in one placement."""
    result = assign(batch([siblings("R-1")], [placement("P-1"), placement("P-2", **where(0, 40))]))
    assert result["assignments"] == []
    assert codes(result, "R-1") == ["no_feasible_placement"]


def test_siblings_take_as_many_places_as_young_people():
    """A group of two takes two of three places, leaving one for another referral."""
    result = assign(batch([siblings("R-1"), single("R-2")], [placement("P-1", vacancies=3, capacity=3)]))
    assert placed(result) == {"R-1": "P-1", "R-2": "P-1"}


def test_siblings_and_a_more_urgent_child_compete_for_two_places():
    """Two places: a 'later' sibling pair (2 points) loses to a child needed today (3 points)."""
    result = assign(batch([siblings("R-1"), single("R-2", "today")], [placement("P-1", vacancies=2, capacity=2)]))
    assert placed(result) == {"R-2": "P-1"}
    assert reasons(result, "R-1")[0]["referral_ids"] == ["R-2"]
    assert "needed today" in reasons(result, "R-1")[0]["detail"]


# --- avoid_people across referrals -----------------------------------------------------


def test_young_people_to_keep_apart_are_not_placed_together():
    """R-1's young person must not live with R-2's: they cannot share a placement, even with room."""
    r1 = referral("R-1", people=[person("YP-1", avoid_people=["YP-2"])])
    r2 = referral("R-2", people=[person("YP-2")])
    result = assign(batch([r1, r2], [placement("P-1", vacancies=2, capacity=2)]))
    assert len(result["assignments"]) == 1
    out = result["unassigned"][0]
    assert out["reasons"][0]["code"] == "options_taken"
    assert "kept apart" in out["reasons"][0]["detail"]


def test_keeping_apart_goes_both_ways_and_other_placements_still_work():
    """Named only by R-2, the pair is still kept apart; a second placement takes the other."""
    r1 = referral("R-1", people=[person("YP-1")])
    r2 = referral("R-2", people=[person("YP-2", avoid_people=["YP-1"])])
    result = assign(batch([r1, r2], [placement("P-1", vacancies=2, capacity=2), placement("P-2", **where(0, 50))]))
    assert set(placed(result)) == {"R-1", "R-2"}
    assert placed(result)["R-1"] != placed(result)["R-2"]


def test_people_who_need_not_be_kept_apart_share():
    """Without avoid_people the same two referrals share the two places."""
    result = assign(batch([single("R-1"), single("R-2")], [placement("P-1", vacancies=2, capacity=2)]))
    assert len(result["assignments"]) == 2


def test_a_resident_to_keep_apart_excludes_the_placement():
    """avoid_people naming a current resident is the per-pair rule resident_conflict."""
    r1 = referral("R-1", people=[person("YP-1", avoid_people=["C-9"])])
    result = assign(batch([r1], [placement("P-1", residents=["C-9"], vacancies=1, capacity=2)]))
    assert result["assignments"] == []
    assert codes(result, "R-1") == ["no_feasible_placement"]
    assert "resident" in reasons(result, "R-1")[0]["detail"]


# --- solo ------------------------------------------------------------------------------------


def test_a_solo_referral_takes_its_placement_alone():
    """A solo referral's placement takes no other referral, even with a second vacancy."""
    result = assign(
        batch([single("R-1", "today", solo=True), single("R-2")], [placement("P-1", vacancies=2, capacity=2)])
    )
    assert placed(result) == {"R-1": "P-1"}
    assert reasons(result, "R-2")[0]["referral_ids"] == ["R-1"]


def test_without_solo_both_share():
    """The same batch without solo places both."""
    result = assign(batch([single("R-1", "today"), single("R-2")], [placement("P-1", vacancies=2, capacity=2)]))
    assert len(result["assignments"]) == 2


# --- urgency priority and the lexicographic objective ---------------------------------------


def test_the_child_needed_today_gets_the_only_place():
    """One place: the referral needed today is placed, whatever the order in the case."""
    result = assign(batch([single("R-1", "later"), single("R-2", "today")], [placement("P-1")]))
    assert placed(result) == {"R-2": "P-1"}


def test_urgency_comes_before_score():
    """A better-scoring option for a 'later' referral never outranks placing a child needed today."""
    good = placement("P-1", ofsted_rating="outstanding")
    result = assign(
        batch(
            [
                single("R-1", "later", required_specialisms=["therapeutic"]),
                single("R-2", "today"),
            ],
            [{**good, "specialisms": ["therapeutic"]}],
        )
    )
    assert placed(result) == {"R-2": "P-1"}


def test_equal_urgency_goes_to_the_better_total_score():
    """Two referrals, two placements: the allocation with the larger score total is chosen."""
    near = placement("P-1", ofsted_rating="outstanding")
    far = placement("P-2", **where(0, 60), ofsted_rating="requires_improvement")
    only_near = single("R-1", max_km_from_home=40)  # can only use P-1
    either = single("R-2")
    result = assign(batch([either, only_near], [near, far]))
    assert placed(result) == {"R-1": "P-1", "R-2": "P-2"}
    assert result["status"] == "optimal"
    assert result["gap"] == 0
