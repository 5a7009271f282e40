"""Shared builders for engine tests: small, valid, synthetic cases as plain dicts.

Every builder returns the JSON-shaped dict the engine reads, with keyword
overrides; an override of `None` drops the key (so the engine's default applies).
Positions are given in km north and east of `HOME`, a made-up point in the
North West; they are approximate (a flat local frame), so tests that need an
exact distance measure it with the engine's own `distance_km`.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from geopy.distance import geodesic
from hypothesis import HealthCheck, settings

import planner
from planner.geometry import distance_km

settings.register_profile(
    "unit",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# A longer search for local bug hunting: HYPOTHESIS_PROFILE=thorough pytest tests/unit
settings.register_profile("thorough", parent=settings.get_profile("unit"), max_examples=2000)
# CI: the same examples on every run (a red build is not a fluke of the draw), and a failure
# prints the `@reproduce_failure` blob that replays it locally.
settings.register_profile("ci", parent=settings.get_profile("unit"), derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "unit"))

AS_OF = "2026-06-01"
HOME = (53.0, -2.0)
KM_PER_DEG_LAT = 111.2

REASON_CODES = (
    "no_vacancy",
    "setting_unsuitable",
    "unlawful_setting",
    "no_secure_order",
    "fostering_limit",
    "age_out_of_range",
    "sex_not_accepted",
    "missing_specialism",
    "near_linked_area",
    "near_risk_location",
    "in_high_severity_area",
    "resident_conflict",
    "not_solo",
    "support_out_of_reach",
    "too_far_from_home",
    "inadequate_provider",
    "excluded_by_worker",
)


def _build(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


def where(north_km: float = 0.0, east_km: float = 0.0, origin: tuple[float, float] = HOME) -> dict[str, float]:
    """`{"lat", "lon"}` about `north_km` north and `east_km` east of `origin`."""
    lat0, lon0 = origin
    lat = lat0 + north_km / KM_PER_DEG_LAT
    lon = lon0 + east_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat0)))
    return {"lat": lat, "lon": lon}


def near_edge(centre: dict[str, Any], km: float, margin: float, bearing: float) -> dict[str, float]:
    """`{"lat", "lon"}` `km * (1 + margin)` from `centre` along `bearing` (degrees), measured
    on the ellipsoid: a margin of -0.01 is just inside a limit of `km`, +0.01 just outside.

    Random points seldom land near a buffer's edge; property tests put placements here so
    the distance rules are tried on both sides of their thresholds.
    """
    at = geodesic(kilometers=max(0.0, km * (1 + margin))).destination((centre["lat"], centre["lon"]), bearing)
    return {"lat": float(at.latitude), "lon": float(at.longitude)}


def young_person(id: str = "YP-1", **fields: Any) -> dict[str, Any]:
    return _build({"id": id, "age": 15, "sex": "male", "home": where()}, fields)


def referral(id: str = "R-1", people: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    return _build({"id": id, "young_people": people if people is not None else [young_person()]}, fields)


def placement(id: str = "P-1", **fields: Any) -> dict[str, Any]:
    """A foster placement with one vacancy, 30 km east of home, taking any age and sex."""
    return _build(
        {"id": id, "label": f"Placement {id}", "setting": "foster", **where(0, 30), "vacancies": 1, "capacity": 2},
        fields,
    )


def area(id: str = "A-1", **fields: Any) -> dict[str, Any]:
    """A medium-severity area of radius 0 at home, linked to no group."""
    return _build(
        {"id": id, "label": f"Area {id}", "kind": "gang_territory", **where(), "radius_km": 0, "severity": "medium"},
        fields,
    )


def group(id: str, rivals: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    return _build({"id": id, "label": f"Group {id}", "rivals": rivals}, fields)


def risk_location(id: str = "RL-1", **fields: Any) -> dict[str, Any]:
    return _build({"id": id, "label": f"Risk place {id}", **where(), "radius_km": 0}, fields)


def support_link(id: str = "S-1", **fields: Any) -> dict[str, Any]:
    return _build(
        {"id": id, "label": f"Support {id}", "kind": "parent", **where(), "importance": "important"},
        fields,
    )


def case(
    ref: dict[str, Any] | None = None,
    placements: list[dict[str, Any]] | None = None,
    areas: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
    as_of: str | None = AS_OF,
) -> dict[str, Any]:
    """A whole `placement-case/1` to rank, dated `as_of` so it ranks the same on any day."""
    return _build(
        {
            "format": "placement-case/1",
            "as_of": as_of,
            "policy": policy,
            "referral": ref if ref is not None else referral(),
            "groups": groups,
            "areas": areas,
            "placements": placements if placements is not None else [placement()],
        },
        {},
    )


# --- reading a ranking ---------------------------------------------------------------


def rank(case_dict: dict[str, Any]) -> dict[str, Any]:
    return planner.rank_case(case_dict)


def option_ids(result: dict[str, Any]) -> list[str]:
    return [o["placement_id"] for o in result["options"]]


def option(result: dict[str, Any], placement_id: str) -> dict[str, Any]:
    return next(o for o in result["options"] if o["placement_id"] == placement_id)


def exclusion(result: dict[str, Any], placement_id: str) -> list[dict[str, str]]:
    """The reasons a placement was excluded, or [] if it was not."""
    for e in result["excluded"]:
        if e["placement_id"] == placement_id:
            return list(e["reasons"])
    return []


def codes(result: dict[str, Any], placement_id: str) -> list[str]:
    return [r["code"] for r in exclusion(result, placement_id)]


def engine_km(frm: dict[str, Any], to: dict[str, Any]) -> float:
    """Distance as the engine measures it (placement first, same array shape), for exact boundaries."""
    d = distance_km(
        np.array([[frm["lat"]]]), np.array([[frm["lon"]]]), np.array([[to["lat"]]]), np.array([[to["lon"]]])
    )
    return float(d[0, 0])
