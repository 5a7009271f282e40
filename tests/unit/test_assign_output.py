"""The `placement-assignment/1` document, the command line, and what the batch shares with ranking."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import planner
from bench.assign_batches import build_batch
from planner.measures import BatchMeasures, measure, referral_points
from planner.panel import prepare_panel
from tests.unit.batch_builders import assign, batch, options, placed
from tests.unit.conftest import placement, referral, young_person
from tests.unit.test_cli import run

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "rank-case.json"


def sample_batch() -> dict:
    """The sample case's referral, and a second one needed today, as a batch."""
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))
    first = raw.pop("referral")
    second = json.loads(json.dumps(first))
    second["id"], second["needed_by"] = "R-2", "today"
    for person in second["young_people"]:
        person["id"] += "-b"
    return {**raw, "referrals": [first, second]}


def test_the_document_has_the_contract_shape():
    """Contract keys first, in order; the objective folds the two levels as documented."""
    result = assign(sample_batch())
    assert list(result)[:8] == [
        "format",
        "status",
        "objective",
        "bound",
        "gap",
        "solve_seconds",
        "assignments",
        "unassigned",
    ]
    assert result["format"] == "placement-assignment/1"
    assert result["status"] in ("optimal", "feasible", "infeasible", "unknown")
    for a in result["assignments"]:
        assert list(a) == ["referral_id", "placement_id", "score"]
    for u in result["unassigned"]:
        assert list(u) == ["referral_id", "reasons"]
    levels = result["levels"]
    referrals = len(result["assignments"]) + len(result["unassigned"])
    folded = levels["urgency_points"]["value"] * (100 * referrals + 1) + levels["score"]["value"]
    assert result["objective"] == round(folded, 2)
    assert result["summary"]["placed"] == len(result["assignments"])
    json.dumps(result, allow_nan=False)


def test_scores_are_the_rankings_scores():
    """Each assignment's score is the score the ranking reports for that option."""
    case = sample_batch()
    result = assign(case)
    opts = options(case)
    assert result["assignments"]
    for a in result["assignments"]:
        assert a["score"] == opts[a["referral_id"]][a["placement_id"]]


def test_assignments_and_unassigned_are_in_referral_id_order():
    """Outputs list referrals by id, whatever the order in the case."""
    refs = [referral(f"R-{c}", people=[young_person(f"YP-{c}")]) for c in "dcba"]
    result = assign(batch(refs, [placement("P-1"), placement("P-2")]))
    assert [a["referral_id"] for a in result["assignments"]] == sorted(placed(result))
    assert [u["referral_id"] for u in result["unassigned"]] == sorted(u["referral_id"] for u in result["unassigned"])


def test_assign_prints_exactly_what_assign_case_returns_apart_from_time(tmp_path):
    """`assign FILE` and `assign -` exit 0 and print the assignment."""
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(sample_batch()), encoding="utf-8")
    done = run("assign", str(path))
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    expected = planner.assign_case(sample_batch())
    for volatile in ("solve_seconds", "summary"):
        printed.pop(volatile)
        expected.pop(volatile)
    assert printed == expected
    from_stdin = run("assign", "-", stdin=json.dumps(sample_batch()))
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout)["format"] == "placement-assignment/1"


def test_assign_of_an_invalid_case_exits_2_naming_each_field():
    """An invalid batch prints one line per problem, nothing on stdout, and exits 2."""
    bad = sample_batch()
    bad["referrals"][0]["needed_by"] = "tomorrow"
    bad["placements"][0]["lat"] = 95
    done = run("assign", "-", stdin=json.dumps(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "placements[0].lat: must be between -90 and 90",
        "referrals[0].needed_by: must be one of: today, within_5_days, later",
    ]


def test_assign_without_referrals_exits_2():
    """A case with only a `referral` cannot be assigned."""
    done = run("assign", str(SAMPLE))
    assert done.returncode == 2
    assert done.stderr.strip() == "referrals: is required to assign (a list of one or more referrals)"


def test_assign_of_a_missing_file_exits_1():
    """A file that cannot be read exits 1 with a message."""
    done = run("assign", "no-such-batch.json")
    assert done.returncode == 1
    assert "cannot read" in done.stderr


def test_batch_measures_are_the_rankings_measures():
    """Measuring a batch together gives every referral exactly the figures of measuring it alone."""
    raw = build_batch(60, 150, seed=3)
    case = planner.parse_case(raw, require="assign")
    policy = planner.effective_policy(case)
    world = planner.world_for(case, policy)
    shared = BatchMeasures(world)
    points = [referral_points(r) for r in case.referrals]
    shared.load_points([x for lat, _ in points for x in lat], [y for _, lon in points for y in lon])
    fields = ("linked_km", "linked_idx", "risk_km", "risk_idx", "home_km", "support_km")
    for r in case.referrals:
        alone, together = measure(world, r), measure(world, r, shared)
        for name in fields:
            assert np.array_equal(getattr(alone, name), getattr(together, name)), (r.id, name)


def test_the_panel_pairs_are_the_rankings_options():
    """A referral's candidate pairs are exactly its ranking's options, with the same scores."""
    raw = build_batch(20, 80, seed=5)
    case = planner.parse_case(raw, require="assign")
    policy = planner.effective_policy(case)
    world = planner.world_for(case, policy)
    panel = prepare_panel(world, case.referrals, policy)
    opts = options(raw)
    for r, ref in enumerate(case.referrals):
        pairs = panel.pairs_of(r)
        got = {world.placements[int(panel.pair_placement[k])].id: float(panel.pair_score[k]) for k in pairs}
        assert got == opts[ref.id]
