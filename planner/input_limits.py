"""Limits on the size and shape of inputs, from `[input_limits]` in config/policy.toml.

They are not part of the ranking policy: a case cannot override them, and they do
not change a ranking's policy hash.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from planner.policy import DEFAULT_POLICY_PATH


@dataclass(frozen=True)
class InputLimits:
    # JSON nested deeper than this is refused (a case needs 6 levels, a MultiPolygon 5).
    max_json_depth: int = 64
    # Positions in one polygon or multipolygon, all rings together.
    max_polygon_vertices: int = 20000


@cache
def input_limits() -> InputLimits:
    """The limits in config/policy.toml (read once)."""
    with open(DEFAULT_POLICY_PATH, "rb") as fh:
        raw = tomllib.load(fh).get("input_limits", {})
    return InputLimits(**{key: int(value) for key, value in raw.items()})
