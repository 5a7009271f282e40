"""`Panel.breaches`, the runtime guard `assign` checks every allocation with, fed allocations
that break each rule it guards: it must name every breach, and pass a lawful allocation."""

from __future__ import annotations

from typing import Any

import planner
from planner.panel import Panel, prepare_panel
from tests.unit.batch_builders import batch
from tests.unit.conftest import placement, referral, where, young_person


def panel_of(case: dict[str, Any]) -> Panel:
    parsed = planner.parse_case(case, require="assign")
    policy = planner.effective_policy(parsed)
    return prepare_panel(planner.world_for(parsed, policy), parsed.referrals, policy)


def pair(panel: Panel, referral_id: str, placement_id: str) -> tuple[int, int]:
    """(referral index, pair index) of a candidate pair; fails the test if it is not one."""
    r = panel.referral_index(referral_id)
    k = panel.pair_index(r, panel.world.index_of[placement_id])
    assert k is not None, f"{placement_id} should be an option for {referral_id}"
    return r, k


def single(id: str, **fields: Any) -> dict[str, Any]:
    return referral(id, people=[young_person(f"YP-{id}")], **fields)


def test_a_lawful_allocation_has_no_breach():
    """One referral at each of two placements with a place each: nothing to report."""
    panel = panel_of(batch([single("R-1"), single("R-2")], [placement("P-1"), placement("P-2", **where(0, 40))]))
    chosen = dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-2")])
    assert panel.breaches(chosen) == []
    assert panel.breaches({}) == []


def test_a_pair_that_is_not_the_referrals_option_is_named():
    """R-1 given R-2's pair (a pair index outside its own) is not one of its options."""
    panel = panel_of(batch([single("R-1"), single("R-2")], [placement("P-1", vacancies=2, capacity=2)]))
    r1 = panel.referral_index("R-1")
    _, k2 = pair(panel, "R-2", "P-1")
    assert panel.breaches({r1: k2}) == [f"R-1: pair {k2} is not one of its options"]


def test_an_excluded_placement_is_not_an_option():
    """A placement a hard rule excludes (here a worker's exclusion) has no pair: any pair index given is refused."""
    case = batch(
        [single("R-1", excluded_placements=[{"placement_id": "P-1", "reason": "Carer declined"}])],
        [placement("P-1"), placement("P-2", **where(0, 40))],
    )
    panel = panel_of(case)
    r = panel.referral_index("R-1")
    assert panel.pair_index(r, panel.world.index_of["P-1"]) is None
    assert panel.breaches({r: len(panel.pair_referral)}) == [
        f"R-1: pair {len(panel.pair_referral)} is not one of its options"
    ]


def test_more_young_people_than_vacancies_is_named():
    """Two referrals in a placement with one vacancy: the placement and both numbers are named."""
    panel = panel_of(batch([single("R-1"), single("R-2")], [placement("P-1", vacancies=1)]))
    chosen = dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-1")])
    assert panel.breaches(chosen) == ["P-1: 2 young people placed, 1 vacancies"]


def test_siblings_count_every_young_person_against_the_vacancies():
    """A sibling group of two and one more child in three places is fine; with two places it is not."""
    group = referral("R-1", people=[young_person("YP-a", age=14), young_person("YP-b", age=12)])
    for vacancies, expected in ((3, []), (2, ["P-1: 3 young people placed, 2 vacancies"])):
        panel = panel_of(batch([group, single("R-2")], [placement("P-1", vacancies=vacancies, capacity=3)]))
        chosen = dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-1")])
        assert panel.breaches(chosen) == expected


def test_a_solo_referral_sharing_is_named():
    """A solo referral and another referral in one placement, even with places to spare."""
    panel = panel_of(batch([single("R-1", solo=True), single("R-2")], [placement("P-1", vacancies=3, capacity=3)]))
    chosen = dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-1")])
    assert panel.breaches(chosen) == ["P-1: a solo referral shares with 1 other referrals"]


def test_young_people_to_keep_apart_in_one_placement_are_named():
    """R-1's young person must not live with R-2's: together in P-1 is a breach naming both referrals."""
    first = referral("R-1", people=[young_person("YP-1", avoid_people=["YP-2"])])
    second = referral("R-2", people=[young_person("YP-2")])
    panel = panel_of(batch([first, second], [placement("P-1", vacancies=2, capacity=2)]))
    chosen = dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-1")])
    assert panel.breaches(chosen) == ["P-1: R-1 and R-2 must be kept apart"]


def test_keeping_apart_goes_both_ways_and_only_in_one_placement():
    """Only the named side names the other, yet apart in two placements is fine."""
    first = referral("R-1", people=[young_person("YP-1")])
    second = referral("R-2", people=[young_person("YP-2", avoid_people=["YP-1"])])
    places = [placement("P-1", vacancies=2, capacity=2), placement("P-2", **where(0, 40))]
    panel = panel_of(batch([first, second], places))
    assert panel.breaches(dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-2")])) == []
    assert panel.breaches(dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-1")])) == [
        "P-1: R-1 and R-2 must be kept apart"
    ]


def test_every_breach_of_one_allocation_is_named():
    """An allocation breaking vacancies, solo and keep-apart at once lists all three."""
    first = referral("R-1", people=[young_person("YP-1", avoid_people=["YP-2"])], solo=True)
    second = referral("R-2", people=[young_person("YP-2")])
    panel = panel_of(batch([first, second], [placement("P-1", vacancies=1)]))
    # R-1 is solo and P-1 has one place: both are candidates on their own.
    chosen = dict([pair(panel, "R-1", "P-1"), pair(panel, "R-2", "P-1")])
    assert panel.breaches(chosen) == [
        "P-1: 2 young people placed, 1 vacancies",
        "P-1: a solo referral shares with 1 other referrals",
        "P-1: R-1 and R-2 must be kept apart",
    ]


def test_a_placement_fixed_for_one_referral_leaves_fewer_vacancies_for_the_rest():
    """After `with_placed`, the guard counts the places the fixed referral took."""
    panel = panel_of(batch([single("R-1"), single("R-2")], [placement("P-1", vacancies=2, capacity=2)]))
    r1, k1 = pair(panel, "R-1", "P-1")
    rest = panel.with_placed(r1, k1)
    r2 = rest.referral_index("R-2")
    k2 = rest.pair_index(r2, rest.world.index_of["P-1"])
    assert k2 is not None
    assert rest.breaches({r2: k2}) == []
    assert int(rest.vacancies[rest.world.index_of["P-1"]]) == 1
