"""The case: what the engine ranks over, as frozen dataclasses.

Field names and meanings follow `../shared/CASE-FORMAT.md` (`placement-case/1`);
reading and writing the JSON is `planner.case_json`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

CASE_FORMAT = "placement-case/1"

SETTINGS = ("foster", "residential", "supported", "secure")
SUITABILITY = ("preferred", "suitable", "unsuitable")
URGENCY = ("today", "within_5_days", "later")
SEXES = ("male", "female")
RISKS = (
    "criminal_exploitation",
    "sexual_exploitation",
    "going_missing",
    "self_harm",
    "drugs_alcohol",
    "eating_disorder",
    "physical_harm_to_others",
    "sexual_harm_to_others",
    "fire_setting",
    "harm_to_animals",
)
SPECIALISMS = (
    *RISKS,
    "therapeutic",
    "disability",
    "parent_and_child",
    "sibling_group",
    "remand",
    "deprivation_of_liberty",
)
EXPLOITATION_RISKS = frozenset({"criminal_exploitation", "sexual_exploitation"})
SUPPORT_KINDS = (
    "parent",
    "sibling",
    "relative",
    "school",
    "college",
    "youth_worker",
    "specialist_worker",
    "mentor",
    "faith",
    "health",
    "other",
)
IMPORTANCE = ("essential", "important", "helpful")
AREA_KINDS = ("gang_territory", "county_lines_destination", "exploitation_hotspot", "other")
SEVERITY = ("high", "medium", "low")
OFSTED_RATINGS = ("outstanding", "good", "requires_improvement", "inadequate", "not_inspected")
PROVIDERS = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
PLACE_CODES = (
    "U1", "U2", "U3", "U4", "U5", "U6",
    "K1", "K2", "K3", "H5", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1",
    "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14",
)  # fmt: skip


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class SupportLink:
    id: str
    label: str
    kind: str
    lat: float
    lon: float
    importance: str = "important"
    visits_per_month: float = 1.0
    max_km: float | None = None


@dataclass(frozen=True)
class RiskLocation:
    id: str
    label: str
    lat: float
    lon: float
    radius_km: float = 0.0


@dataclass(frozen=True)
class YoungPerson:
    id: str
    age: int
    home: Location
    sex: str | None = None
    risks: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    avoid_people: tuple[str, ...] = ()
    risk_locations: tuple[RiskLocation, ...] = ()
    support: tuple[SupportLink, ...] = ()


@dataclass(frozen=True)
class WorkerExclusion:
    placement_id: str
    reason: str


@dataclass(frozen=True)
class Referral:
    id: str
    young_people: tuple[YoungPerson, ...]
    la_code: str | None = None
    needed_by: str = "later"
    settings: tuple[tuple[str, str], ...] = tuple((s, "suitable") for s in SETTINGS)
    required_specialisms: tuple[str, ...] = ()
    preferred_specialisms: tuple[str, ...] = ()
    solo: bool = False
    max_km_from_home: float | None = None
    excluded_placements: tuple[WorkerExclusion, ...] = ()

    def suitability(self, setting: str) -> str:
        return dict(self.settings).get(setting, "suitable")


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    rivals: tuple[str, ...] = ()


# A polygon area's boundary, from a GeoJSON Polygon or MultiPolygon: its parts (one for a
# Polygon), each an outer ring then its holes, each ring closed, positions (lon, lat).
Ring = tuple[tuple[float, float], ...]
PolygonCoordinates = tuple[tuple[Ring, ...], ...]


@dataclass(frozen=True)
class Area:
    """An area linked to groups. `lat`, `lon` is its representative point (named in words and
    drawn on the map); with a `polygon`, distances count from the polygon's edge (0 inside),
    otherwise from the point; either way `radius_km` is then taken off."""

    id: str
    label: str
    kind: str
    lat: float
    lon: float
    radius_km: float = 0.0
    groups: tuple[str, ...] = ()
    severity: str = "medium"
    review_by: date | None = None
    polygon: PolygonCoordinates | None = None


@dataclass(frozen=True)
class Placement:
    id: str
    label: str
    setting: str
    lat: float
    lon: float
    vacancies: int
    capacity: int
    place_code: str | None = None
    provider: str | None = None
    urn: str | None = None
    la_code: str | None = None
    age_min: int = 0
    age_max: int = 17
    sexes: tuple[str, ...] | None = None
    specialisms: tuple[str, ...] = ()
    specialist: bool = False
    residents: tuple[str, ...] = ()
    ofsted_rating: str | None = None
    weekly_cost: float | None = None


@dataclass(frozen=True)
class Case:
    """A whole case: one referral to rank, or many to assign, over one world."""

    placements: tuple[Placement, ...]
    groups: tuple[Group, ...] = ()
    areas: tuple[Area, ...] = ()
    referral: Referral | None = None
    referrals: tuple[Referral, ...] = ()
    policy: dict[str, Any] = field(default_factory=dict)
    # The day the intelligence is judged against (review_by). Added to the format
    # so the same case ranks the same on any day; defaults to today when absent.
    as_of: date | None = None
