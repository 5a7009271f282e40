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
# The setting a PLACE code means, where it means exactly one (SSDA903 guidance): a case
# whose `setting` says otherwise is refused, naming `place_code`. Codes not listed here
# (placed with parents, temporary, other...) may go with any setting.
PLACE_CODE_SETTING = {
    "U1": "foster", "U2": "foster", "U3": "foster", "U4": "foster", "U5": "foster", "U6": "foster",
    "K1": "secure", "K2": "residential", "R1": "residential", "S1": "residential",
    "K3": "supported", "H5": "supported", "P2": "supported",
}  # fmt: skip
# Supported accommodation (K3; H5 before 2024/25) and independent living (P2): unlawful for
# anyone under 16 since 2021, whatever `setting` says.
UNREGULATED_PLACE_CODES = frozenset({"K3", "H5", "P2"})
SECURE_HOME_PLACE_CODE = "K1"
# Foster placements with a relative or friend: reg 11(4) exempts them as connected persons.
CONNECTED_PERSON_PLACE_CODES = frozenset({"U1", "U2", "U3"})
SECURE_BASES = ("s25_order", "authorisation")
# Children Act 1989 Schedule 7: the usual fostering limit.
USUAL_FOSTERING_LIMIT = 3


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
    # Brothers and sisters already living somewhere (person ids, as placements list
    # residents): fostered children who are all siblings are not held to the fostering limit.
    siblings: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkerExclusion:
    placement_id: str
    reason: str


@dataclass(frozen=True)
class SecureAccommodation:
    """What allows a secure children's home: a secure accommodation order (Children Act 1989
    s25) or a short authorisation without an order, in force from `start` to `end` inclusive."""

    basis: str
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


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
    secure_accommodation: SecureAccommodation | None = None
    # An exemption from the usual fostering limit granted for this child (Schedule 7 para 4).
    fostering_exemption: bool = False

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
    # The household holds an exemption from the usual fostering limit (Schedule 7 para 4).
    fostering_exemption: bool = False
    # The authority whose fostering service approved these foster carers: reg 11(4) exempts
    # a placement with the placing authority's own approved carers.
    approved_by: str | None = None
    # Carers who are the child's relative, friend or other connected person (reg 24).
    connected_person: bool = False

    @property
    def is_connected_person(self) -> bool:
        return self.connected_person or self.place_code in CONNECTED_PERSON_PLACE_CODES

    @property
    def is_secure_home(self) -> bool:
        return self.setting == "secure" or self.place_code == SECURE_HOME_PLACE_CODE

    @property
    def is_unregulated(self) -> bool:
        """Supported accommodation or independent living: never for anyone under 16."""
        return self.setting == "supported" or self.place_code in UNREGULATED_PLACE_CODES


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
