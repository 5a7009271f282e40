"""Reading a `placement-case/1` JSON document into a `Case`, with every problem named.

This is the only module of the engine that uses marshmallow. Problems come back
as one line each, naming the field path the way a person would look for it:
`placements[3].lat: must be between -90 and 90`. Unknown fields are rejected,
because a typo in a safeguarding tool must not pass silently.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from datetime import date
from itertools import pairwise
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from shapely import LinearRing

from planner.case import (
    AREA_KINDS,
    CASE_FORMAT,
    IMPORTANCE,
    OFSTED_RATINGS,
    PLACE_CODE_SETTING,
    PLACE_CODES,
    PROVIDERS,
    RISKS,
    SECURE_BASES,
    SETTINGS,
    SEVERITY,
    SEXES,
    SPECIALISMS,
    SUITABILITY,
    SUPPORT_KINDS,
    URGENCY,
    Area,
    Case,
    Group,
    Location,
    Placement,
    PolygonCoordinates,
    Referral,
    Ring,
    RiskLocation,
    SecureAccommodation,
    SupportLink,
    WorkerExclusion,
    YoungPerson,
)
from planner.input_limits import input_limits
from planner.policy import WEIGHT_KEYS

PostcodeLookup = Callable[[str], "tuple[float, float] | None"]


class CaseError(ValueError):
    """The case is invalid; `problems` holds one line per problem, naming the field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# --- strict fields: JSON types only, no silent coercion ------------------------


class _Number(fields.Float):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("must be a number")
        return float(super()._deserialize(value, attr, data, **kwargs))


class _Integer(fields.Integer):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("must be a whole number")
        if abs(value) >= 2**63:
            # The engine keeps counts in int64 arrays; beyond that it would crash, not report.
            raise ValidationError("is too large")
        return int(value)


class _Boolean(fields.Boolean):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


# Problems with positions reported for one polygon before the rest are only counted.
_POSITION_PROBLEMS_SHOWN = 10


