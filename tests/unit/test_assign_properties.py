"""`assign` never crashes on a batch `validate` accepts, whatever links its referrals.

The batches mix every rule across referrals (sibling groups, solo referrals, young
people to keep apart, in this batch or living in a placement) with workers' exclusions
of placements, the rules that once made `python -m planner assign` exit with a
KeyError. Placements are put just inside and just outside the buffers and limits.
Each allocation is checked by the independent oracle in `batch_builders`.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import planner
from tests.unit.batch_builders import assign, batch, breaches, options, placed
from tests.unit.conftest import area, group, near_edge, placement, referral, support_link, where, young_person
from tests.unit.test_cli import run

URGENCY = ("today", "within_5_days", "later")
SETTINGS = ("foster", "residential", "supported", "secure")
SPECIALISMS = ("therapeutic", "remand", "going_missing")
RESIDENTS = ("C-1", "C-2")
LINKED_KM = 5.0
HIGH_KM = 1.0


@st.composite
def valid_batches(draw: st.DrawFn) -> dict[str, Any]:
    """1-5 referrals against 1-6 placements, with worker exclusions, siblings, solo and people kept apart."""
    n_ref = draw(st.integers(1, 5))
    n_pl = draw(st.integers(1, 6))
    pids = [f"P-{i}" for i in range(n_pl)]
    areas = [
        area("A-0", **where(draw(st.floats(-30, 30)), draw(st.floats(-30, 30))), groups=["G-1"], radius_km=1.0),
        area("A-1", **where(draw(st.floats(-30, 30)), draw(st.floats(-30, 30))), severity="high", radius_km=0.5),
    ]
    # Edges the placements may sit just inside or just outside of: each with its limit.
    edges = [(areas[0], 1.0 + LINKED_KM), (areas[1], 0.5 + HIGH_KM), (where(), draw(st.sampled_from([10.0, 40.0])))]
    placements = []
    for pid in pids:
        vacancies = draw(st.integers(0, 3))
        if draw(st.booleans()):
            centre, km = draw(st.sampled_from(edges))
            at = near_edge(centre, km, draw(st.sampled_from([-0.05, -0.01, 0.01, 0.05])), draw(st.floats(0, 360)))
        else:
            at = where(draw(st.floats(-50, 50)), draw(st.floats(-50, 50)))
        placements.append(
            placement(
                pid,
                **at,
                setting=draw(st.sampled_from(SETTINGS)),
                vacancies=vacancies,
                capacity=vacancies + draw(st.integers(0, 2)),
                residents=draw(st.lists(st.sampled_from(RESIDENTS), max_size=2, unique=True)) or None,
                age_min=draw(st.sampled_from([0, 10, 16])),
                specialisms=draw(st.lists(st.sampled_from(SPECIALISMS), max_size=2, unique=True)),
                ofsted_rating=draw(st.sampled_from(["outstanding", "good", "requires_improvement", "inadequate"])),
            )
        )
    people_ids = [f"YP-{r}-{j}" for r in range(n_ref) for j in range(3)]
    referrals = []
    for r in range(n_ref):
        size = draw(st.sampled_from([1, 1, 1, 2, 3]))
        people = [
            young_person(
                f"YP-{r}-{j}",
                age=draw(st.integers(8, 17)),
                groups=["G-1"] if j == 0 and draw(st.booleans()) else None,
                avoid_people=draw(st.lists(st.sampled_from(people_ids + list(RESIDENTS)), max_size=2, unique=True))
                or None,
                support=[support_link(f"S-{r}-{j}", max_km=draw(st.sampled_from([15.0, 60.0])))]
                if draw(st.integers(0, 3)) == 0
                else None,
            )
            for j in range(size)
        ]
        referrals.append(
            referral(
                f"R-{r}",
                people=people,
                needed_by=draw(st.sampled_from(URGENCY)),
                solo=True if size == 1 and draw(st.integers(0, 3)) == 0 else None,
                required_specialisms=[draw(st.sampled_from(SPECIALISMS))] if draw(st.integers(0, 4)) == 0 else None,
                max_km_from_home=draw(st.sampled_from([None, None, 10.0, 40.0])),
                excluded_placements=[
                    {"placement_id": pid, "reason": "The carer declined after the referral meeting."}
                    for pid in draw(st.lists(st.sampled_from(pids), max_size=n_pl, unique=True))
                ]
                or None,
            )
        )
    policy = {"min_km_from_linked_areas": LINKED_KM, "min_km_from_high_severity_areas": HIGH_KM}
    return batch(referrals, placements, areas=areas, groups=[group("G-1")], policy=policy)


def _regression_batch() -> dict[str, Any]:
    """The shape of the KeyError: no option left, and the search for the smallest change
    tries one more vacancy at P-0 while a worker's exclusion names P-1."""
    return batch(
        [referral("R-1", excluded_placements=[{"placement_id": "P-1", "reason": "The carer declined."}])],
        [placement("P-0", vacancies=0), placement("P-1", **where(0, 40))],
    )


@settings(max_examples=60)
@given(valid_batches())
@example(_regression_batch())
def test_every_batch_validate_accepts_is_assigned_without_an_exception(case):
    """No exception; every referral placed or given a reason; the allocation keeps every rule."""
    assume(planner.validate_case(case, require="assign") == [])
    result = assign(case)
    ids = {r["id"] for r in case["referrals"]}
    allocation = placed(result)
    assert set(allocation) | {u["referral_id"] for u in result["unassigned"]} == ids
    assert all(u["reasons"] and all(r["detail"] for r in u["reasons"]) for u in result["unassigned"])
    assert breaches(case, allocation, options(case)) == []
    excluded = {(r["id"], e["placement_id"]) for r in case["referrals"] for e in r.get("excluded_placements", [])}
    assert not any((rid, pid) in excluded for rid, pid in allocation.items())


def test_a_worker_exclusion_of_another_placement_does_not_break_the_smallest_change():
    """The batch that crashed: R-1 is unplaced, told that one more vacancy at P-0 or lifting the exclusion would do."""
    result = assign(_regression_batch())
    assert result["assignments"] == []
    (reason,) = result["unassigned"][0]["reasons"]
    assert reason["code"] == "no_feasible_placement"
    assert "lifting a worker's exclusion of P-1" in reason["detail"]
    assert "one more vacancy" in reason["detail"]


def test_the_command_line_assigns_it_and_exits_0():
    """`python -m planner assign` on that batch prints the assignment instead of exiting 1."""
    case = _regression_batch()
    done = run("assign", "-", stdin=json.dumps(case))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unassigned"][0]["referral_id"] == "R-1"
