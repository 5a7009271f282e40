"""The `placement-ranking/1` document: its shape, its wording, and the sample case's outcome."""

from __future__ import annotations

import json
from pathlib import Path

import planner
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