class _Polygon(fields.Field):
    """A GeoJSON Polygon or MultiPolygon geometry object, positions [lon, lat], into its rings.

    Problems name the member: `polygon.coordinates[0][3]: longitude must be between -180 and 180`.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> PolygonCoordinates:
        if not isinstance(value, dict):
            raise ValidationError("must be a GeoJSON geometry object with type and coordinates")
        problems: dict[str, list[str]] = {}
        for key in sorted(set(value) - {"type", "coordinates", "bbox"}):
            problems[key] = ["is not a member of a GeoJSON Polygon or MultiPolygon"]
        kind = value.get("type")
        if kind not in ("Polygon", "MultiPolygon"):
            problems["type"] = ["must be Polygon or MultiPolygon"]
        if "coordinates" not in value:
            problems["coordinates"] = ["is required"]
        if problems:
            raise ValidationError(problems)
        reader = _PolygonReader()
        coordinates = value["coordinates"]
        parts: PolygonCoordinates
        if kind == "Polygon":
            parts = (reader.polygon(coordinates, "coordinates"),)
        elif not isinstance(coordinates, list) or not coordinates:
            reader.problem("coordinates", "must be a list of polygons, each a list of rings")
            parts = ()
        else:
            parts = tuple(reader.polygon(item, f"coordinates[{i}]") for i, item in enumerate(coordinates))
        if reader.problems:
            raise ValidationError(reader.messages())
        return parts


def polygon_problems(value: Any, path: str = "polygon") -> list[str]:
    """Every problem with a GeoJSON Polygon or MultiPolygon geometry, one line each, as a case reports them.

    For importers, so a stored area's polygon is one the engine will read.
    """
    try:
        _Polygon().deserialize(value)
    except ValidationError as error:
        return sorted(_flatten({path: error.messages}), key=_path_order)
    return []


class _PolygonReader:
    """Reads the rings of a polygon geometry, keeping a problem per member."""

    def __init__(self) -> None:
        self.problems: dict[str, list[str]] = {}
        self.positions_wrong = 0
        self.positions = 0
        self.max_positions = input_limits().max_polygon_vertices

    def problem(self, path: str, message: str) -> None:
        self.problems.setdefault(path, []).append(message)

    def messages(self) -> dict[str, list[str]]:
        hidden = self.positions_wrong - _POSITION_PROBLEMS_SHOWN
        if hidden > 0:
            self.problem("coordinates", f"and {hidden} more positions with problems")
        return self.problems

    def polygon(self, rings: Any, path: str) -> tuple[Ring, ...]:
        if not isinstance(rings, list) or not rings:
            self.problem(path, "must be a list of rings (an outer ring, then any holes)")
            return ()
        if all(isinstance(r, list) and r and all(isinstance(x, int | float) for x in r) for r in rings):
            self.problem(path, "must be a list of rings, not one ring (check the nesting for type)")
            return ()
        return tuple(self.ring(ring, f"{path}[{i}]") for i, ring in enumerate(rings))

    def ring(self, ring: Any, path: str) -> Ring:
        if not isinstance(ring, list):
            self.problem(path, "must be a list of positions [lon, lat]")
            return ()
        if ring and all(isinstance(x, int | float) for x in ring):
            self.problem(path, "must be a list of positions [lon, lat], not one position (check the nesting for type)")
            return ()
        # Counted before any position is read, so a huge polygon costs nothing more.
        self.positions += len(ring)
        if self.positions > self.max_positions:
            if self.positions - len(ring) <= self.max_positions:
                self.problem(
                    path,
                    f"makes the geometry more than {self.max_positions} positions: simplify it "
                    "(max_polygon_vertices in config/policy.toml)",
                )
            return ()
        positions = [self.position(p, f"{path}[{i}]") for i, p in enumerate(ring)]
        if any(p is None for p in positions):
            return ()
        points = tuple(p for p in positions if p is not None)
        if len(points) < 4:
            self.problem(path, f"must have at least 4 positions (a closed ring), not {len(points)}")
        elif points[0] != points[-1]:
            self.problem(path, "must be closed: the last position must repeat the first")
        if any(abs(b[0] - a[0]) > 180 for a, b in pairwise(points)):
            self.problem(path, "crosses the antimeridian (180° longitude): split it into a MultiPolygon")
        elif len(points) >= 4 and points[0] == points[-1] and not LinearRing(points).is_simple:
            # GEOS's sweep-line test, O(n log n) in the ring's positions (bounded above). A ring
            # that crosses itself has no clear inside: distances to its edge would mislead.
            self.problem(path, "crosses or touches itself: draw the boundary so no two edges meet except at corners")
        return points

    def position(self, position: Any, path: str) -> tuple[float, float] | None:
        numbers = (
            isinstance(position, list)
            and len(position) in (2, 3)
            and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in position)
        )
        if not numbers:
            message = "must be a position [lon, lat] of two numbers"
        elif not -180 <= position[0] <= 180:
            message = "longitude (first number) must be between -180 and 180"
        elif not -90 <= position[1] <= 90:
            message = "latitude (second number) must be between -90 and 90"
        else:
            return float(position[0]), float(position[1])
        self.positions_wrong += 1
        if self.positions_wrong <= _POSITION_PROBLEMS_SHOWN:
            self.problem(path, message)
        return None


def _text(required: bool = False) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, error="must not be empty"))


def _one_of(choices: Iterable[str], required: bool = False, **kwargs: Any) -> fields.String:
    choices = tuple(choices)
    return fields.String(
        required=required, validate=validate.OneOf(choices, error="must be one of: " + ", ".join(choices)), **kwargs
    )


def _list_of(choices: Iterable[str]) -> fields.List:
    return fields.List(_one_of(choices))


def _number(minimum: float | None = None, maximum: float | None = None, required: bool = False, **kw: Any) -> _Number:
    if minimum is not None and maximum is not None:
        check = validate.Range(minimum, maximum, error=f"must be between {minimum:g} and {maximum:g}")
    elif minimum is not None:
        check = validate.Range(min=minimum, error=f"must be at least {minimum:g}")
    else:
        check = None
    return _Number(required=required, validate=check, **kw)


def _positive(required: bool = False) -> _Number:
    return _Number(required=required, validate=validate.Range(min=0, min_inclusive=False, error="must be more than 0"))


def _integer(minimum: int, maximum: int | None = None, required: bool = False) -> _Integer:
    error = f"must be between {minimum} and {maximum}" if maximum is not None else f"must be at least {minimum}"
    return _Integer(required=required, validate=validate.Range(minimum, maximum, error=error))


_GSS = validate.Regexp(r"^[EWSN]\d{8}$", error="must be a GSS code such as E08000003")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class LocationSchema(_Strict):
    lat = _number(-90, 90)
    lon = _number(-180, 180)
    postcode = _text()

    @validates_schema
    def _lat_lon_or_postcode(self, data: dict[str, Any], **kwargs: Any) -> None:
        has_point = "lat" in data or "lon" in data
        if has_point and not ("lat" in data and "lon" in data):
            raise ValidationError("give both lat and lon")
        if not has_point and "postcode" not in data:
            raise ValidationError("give lat and lon, or a postcode")
        if has_point and "postcode" in data:
            raise ValidationError("give lat and lon, or a postcode, not both")


class SupportLinkSchema(_Strict):
    id = _text(required=True)
    label = _text()
    kind = _one_of(SUPPORT_KINDS, required=True)
    lat = _number(-90, 90, required=True)
    lon = _number(-180, 180, required=True)
    importance = _one_of(IMPORTANCE)
    visits_per_month = _number(minimum=0)
    max_km = _positive()


class RiskLocationSchema(_Strict):
    id = _text(required=True)
    label = _text()
    lat = _number(-90, 90, required=True)
    lon = _number(-180, 180, required=True)
    radius_km = _number(minimum=0)


class YoungPersonSchema(_Strict):
    id = _text(required=True)
    age = _integer(0, 17, required=True)
    sex = _one_of(SEXES)
    home = fields.Nested(LocationSchema, required=True)
    risks = _list_of(RISKS)
    groups = fields.List(_text())
    avoid_people = fields.List(_text())
    risk_locations = fields.List(fields.Nested(RiskLocationSchema))
    support = fields.List(fields.Nested(SupportLinkSchema))
    siblings = fields.List(_text())


class SecureAccommodationSchema(_Strict):
    basis = _one_of(SECURE_BASES, required=True)
    start = fields.Date(required=True, error_messages={"invalid": "must be a date such as 2026-12-31"})
    end = fields.Date(required=True, error_messages={"invalid": "must be a date such as 2026-12-31"})

    @validates_schema
    def _in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError({"end": ["must not be before start"]})


class WorkerExclusionSchema(_Strict):
    placement_id = _text(required=True)
    reason = _text(required=True)


class SettingsSchema(_Strict):
    foster = _one_of(SUITABILITY)
    residential = _one_of(SUITABILITY)
    supported = _one_of(SUITABILITY)
    secure = _one_of(SUITABILITY)


class ReferralSchema(_Strict):
    id = _text(required=True)
    la_code = fields.String(validate=_GSS)
    young_people = fields.List(
        fields.Nested(YoungPersonSchema),
        required=True,
        validate=validate.Length(1, 6, error="must list 1 to 6 young people"),
    )
    needed_by = _one_of(URGENCY)
    settings = fields.Nested(SettingsSchema)
    required_specialisms = _list_of(SPECIALISMS)
    preferred_specialisms = _list_of(SPECIALISMS)
    solo = _Boolean()
    max_km_from_home = _positive()
    excluded_placements = fields.List(fields.Nested(WorkerExclusionSchema))
    secure_accommodation = fields.Nested(SecureAccommodationSchema)
    fostering_exemption = _Boolean()


class GroupSchema(_Strict):
    id = _text(required=True)
    label = _text()
    rivals = fields.List(_text())


class AreaSchema(_Strict):
    id = _text(required=True)
    label = _text()
    kind = _one_of(AREA_KINDS, required=True)
    lat = _number(-90, 90, required=True)
    lon = _number(-180, 180, required=True)
    radius_km = _number(minimum=0)
    groups = fields.List(_text())
    severity = _one_of(SEVERITY, required=True)
    review_by = fields.Date(error_messages={"invalid": "must be a date such as 2026-12-31"})
    polygon = _Polygon(allow_none=True)


class PlacementSchema(_Strict):
    id = _text(required=True)
    label = _text()
    setting = _one_of(SETTINGS, required=True)
    place_code = _one_of(PLACE_CODES)
    provider = _one_of(PROVIDERS)
    urn = _text()
    la_code = fields.String(validate=_GSS)
    lat = _number(-90, 90, required=True)
    lon = _number(-180, 180, required=True)
    vacancies = _integer(0, required=True)
    capacity = _integer(0, required=True)
    age_min = _integer(0, 17)
    age_max = _integer(0, 17)
    sexes = _list_of(SEXES)
    specialisms = _list_of(SPECIALISMS)
    specialist = _Boolean()
    residents = fields.List(_text())
    ofsted_rating = _one_of(OFSTED_RATINGS)
    weekly_cost = _number(minimum=0)
    fostering_exemption = _Boolean()
    approved_by = fields.String(validate=_GSS)
    connected_person = _Boolean()

    @validates_schema(skip_on_field_errors=False)
    def _ranges(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Runs even when other fields failed, so every problem is reported at once.
        errors: dict[str, list[str]] = {}
        capacity, vacancies = data.get("capacity"), data.get("vacancies")
        if isinstance(capacity, int) and isinstance(vacancies, int) and capacity < vacancies:
            errors["capacity"] = ["must be at least vacancies"]
        age_min, age_max = data.get("age_min", 0), data.get("age_max", 17)
        if isinstance(age_min, int) and isinstance(age_max, int) and age_min > age_max:
            errors["age_min"] = ["must not be more than age_max"]
        code, setting = data.get("place_code"), data.get("setting")
        means = PLACE_CODE_SETTING.get(code) if isinstance(code, str) else None
        if means is not None and isinstance(setting, str) and setting in SETTINGS and setting != means:
            # The law is read from the placement type; a contradiction is not guessed away.
            errors["place_code"] = [f"{code} is a {means} placement type, but setting is {setting}"]
        if errors:
            raise ValidationError(errors)


class WeightsSchema(_Strict):
    safety = _number(minimum=0)
    support = _number(minimum=0)
    journey = _number(minimum=0)
    specialist = _number(minimum=0)
    continuity = _number(minimum=0)
    cost = _number(minimum=0)


class PolicySchema(_Strict):
    min_km_from_linked_areas = _number(minimum=0)
    min_km_from_high_severity_areas = _number(minimum=0)
    safe_km = _positive()
    high_area_scale_km = _positive()
    medium_area_scale_km = _positive()
    support_scale_km = _positive()
    cost_half_weekly = _positive()
    journey_kmh = _positive()
    journey_hours_per_month = _positive()
    essential_warning_extra_km = _number(minimum=0)
    essential_warning_min_safety = _number(minimum=0, maximum=1)
    robustness_weight_change = _number(minimum=0, maximum=1)
    allow_inadequate = _Boolean()
    use_expired_intelligence = _Boolean()
    max_options = _integer(0)
    weights = fields.Nested(WeightsSchema)
    time_limit_seconds = _positive()
    workers = _integer(0, 64)


class CaseSchema(_Strict):
    format = fields.String(required=True, validate=validate.Equal(CASE_FORMAT, error=f"must be {CASE_FORMAT}"))
    policy = fields.Nested(PolicySchema)
    as_of = fields.Date(error_messages={"invalid": "must be a date such as 2026-12-31"})
    referral = fields.Nested(ReferralSchema)
    referrals = fields.List(fields.Nested(ReferralSchema))
    groups = fields.List(fields.Nested(GroupSchema))
    areas = fields.List(fields.Nested(AreaSchema))
    placements = fields.List(fields.Nested(PlacementSchema), required=True)


_PLAIN = {
    "Missing data for required field.": "is required",
    "Unknown field.": "is not a field of the case format (check the spelling)",
    "Not a valid string.": "must be text",
    "Not a valid list.": "must be a list",
    "Invalid input type.": "must be an object",
    "Field may not be null.": "must not be null",
    "Not a valid integer.": "must be a whole number",
    "Not a valid number.": "must be a number",
    "Special numeric values (nan or infinity) are not permitted.": "must be a finite number",
}


def _flatten(errors: Any, path: str = "") -> list[str]:
    if isinstance(errors, dict):
        lines: list[str] = []
        for key, value in errors.items():
            if key == "_schema":
                lines += _flatten(value, path)
            elif isinstance(key, int):
                lines += _flatten(value, f"{path}[{key}]")
            else:
                lines += _flatten(value, f"{path}.{key}" if path else str(key))
        return lines
    if isinstance(errors, list):
        return [line for item in errors for line in _flatten(item, path)]
    message = _PLAIN.get(str(errors), str(errors))
    return [f"{path or '(case)'}: {message}"]


def _duplicates(items: Any, what: str, path: str) -> list[str]:
    if not isinstance(items, list):
        return []
    ids = [item.get("id") for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]
    return [f"{path}: {what} id '{i}' is used more than once" for i, n in sorted(Counter(ids).items()) if n > 1]


def _unknown_groups(values: Any, path: str, group_ids: Collection[str]) -> list[str]:
    if not isinstance(values, list):
        return []
    return [
        f"{path}[{i}]: unknown group '{g}' (not in groups)"
        for i, g in enumerate(values)
        if isinstance(g, str) and g not in group_ids
    ]


def _cross_check(raw: dict[str, Any], require: str | None) -> list[str]:
    """Problems that span records: unique ids and references that must resolve."""
    problems: list[str] = []
    problems += _duplicates(raw.get("placements"), "placement", "placements")
    problems += _duplicates(raw.get("areas"), "area", "areas")
    problems += _duplicates(raw.get("groups"), "group", "groups")

    groups: list[Any] = raw["groups"] if isinstance(raw.get("groups"), list) else []
    # Only string ids: a wrong type is reported by the schema, and must not break the set.
    group_ids = {g["id"] for g in groups if isinstance(g, dict) and isinstance(g.get("id"), str)}
    placement_list: list[Any] = raw["placements"] if isinstance(raw.get("placements"), list) else []
    placement_ids = {p["id"] for p in placement_list if isinstance(p, dict) and isinstance(p.get("id"), str)}

    for i, group in enumerate(groups):
        if isinstance(group, dict):
            problems += _unknown_groups(group.get("rivals"), f"groups[{i}].rivals", group_ids)
    areas: list[Any] = raw["areas"] if isinstance(raw.get("areas"), list) else []
    for i, area in enumerate(areas):
        if isinstance(area, dict):
            problems += _unknown_groups(area.get("groups"), f"areas[{i}].groups", group_ids)
    return problems + _referral_cross_check(raw, require, group_ids, placement_ids)


def _referral_cross_check(
    raw: dict[str, Any], require: str | None, group_ids: Collection[str], placement_ids: Collection[str]
) -> list[str]:
    """The cross-checks of the referrals (and policy), against the world's group and placement ids."""
    problems = _duplicates(raw.get("referrals"), "referral", "referrals")
    referrals: list[tuple[str, Any]] = []
    if "referral" in raw:
        referrals.append(("referral", raw["referral"]))
    if isinstance(raw.get("referrals"), list):
        referrals += [(f"referrals[{i}]", r) for i, r in enumerate(raw["referrals"])]
    person_ids: Counter[str] = Counter()
    for path, referral in referrals:
        if not isinstance(referral, dict):
            continue
        people = referral.get("young_people")
        records: dict[tuple[str, str], Any] = {}
        for j, person in enumerate(people if isinstance(people, list) else []):
            if isinstance(person, dict):
                if isinstance(person.get("id"), str):
                    person_ids[person["id"]] += 1
                problems += _unknown_groups(person.get("groups"), f"{path}.young_people[{j}].groups", group_ids)
                problems += _conflicting_ids(person, f"{path}.young_people[{j}]", records)
        excluded = referral.get("excluded_placements")
        for j, item in enumerate(excluded if isinstance(excluded, list) else []):
            pid = item.get("placement_id") if isinstance(item, dict) else None
            if isinstance(pid, str) and pid not in placement_ids:
                problems.append(f"{path}.excluded_placements[{j}].placement_id: unknown placement '{pid}'")
    problems += [
        f"young_people: young person id '{pid}' is used more than once"
        for pid, n in sorted(person_ids.items())
        if n > 1
    ]

    policy = raw.get("policy")
    if isinstance(policy, dict):
        weights = policy.get("weights")
        if isinstance(weights, dict):
            numbers = [w for w in weights.values() if isinstance(w, int | float) and not isinstance(w, bool)]
            if len(numbers) == len(WEIGHT_KEYS) and sum(numbers) <= 0:
                problems.append("policy.weights: at least one weight must be more than 0")

    if require == "rank" and "referral" not in raw:
        problems.append("referral: is required to rank (one referral)")
    if require == "any" and "referral" not in raw and not raw.get("referrals"):
        problems.append("referral: give a referral to rank, or referrals to assign")
    if require == "assign" and not raw.get("referrals"):
        problems.append("referrals: is required to assign (a list of one or more referrals)")
    return problems


