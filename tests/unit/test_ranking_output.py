"""The `placement-ranking/1` document: its shape, its wording, and the sample case's outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import planner
from planner.ranking import REASON_MASKS_FORM, reason_masks
from tests.unit.conftest import area, case, codes, option, option_ids, placement, rank, referral, young_person

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "rank-case.json"
FACTS = {
    "distance_from_home_km",
    "nearest_linked_km",
    "nearest_linked_id",
    "nearest_high_severity_km",
    "support_km",
    "in_area",
    "approval",
}


def sample_ranking() -> dict:
    return planner.rank_case(json.loads(SAMPLE.read_text(encoding="utf-8")))


def test_ranking_has_the_contract_shape():
    """The document has the format, referral id, policy, options, excluded, summary and warnings."""
    result = sample_ranking()
    assert list(result) == [
        "format",
        "referral_id",
        "as_of",
        "policy",
        "options",
        "excluded",
        "summary",
        "warnings",
        "robustness",
    ]
    assert result["format"] == "placement-ranking/1"
    assert result["referral_id"] == "R-1"
    for o in result["options"]:
        assert list(o) == [
            "rank",
            "placement_id",
            "score",
            "components",
            "facts",
            "reasons",
            "component_words",
            "dominated_by",
        ]
        assert set(o["facts"]) >= FACTS
    assert set(result["summary"]) == {"placements", "feasible", "returned", "excluded_by_reason"}
    json.dumps(result, allow_nan=False)  # plain JSON: no NaN or infinity anywhere


def test_sample_case_outcome():
    """The sample referral keeps two options and excludes the rest for the expected reasons."""
    result = sample_ranking()
    assert option_ids(result) == ["P-3", "P-7"]
    assert {e["placement_id"]: [r["code"] for r in e["reasons"]] for e in result["excluded"]} == {
        "P-1": ["near_linked_area"],
        "P-2": ["resident_conflict"],
        "P-4": ["near_linked_area"],
        "P-5": ["unlawful_setting", "near_risk_location"],
        "P-6": ["no_vacancy"],
    }
    assert [w["area_id"] for w in result["warnings"]] == ["A-4"]


def test_reasons_are_sentences_in_miles_with_km():
    """Option reasons are plain sentences; distances are shown in miles with km beside them."""
    for o in sample_ranking()["options"]:
        assert o["reasons"]
        for reason in o["reasons"]:
            assert reason[:1].isupper() or reason[:1].isdigit(), reason
            assert "_" not in reason, reason
        assert any(" miles (" in r and " km)" in r for r in o["reasons"])


def test_an_empty_pool_gives_an_empty_ranking():
    """With no placements the ranking is valid and every count is zero."""
    result = rank(case(placements=[]))
    assert result["options"] == []
    assert result["excluded"] == []
    assert result["summary"] == {"placements": 0, "feasible": 0, "returned": 0, "excluded_by_reason": {}}


def test_an_unlinked_medium_area_lowers_safety_without_excluding():
    """A medium-severity area nearby lowers safety but is no reason to exclude."""
    placements = [placement("P-near"), placement("P-far", lat=placement()["lat"] + 1)]
    result = rank(case(placements=placements, areas=[area(severity="medium", radius_km=0.5, **_at("P-near"))]))
    assert codes(result, "P-near") == []
    near, far = option(result, "P-near"), option(result, "P-far")
    assert near["components"]["safety"] < far["components"]["safety"]


def test_a_specialist_placement_scores_higher_for_a_child_at_risk_of_exploitation():
    """For a child at risk of criminal exploitation, the specialist flag raises the specialist component."""
    ref = referral(people=[young_person(risks=["criminal_exploitation"])])
    result = rank(case(ref=ref, placements=[placement("P-1", specialist=True), placement("P-2")]))
    assert option(result, "P-1")["components"]["specialist"] > option(result, "P-2")["components"]["specialist"]
    assert option_ids(result)[0] == "P-1"


def _at(pid: str) -> dict[str, float]:
    p = placement(pid)
    return {"lat": p["lat"], "lon": p["lon"]}


def test_ranking_echoes_the_day_it_judged_intelligence_by():
    """`as_of` in the output is the case's, so a stored run says which day it used."""
    import json
    from pathlib import Path

    import planner

    sample = json.loads((Path(__file__).resolve().parents[2] / "data" / "samples" / "rank-case.json").read_text())
    assert planner.rank_case(sample)["as_of"] == sample["as_of"]


def _sample_ranking_object() -> planner.Ranking:
    parsed = planner.parse_case(json.loads(SAMPLE.read_text(encoding="utf-8")), require="rank")
    assert parsed.referral is not None
    policy = planner.effective_policy(parsed)
    return planner.rank(planner.world_for(parsed, policy), parsed.referral, policy)


def test_without_words_the_exclusions_are_codes_that_read_back():
    """`to_dict(words=False)` keeps each code's placements as bits over the case's placements, no
    sentences; read back, they give every excluded placement's codes of the worded document."""
    ranking = _sample_ranking_object()
    worded, bare = ranking.to_dict(), ranking.to_dict(words=False)
    assert {k: v for k, v in bare.items() if k != "excluded"} == {k: v for k, v in worded.items() if k != "excluded"}
    assert bare["excluded"]["form"] == REASON_MASKS_FORM
    assert bare["excluded"]["worded"] == []
    assert "detail" not in json.dumps(bare["excluded"])
    ids = [p["id"] for p in json.loads(SAMPLE.read_text(encoding="utf-8"))["placements"]]
    masks = reason_masks(bare["excluded"])
    assert list(masks) == list(worded["summary"]["excluded_by_reason"])  # table order, only codes that exclude
    from_bits: dict[str, list[str]] = {}
    for code, mask in masks.items():
        for i in mask.nonzero()[0]:
            from_bits.setdefault(ids[i], []).append(code)
    assert from_bits == {e["placement_id"]: [r["code"] for r in e["reasons"]] for e in worded["excluded"]}


def test_reason_masks_refuse_what_they_did_not_write():
    """Another form, an unknown code or a mask of the wrong length is a ValueError."""
    bare = _sample_ranking_object().to_dict(words=False)["excluded"]
    code = next(iter(bare["masks"]))
    for broken in (
        {**bare, "form": "reason-masks/0"},
        {**bare, "masks": {"no_such_rule": bare["masks"][code]}},
        {**bare, "placements": bare["placements"] + 8},
    ):
        with pytest.raises(ValueError):
            reason_masks(broken)


def test_wording_several_placements_at_once_says_what_one_at_a_time_says():
    """`Exclusions.of_many` gives each excluded placement the same sentences as `of`, in the order asked."""
    exclusions = _sample_ranking_object().exclusions
    asked = ["P-6", "P-3", "P-1", "P-5", "no-such-placement", "P-1"]
    found = exclusions.of_many(asked)
    assert list(found) == ["P-6", "P-1", "P-5"]  # P-3 is an option, the unknown id is nobody
    assert found == {p: exclusions.of(p) for p in found}


def test_without_words_the_first_few_under_each_code_are_worded():
    """`worded_per_code=1` words the first placement by id under each code, all its reasons, in id order."""
    ranking = _sample_ranking_object()
    worded = ranking.to_dict()["excluded"]
    firsts = {
        code: next(e["placement_id"] for e in worded if code in [r["code"] for r in e["reasons"]])
        for code in ranking.excluded_by_reason
    }
    kept = ranking.to_dict(words=False, worded_per_code=1)["excluded"]["worded"]
    assert kept == [e for e in worded if e["placement_id"] in set(firsts.values())]
