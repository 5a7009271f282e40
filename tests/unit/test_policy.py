"""The policy: defaults from config/policy.toml, case overrides, and the version in every ranking."""

from __future__ import annotations

import hashlib
import json

import planner
from tests.unit.conftest import area, case, group, option, placement, rank, referral, young_person

# The contract's defaults, except where decision 0009 departs from them: safety is full at
# 40 km (the contract: 60), and the weights add journey (the contract: safety 40, support 25,
# specialist 20, continuity 10, cost 5).
CONTRACT_DEFAULTS = {
    "min_km_from_linked_areas": 20,
    "min_km_from_high_severity_areas": 1,
    "safe_km": 40,
    "support_scale_km": 25,
    "weights": {"safety": 30, "support": 15, "journey": 25, "specialist": 15, "continuity": 10, "cost": 5},
    "allow_inadequate": False,
    "use_expired_intelligence": False,
    "max_options": 20,
}


def sha256_of(policy: dict) -> str:
    body = {k: v for k, v in policy.items() if k != "version"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def test_default_policy_matches_the_case_format():
    """config/policy.toml gives the defaults the case format documents."""
    policy = rank(case())["policy"]
    for key, value in CONTRACT_DEFAULTS.items():
        assert policy[key] == value, key
    assert planner.load_policy().as_dict() == {k: v for k, v in policy.items() if k != "version"}


def test_every_ranking_carries_the_effective_policy_and_its_sha256():
    """The ranking's policy.version is the sha256 of the canonical JSON of the effective policy."""
    policy = rank(case())["policy"]
    assert len(policy["version"]) == 64
    assert policy["version"] == sha256_of(policy)
    assert policy["version"] == planner.load_policy().version()


def test_an_override_changes_the_policy_and_its_version():
    """Overriding a value shows in the ranking's policy and gives a different version."""
    default = rank(case())["policy"]
    changed = rank(case(policy={"min_km_from_linked_areas": 30, "weights": {"cost": 0}}))["policy"]
    assert changed["min_km_from_linked_areas"] == 30
    assert changed["weights"]["cost"] == 0
    assert changed["weights"]["safety"] == default["weights"]["safety"]
    assert changed["version"] != default["version"]
    assert changed["version"] == sha256_of(changed)


def test_overriding_with_the_default_value_keeps_the_version():
    """Writing a default out explicitly (as an integer or a float) does not change the version."""
    default = rank(case())["policy"]["version"]
    assert rank(case(policy={"safe_km": 40, "max_options": 20}))["policy"]["version"] == default
    assert rank(case(policy={"safe_km": 40.0, "weights": {"safety": 30}}))["policy"]["version"] == default


def test_an_unknown_policy_key_is_rejected():
    """A misspelt policy key is an error, not silently ignored."""
    problems = planner.validate_case(case(policy={"min_km_from_linked_area": 30}), require="rank")
    assert problems == ["policy.min_km_from_linked_area: is not a field of the case format (check the spelling)"]


def test_max_options_limits_the_options_but_not_the_count():
    """max_options caps the options returned; every feasible placement is still counted."""
    placements = [placement(f"P-{i}") for i in range(5)]
    result = rank(case(placements=placements, policy={"max_options": 2}))
    assert result["summary"]["feasible"] == 5
    assert result["summary"]["returned"] == 2
    assert len(result["options"]) == 2


def test_weights_change_the_order():
    """With only the cost weight, the cheaper placement ranks first."""
    placements = [placement("P-dear", weekly_cost=5000), placement("P-cheap", weekly_cost=500)]
    weights = {"safety": 0, "support": 0, "journey": 0, "specialist": 0, "continuity": 0, "cost": 1}
    result = rank(case(placements=placements, policy={"weights": weights}))
    assert [o["placement_id"] for o in result["options"]] == ["P-cheap", "P-dear"]
    assert option(result, "P-cheap")["score"] == round(100 * option(result, "P-cheap")["components"]["cost"], 2)


def test_the_buffer_in_reasons_follows_the_policy():
    """An option's reasons state the buffer the policy set."""
    ref = referral(people=[young_person(groups=["G-1"])])
    c = case(ref=ref, areas=[area(groups=["G-1"])], groups=[group("G-1")], policy={"min_km_from_linked_areas": 25})
    assert "(25 km)" in option(rank(c), "P-1")["reasons"][0]