def _conflicting_ids(person: dict[str, Any], path: str, seen: dict[tuple[str, str], Any]) -> list[str]:
    """Support links and risk locations are named by id in the output, so within a referral
    one id means one record. Siblings may share a record, written the same for each."""
    problems = []
    for key in ("support", "risk_locations"):
        items = person.get(key)
        for k, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            earlier = seen.setdefault((key, item["id"]), item)
            if earlier != item:
                problems.append(
                    f"{path}.{key}[{k}].id: '{item['id']}' already names a different record in this referral"
                )
    return problems


def validate_case(raw: Any, require: str | None = None, postcodes: PostcodeLookup | None = None) -> list[str]:
    """Every problem with a case document, one line each; empty when it is valid."""
    try:
        parse_case(raw, require=require, postcodes=postcodes)
    except CaseError as error:
        return error.problems
    return []


def parse_case(raw: Any, require: str | None = None, postcodes: PostcodeLookup | None = None) -> Case:
    """Validate a case document and build the frozen `Case`, or raise `CaseError`.

    `require` is "rank" (a `referral` must be present), "assign" (`referrals`) or
    "any" (one or the other).
    `postcodes` resolves a postcode to (lat, lon); without it, a postcode location
    is an error naming the field.
    """
    if not isinstance(raw, dict):
        raise CaseError(["(case): must be a JSON object"])
    problems: list[str] = []
    try:
        data = CaseSchema().load(raw)
    except ValidationError as error:
        problems += _flatten(error.messages)
        data = None
    problems += _cross_check(raw, require)
    if data is not None:
        builder = _Builder(postcodes)
        case = builder.case(data)
        problems += builder.problems
    else:
        problems += _unresolved_postcodes(raw, postcodes)
    if problems:
        raise CaseError(sorted(set(problems), key=_path_order))
    return case


