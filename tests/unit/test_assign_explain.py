"""Why a referral has no option (binding rules, smallest changes) and what a choice costs the others."""

from __future__ import annotations

from typing import Any

import planner
from planner.cost_to_others import cost_to_others, costs_to_others
from planner.explain import explain_no_option
from tests.unit.batch_builders import assign, batch, reasons
from tests.unit.conftest import area, case, group, placement, referral, where, young_person

TRAFFORD = "E08000009"


def explained(c: dict[str, Any]) -> dict[str, Any]:
    parsed = planner.parse_case(c, require="rank")
    policy = planner.effective_policy(parsed)
    assert parsed.referral is not None
    return explain_no_option(planner.world_for(parsed, policy), parsed.referral, policy).to_dict()


def gang_case(**placement_fields: Any) -> dict[str, Any]:
    """A boy linked to G-1, whose area is at his home; placements about 14.5 and 14.8 km away."""
    return case(
        ref=referral(people=[young_person(groups=["G-1"])]),
        placements=[
            placement("P-1", **where(0, 14.5), **placement_fields),
            placement("P-2", **where(0, -14.8), **placement_fields),
        ],
        areas=[area("A-1", groups=["G-1"])],
        groups=[group("G-1")],
    )


def test_a_buffer_that_binds_is_named_with_the_smallest_lowering():
    """Both placements fall inside the 20 km linked-area buffer: lowering it to 14 km gives 2 options."""
    why = explained(gang_case())
    assert why["feasible"] == 0
    assert why["binding"] == [{"code": "near_linked_area", "excludes": 2, "alone": 2}]
    assert why["last_removed_by"] == ["near_linked_area"]
    first = why["changes"][0]
    assert first["codes"] == ["near_linked_area"]
    assert first["detail"] == "lowering the linked-area buffer from 20 km to 14 km gives 2 options"
    assert sorted(first["placement_ids"]) == ["P-1", "P-2"]


def test_the_buffer_is_lowered_only_as_far_as_needed():
    """With one placement at 16.5 km and one at 14.5 km, 16 km gives one option and is offered first."""
    c = gang_case()
    c["placements"][1] = placement("P-2", **where(0, -16.8))
    why = explained(c)
    details = [ch["detail"] for ch in why["changes"]]
    assert "lowering the linked-area buffer from 20 km to 16 km gives 1 option" in details


def test_one_more_vacancy_at_a_specialist_foster_placement_in_an_authority():
    """A full specialist foster placement in Trafford: one more vacancy there gives an option."""
    c = case(placements=[placement("P-1", vacancies=0, specialist=True, la_code=TRAFFORD)])
    why = explained(c)
    assert why["binding"] == [{"code": "no_vacancy", "excludes": 1, "alone": 1}]
    assert why["changes"][0]["detail"] == (
        "one more vacancy at a specialist foster placement in Trafford (P-1) gives an option"
    )


def test_a_missing_specialism_is_offered_as_a_place_offering_it():
    """A place without the required specialism: one offering it would be an option."""
    c = case(ref=referral(required_specialisms=["criminal_exploitation"]), placements=[placement("P-1")])
    why = explained(c)
    assert why["changes"][0]["detail"] == "a foster placement (P-1) offering criminal exploitation gives an option"


def test_rules_of_law_and_registration_are_never_offered_as_changes():
    """Age ranges, supported accommodation under 16 and residents to keep apart are not relaxed."""
    c = case(
        ref=referral(people=[young_person(age=14, avoid_people=["C-1"])]),
        placements=[
            placement("P-1", age_max=12),
            placement("P-2", setting="supported"),
            placement("P-3", residents=["C-1"]),
        ],
    )
    why = explained(c)
    assert why["changes"] == []
    assert "No change this planner may suggest" in why["summary"]


def test_two_rules_at_once_are_offered_when_no_single_change_works():
    """A full placement inside the buffer needs both changes; they are offered together."""
    why = explained(gang_case(vacancies=0, la_code=TRAFFORD))
    assert why["last_removed_by"] == []
    assert why["changes"][0]["codes"] == ["no_vacancy", "near_linked_area"]
    assert why["changes"][0]["detail"].startswith("one more vacancy at a foster placement in Trafford")
    assert "lowering the linked-area buffer from 20 km to" in why["changes"][0]["detail"]


