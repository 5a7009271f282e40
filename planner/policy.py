"""The policy: buffers, scales and weights, from `config/policy.toml` plus overrides.

The effective policy travels with every ranking together with the sha256 of its
canonical JSON, so two rankings can be compared knowing whether the rules differed.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "config" / "policy.toml"

WEIGHT_KEYS = ("safety", "support", "journey", "specialist", "continuity", "cost")


@dataclass(frozen=True)
class Weights:
    safety: float = 30.0
    support: float = 15.0
    journey: float = 25.0
    specialist: float = 15.0
    continuity: float = 10.0
    cost: float = 5.0

    def total(self) -> float:
        return self.safety + self.support + self.journey + self.specialist + self.continuity + self.cost


@dataclass(frozen=True)
class Policy:
    min_km_from_linked_areas: float = 20.0
    min_km_from_high_severity_areas: float = 1.0
    safe_km: float = 40.0
    high_area_scale_km: float = 10.0
    medium_area_scale_km: float = 5.0
    support_scale_km: float = 25.0
    cost_half_weekly: float = 2000.0
    # Journey: an essential support person's travel to visit, in hours a month.
    journey_kmh: float = 50.0
    journey_hours_per_month: float = 40.0
    # The "much further from an essential person" warning, and the robustness check.
    essential_warning_extra_km: float = 40.0
    essential_warning_min_safety: float = 0.5
    robustness_weight_change: float = 0.25
    allow_inadequate: bool = False
    use_expired_intelligence: bool = False
    max_options: int = 20
    weights: Weights = field(default_factory=Weights)
    # Batch allocation (`assign`): CP-SAT limits. 0 workers means one per core.
    time_limit_seconds: float = 30.0
    workers: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The policy as plain JSON-able data (every field typed, so hashing is stable)."""
        return asdict(self)

    def version(self) -> str:
        """sha256 of the canonical JSON of the effective policy."""
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def with_overrides(self, overrides: dict[str, Any]) -> Policy:
        """A new policy with validated overrides applied (see `planner.case_json`)."""
        values = dict(overrides)
        weights = self.weights
        if "weights" in values:
            weights = replace(weights, **{k: float(v) for k, v in values.pop("weights").items()})
        typed = {k: _coerce(k, v) for k, v in values.items()}
        return replace(self, weights=weights, **typed)


_INT_KEYS = {"max_options", "workers"}
_BOOL_KEYS = {"allow_inadequate", "use_expired_intelligence"}
POLICY_KEYS = tuple(f.name for f in fields(Policy))


def _coerce(key: str, value: Any) -> Any:
    if key in _BOOL_KEYS:
        return bool(value)
    if key in _INT_KEYS:
        return int(value)
    return float(value)


def load_policy(path: Path | None = None) -> Policy:
    """The default policy from `config/policy.toml`."""
    with open(path or DEFAULT_POLICY_PATH, "rb") as fh:
        raw = tomllib.load(fh)
    raw.pop("input_limits", None)  # read by planner.input_limits, not a ranking policy
    return Policy().with_overrides(raw)