class WorldMemo:
    """The records of the last world parsed, built, by their canonical JSON text.

    A new version of a stored world differs from the last by a placement or two (a vacancy
    filled by a decision) or an import's areas; validating all 45,000 records of a regional
    world again took 7 s of the first ranking after every change. A record whose text is
    unchanged was valid and built the same then, so it is taken from here. Holds one world's
    records only: each parse replaces them. Not shared between threads without a lock.
    """

    def __init__(self) -> None:
        self.built: dict[tuple[str, str], Any] = {}


def _record_key(kind: str, item: Any) -> tuple[str, str]:
    return kind, json.dumps(item, sort_keys=True, separators=(",", ":"), allow_nan=False)


def parse_world(parts: Mapping[str, Any], as_of: date, memo: WorldMemo | None = None) -> Case:
    """`parse_case` of a world alone (its groups, areas and placements on `as_of`), with no referral.

    With a `memo`, records unchanged since the memo's last world are not validated again;
    the rest are validated one by one with the same schemas. The result equals
    `parse_case`'s; whenever anything is wrong the whole document goes through `parse_case`,
    so a problem is reported exactly as it would be, with every other problem beside it.
    """
    raw = {"format": CASE_FORMAT, "as_of": as_of.isoformat(), **parts}
    if memo is None or not isinstance(raw.get("placements"), list) or _cross_check(raw, None):
        return parse_case(raw)
    builder = _Builder(None)
    kinds: tuple[tuple[str, type[Schema], Callable[[dict[str, Any]], Any]], ...] = (
        ("groups", GroupSchema, lambda g: Group(g["id"], g.get("label", g["id"]), tuple(g.get("rivals", ())))),
        ("areas", AreaSchema, builder.area),
        ("placements", PlacementSchema, builder.placement),
    )
    built: dict[tuple[str, str], Any] = {}
    out: dict[str, tuple[Any, ...]] = {}
    try:
        for kind, schema, build in kinds:
            items = raw.get(kind, [])
            if not isinstance(items, list):
                return parse_case(raw)
            loader = schema()
            records = []
            for item in items:
                key = _record_key(kind, item)
                record = built.get(key)
                if record is None:
                    record = memo.built.get(key)
                if record is None:
                    record = build(loader.load(item))
                built[key] = record
                records.append(record)
            out[kind] = tuple(records)
    except (ValidationError, TypeError, ValueError):
        return parse_case(raw)
    if builder.problems:
        return parse_case(raw)
    memo.built = built
    return Case(
        placements=out["placements"],
        groups=out["groups"],
        areas=out["areas"],
        referral=None,
        referrals=(),
        policy={},
        as_of=as_of,
    )