def test_an_unplaced_referral_with_no_option_says_why_in_the_batch():
    """In a batch, a referral with no feasible placement carries no_feasible_placement with the binding rules."""
    result = assign(batch([referral("R-1", people=[young_person("YP-1", groups=["G-1"])])],
                          [placement("P-1", **where(0, 14.5))], areas=[area("A-1", groups=["G-1"])],
                          groups=[group("G-1")]))  # fmt: skip
    (reason,) = reasons(result, "R-1")
    assert reason["code"] == "no_feasible_placement"
    assert "linked-area buffer" in reason["detail"]
    assert "to 14 km gives 1 option" in reason["detail"]
    assert reason["placement_ids"] == ["P-1"]


# --- what a choice costs the others ---------------------------------------------------------


def cost_case() -> dict[str, Any]:
    """R-A (later) can use P-1 or P-2; R-B (today) only P-1."""
    return batch(
        [
            referral("R-A", people=[young_person("YP-A")], needed_by="later"),
            referral("R-B", people=[young_person("YP-B")], needed_by="today", max_km_from_home=35),
        ],
        [placement("P-1", ofsted_rating="outstanding"), placement("P-2", **where(0, 60))],
    )


def cost(c: dict[str, Any], referral_id: str, placement_id: str) -> dict[str, Any]:
    parsed = planner.parse_case(c, require="assign")
    policy = planner.effective_policy(parsed)
    return cost_to_others(
        planner.world_for(parsed, policy), parsed.referrals, policy, referral_id, placement_id
    ).to_dict()


def test_taking_the_only_place_of_an_urgent_child_is_named():
    """Fixing R-A at P-1 leaves R-B (needed today) with no safe option, and says so."""
    out = cost(cost_case(), "R-A", "P-1")
    assert out["option"] is True
    assert out["free_placement"]["placement_id"] == "P-2"
    assert [(e["referral_id"], e["change"]) for e in out["effects"]] == [("R-B", "loses_placement")]
    assert out["summary"].startswith("Taking this place leaves referral R-B (needed today) with no safe option")
    assert out["urgency_points_lost"] == 3
    assert out["free"]["status"] == out["fixed"]["status"] == "optimal"


def test_the_free_optimum_costs_nothing():
    """Fixing a referral where the free optimum puts it affects nobody."""
    out = cost(cost_case(), "R-A", "P-2")
    assert out["effects"] == []
    assert out["urgency_points_lost"] == 0
    assert "costs the others nothing" in out["summary"]


def test_a_worse_option_for_another_referral_is_named():
    """With room for R-B elsewhere at a lower score, fixing R-A at P-1 moves R-B to a worse option."""
    c = cost_case()
    c["referrals"][1].pop("max_km_from_home")
    c["placements"].append(placement("P-3", **where(0, 20), ofsted_rating="requires_improvement"))
    c["placements"][1] = placement("P-2", **where(0, 60), ofsted_rating="requires_improvement")
    c["referrals"][0]["max_km_from_home"] = 35  # R-A can only use P-1 and P-3
    out = cost(c, "R-A", "P-1")
    changes = {e["referral_id"]: e["change"] for e in out["effects"]}
    assert changes.get("R-B") == "worse_option"
    assert "moves referral R-B (needed today) from P-1" in out["summary"]


def test_a_placement_that_is_not_an_option_is_refused():
    """A placement a hard rule excludes for the referral is reported as not an option."""
    c = cost_case()
    c["placements"][1]["age_max"] = 10
    out = cost(c, "R-A", "P-2")
    assert out["option"] is False
    assert "not an option" in out["summary"]


def test_several_options_at_once_give_what_each_alone_gives():
    """costs_to_others (one free solve) answers as cost_to_others does option by option, excluded ones too."""
    c = cost_case()
    c["placements"].append(placement("P-3", **where(0, 20), age_max=10))  # not an option for anyone
    parsed = planner.parse_case(c, require="assign")
    policy = planner.effective_policy(parsed)
    world = planner.world_for(parsed, policy)
    together = costs_to_others(world, parsed.referrals, policy, "R-A", ["P-1", "P-3", "P-2"])
    assert [t.to_dict() for t in together] == [cost(c, "R-A", p) for p in ("P-1", "P-3", "P-2")]