# The members of a case that are not its world: what `parse_referrals` reads.
_NOT_WORLD = ("format", "policy", "as_of", "referral", "referrals")


def parse_referrals(
    raw: Any,
    world: Case,
    require: str | None = None,
    postcodes: PostcodeLookup | None = None,
    *,
    group_ids: Collection[str] | None = None,
    placement_ids: Collection[str] | None = None,
) -> Case:
    """`parse_case` for a case whose world (groups, areas, placements) was parsed already.

    `raw` holds the case's other members (format, as_of, policy, referral or referrals);
    `world` is the `Case` that `parse_case` made of the world's members. The referrals are
    checked with the same schemas and cross-checks as in a whole case, against the world's
    group and placement ids (pass `group_ids` and `placement_ids` when they are kept), so a
    problem reads exactly as `parse_case` would word it for the whole document. Returns the
    world with the referrals, as_of and policy of `raw`, or raises `CaseError`.
    """
    if not isinstance(raw, dict):
        raise CaseError(["(case): must be a JSON object"])
    problems: list[str] = []
    try:
        # Any member beyond these is the world's, and is parsed with the world, not here.
        data = CaseSchema(only=_NOT_WORLD).load(raw)
    except ValidationError as error:
        problems += _flatten(error.messages)
        data = None
    groups = group_ids if group_ids is not None else {g.id for g in world.groups}
    placements = placement_ids if placement_ids is not None else {p.id for p in world.placements}
    problems += _referral_cross_check(raw, require, groups, placements)
    if data is not None:
        builder = _Builder(postcodes)
        referral = data.get("referral")
        case = replace(
            world,
            referral=builder.referral(referral, "referral") if referral is not None else None,
            referrals=tuple(builder.referral(r, f"referrals[{i}]") for i, r in enumerate(data.get("referrals", ()))),
            policy=dict(data.get("policy", {})),
            as_of=data.get("as_of"),
        )
        problems += builder.problems
    else:
        problems += _unresolved_postcodes(raw, postcodes)
    if problems:
        raise CaseError(sorted(set(problems), key=_path_order))
    return case


def _unresolved_postcodes(raw: dict[str, Any], postcodes: PostcodeLookup | None) -> list[str]:
    """Postcodes that cannot be resolved in a case with other problems, so every problem is listed at once."""
    builder = _Builder(postcodes)
    referrals = [("referral", raw.get("referral"))]
    if isinstance(raw.get("referrals"), list):
        referrals += [(f"referrals[{i}]", r) for i, r in enumerate(raw["referrals"])]
    for path, referral in referrals:
        people = referral.get("young_people") if isinstance(referral, dict) else None
        for j, person in enumerate(people if isinstance(people, list) else []):
            home = person.get("home") if isinstance(person, dict) else None
            if isinstance(home, dict) and set(home) == {"postcode"} and isinstance(home["postcode"], str):
                builder.location(home, f"{path}.young_people[{j}].home")
    return builder.problems


def _path_order(line: str) -> tuple[Any, ...]:
    # Sort by path with list indices compared as numbers, so [10] follows [9].
    path = line.split(": ", 1)[0]
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[\[\].]+", path)), line


class _Builder:
    """Turns validated dicts into dataclasses, resolving postcodes."""

    def __init__(self, postcodes: PostcodeLookup | None):
        self.postcodes = postcodes
        self.problems: list[str] = []

    def case(self, data: dict[str, Any]) -> Case:
        referral = data.get("referral")
        return Case(
            placements=tuple(self.placement(p) for p in data["placements"]),
            groups=tuple(
                Group(g["id"], g.get("label", g["id"]), tuple(g.get("rivals", ()))) for g in data.get("groups", ())
            ),
            areas=tuple(self.area(a) for a in data.get("areas", ())),
            referral=self.referral(referral, "referral") if referral is not None else None,
            referrals=tuple(self.referral(r, f"referrals[{i}]") for i, r in enumerate(data.get("referrals", ()))),
            policy=dict(data.get("policy", {})),
            as_of=data.get("as_of"),
        )

    def location(self, data: Mapping[str, Any], path: str) -> Location:
        if "postcode" not in data:
            return Location(data["lat"], data["lon"])
        postcode = data["postcode"]
        found = self.postcodes(postcode) if self.postcodes else None
        if found is None:
            why = (
                "is not in the postcode lookup"
                if self.postcodes
                else "cannot be resolved: no postcode lookup is configured"
            )
            self.problems.append(f"{path}.postcode: '{postcode}' {why}")
            return Location(0.0, 0.0)
        return Location(*found)

    def referral(self, data: dict[str, Any], path: str) -> Referral:
        return Referral(
            id=data["id"],
            la_code=data.get("la_code"),
            young_people=tuple(
                self.young_person(p, f"{path}.young_people[{i}]") for i, p in enumerate(data["young_people"])
            ),
            needed_by=data.get("needed_by", "later"),
            settings=tuple((s, data.get("settings", {}).get(s, "suitable")) for s in SETTINGS),
            required_specialisms=_unique(data.get("required_specialisms", ())),
            preferred_specialisms=_unique(data.get("preferred_specialisms", ())),
            solo=data.get("solo", False),
            max_km_from_home=data.get("max_km_from_home"),
            excluded_placements=tuple(
                WorkerExclusion(e["placement_id"], e["reason"]) for e in data.get("excluded_placements", ())
            ),
            secure_accommodation=_secure(data.get("secure_accommodation")),
            fostering_exemption=data.get("fostering_exemption", False),
        )

    def young_person(self, data: dict[str, Any], path: str) -> YoungPerson:
        return YoungPerson(
            id=data["id"],
            age=data["age"],
            home=self.location(data["home"], f"{path}.home"),
            sex=data.get("sex"),
            risks=_unique(data.get("risks", ())),
            groups=_unique(data.get("groups", ())),
            avoid_people=_unique(data.get("avoid_people", ())),
            risk_locations=tuple(
                RiskLocation(r["id"], r.get("label", r["id"]), r["lat"], r["lon"], r.get("radius_km", 0.0))
                for r in data.get("risk_locations", ())
            ),
            support=tuple(
                SupportLink(
                    s["id"],
                    s.get("label", s["id"]),
                    s["kind"],
                    s["lat"],
                    s["lon"],
                    s.get("importance", "important"),
                    s.get("visits_per_month", 1.0),
                    s.get("max_km"),
                )
                for s in data.get("support", ())
            ),
            siblings=_unique(data.get("siblings", ())),
        )

    def area(self, data: dict[str, Any]) -> Area:
        review_by: date | None = data.get("review_by")
        return Area(
            id=data["id"],
            label=data.get("label", data["id"]),
            kind=data["kind"],
            lat=data["lat"],
            lon=data["lon"],
            radius_km=data.get("radius_km", 0.0),
            groups=_unique(data.get("groups", ())),
            severity=data["severity"],
            review_by=review_by,
            polygon=data.get("polygon"),
        )

    def placement(self, data: dict[str, Any]) -> Placement:
        sexes = data.get("sexes")
        return Placement(
            id=data["id"],
            label=data.get("label", data["id"]),
            setting=data["setting"],
            lat=data["lat"],
            lon=data["lon"],
            vacancies=data["vacancies"],
            capacity=data["capacity"],
            place_code=data.get("place_code"),
            provider=data.get("provider"),
            urn=data.get("urn"),
            la_code=data.get("la_code"),
            age_min=data.get("age_min", 0),
            age_max=data.get("age_max", 17),
            sexes=_unique(sexes) if sexes is not None else None,
            specialisms=_unique(data.get("specialisms", ())),
            specialist=data.get("specialist", False),
            residents=_unique(data.get("residents", ())),
            ofsted_rating=data.get("ofsted_rating"),
            weekly_cost=data.get("weekly_cost"),
            fostering_exemption=data.get("fostering_exemption", False),
            approved_by=data.get("approved_by"),
            connected_person=data.get("connected_person", False),
        )


def _secure(data: dict[str, Any] | None) -> SecureAccommodation | None:
    if data is None:
        return None
    return SecureAccommodation(data["basis"], data["start"], data["end"])


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
