"""Gang-affected areas as CSV (circles) or GeoJSON (points with a radius, or polygons).

Every area carries its source, confidence and review date: intelligence about
places is contested and goes stale. Labels must be generic ("Area A", "Town centre
north"), never a neighbourhood's name; that cannot be checked, so the page says it.

CSV columns: code, label, kind, lat, lon, radius_km, severity, groups (group codes
separated by ;), source, confidence, review_by (yyyy-mm-dd). A group code nobody has recorded
is added as the importer's own group; another owner's group is used only if shared with the
importer for intelligence. An area another owner recorded is refused, row by row, naming it.
GeoJSON: a FeatureCollection whose features carry the same properties; a Point
feature is a circle (radius_km), a Polygon or MultiPolygon is kept as drawn, with
lat/lon set to a point inside it and radius_km 0 unless given. A row or feature
updates the area with the same code (a CSV row replaces a drawn polygon by a circle).

An area already past its review date is refused with the rest of the file, before anything
is written: the rankings would not use it, so importing it would only look like action.
A row that repeats what is stored changes nothing (its `updated_at` stays). The codes and
places (before and after) of the areas added, or changed in what the hard rules read (where
they are, severity, groups, or back in force after their review date), go back with the
result, so the re-check looks only at placements near them and opens reviews only where they
are behind the reasons (`web.relocation.services.relocation.recheck_near_areas`). A change of source,
confidence or a later review date alone is written but re-checks nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from planner.case import AREA_KINDS, SEVERITY
from planner.json_input import JsonInputError, load_json
from web.data_exchange.services.imports.base import FileSpec, ImportContext, Loaded, Problems, decode
from web.data_exchange.services.imports.geometry import check_polygon_geometry, representative_point
from web.data_exchange.services.imports.tabular import Cells, iterate_rows, read_csv
from web.models import CONFIDENCE, Area, Group
from web.relocation.services.relocation import shape_of
from web.shared.repositories import imports as repository
from web.shared.services import sharing

MAX_RADIUS_KM = 50.0
REQUIRED = ("code", "label", "kind", "lat", "lon", "severity", "source", "confidence", "review_by")
OPTIONAL = ("radius_km", "groups")
PROPERTIES = (*REQUIRED, *OPTIONAL)
COLUMNS_HINT = (
    "CSV columns: code, label, kind, lat, lon, radius_km, severity, groups, source, confidence, review_by. "
    "GeoJSON: a FeatureCollection of Point, Polygon or MultiPolygon features with the same properties "
    "(lat and lon not needed)."
)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    group_codes: list[str]


@dataclass(frozen=True)
class AreasImporter:
    kind: str = "areas"
    label: str = "Gang-affected areas (CSV or GeoJSON)"
    description: str = (
        "Reads areas linked to groups: circles (a centre and a radius) from CSV, or points and "
        "polygons from GeoJSON. Each area needs its source, confidence and a review date. A row adds "
        "the area or, when its code is already known, updates it. Labels must be generic (such as "
        "'Area A'), never the name of a neighbourhood."
    )
    roles: tuple[str, ...] = ("admin", "placement_officer")
    files: tuple[FileSpec, ...] = (
        FileSpec("file", "Areas (CSV or GeoJSON)", extensions=(".csv", ".geojson", ".json"), hint=COLUMNS_HINT),
    )

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        problems = Problems()
        data = files["file"]
        if data[:4096].decode("utf-8-sig", "ignore").lstrip().startswith("{"):
            rows = _geojson_rows(data, problems)
        else:
            rows = _csv_rows(data, problems)
        if rows is None:
            return problems.loaded(0, {})
        access = context.access()
        _check_groups_and_codes(rows, access, problems)
        _check_review_dates(rows, context.today, problems)
        existing = repository.areas_by_code(row.values["code"] for row in rows)
        _check_owners(rows, existing, access, problems)
        if problems:
            return problems.loaded(len(rows), {})
        groups = repository.groups_by_code(code for row in rows for code in row.group_codes)
        new_groups = _add_new_groups(rows, groups, context.authority_code)
        groups.update(new_groups)
        now = datetime.now()
        added = updated = unchanged = 0
        places = []
        codes = []
        for row in rows:
            area = existing.get(row.values["code"])
            if area is None:
                # Recorded by the importing authority, so it owns the area (decision 0080).
                area = Area(**row.values, owner_code=context.authority_code, updated_at=now)
                repository.add(area)
                repository.set_area_groups(area, [groups[code] for code in row.group_codes])
                added += 1
                bites = True
            elif _same(area, row):
                unchanged += 1
                continue
            else:
                before = _what_the_rules_read(area, context.today)
                was = shape_of(area)
                for name, value in row.values.items():
                    setattr(area, name, value)
                area.updated_at = now
                updated += 1
                repository.set_area_groups(area, [groups[code] for code in row.group_codes])
                bites = _what_the_rules_read(area, context.today) != before
                if bites:
                    places.append(was)  # where it was: placements near there are looked at too
            if bites:
                places.append(shape_of(area))
                codes.append(area.code)
        repository.flush()
        counts = {"areas added": added, "areas updated": updated, "areas unchanged": unchanged}
        if new_groups:
            counts["groups added"] = len(new_groups)
        loaded = problems.loaded(len(rows), counts)
        loaded.changed_places = places
        loaded.changed_areas = codes
        return loaded


IMPORTER = AreasImporter()


def _csv_rows(data: bytes, problems: Problems) -> list[_Row] | None:
    table = read_csv(data, file="file", required=REQUIRED, optional=OPTIONAL, problems=problems)
    if table is None:
        return None
    rows = []
    for number, values in iterate_rows(table, problems):
        cells = Cells("file", number, values, problems)
        cells.extra()
        row = _parse(cells, polygon=None)
        if row is not None:
            rows.append(row)
    return rows


def _geojson_rows(data: bytes, problems: Problems) -> list[_Row] | None:
    try:
        document = load_json(decode(data))
    except JsonInputError as error:
        # Too deep, a key given twice, NaN, or not JSON at all: the sentence says which.
        problems.add("file", None, None, f"The file is not valid GeoJSON: {error}")
        return None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        problems.add("file", None, None, "The GeoJSON must be a FeatureCollection")
        return None
    features = document.get("features")
    if not isinstance(features, list):
        problems.add("file", None, "features", "The FeatureCollection has no list of features")
        return None
    rows = []
    for number, feature in enumerate(features, start=1):
        row = _feature_row(number, feature, problems)
        if row is not None:
            rows.append(row)
    return rows


def _feature_row(number: int, feature: Any, problems: Problems) -> _Row | None:
    """A feature as a row; its number (first feature 1) stands for the row."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.add("file", number, None, f"Feature {number} is not a GeoJSON Feature")
        return None
    properties = feature.get("properties") or {}
    geometry = feature.get("geometry")
    if not isinstance(properties, dict):
        problems.add("file", number, "properties", f"Feature {number}: properties must be an object")
        return None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Point", "Polygon", "MultiPolygon"):
        problems.add("file", number, "geometry", f"Feature {number}: geometry must be a Point, Polygon or MultiPolygon")
        return None
    values = {name: _as_text(properties.get(name)) for name in PROPERTIES}
    polygon: dict[str, Any] | None = None
    if geometry["type"] == "Point":
        coordinates = geometry.get("coordinates")
        if not (isinstance(coordinates, list) and len(coordinates) >= 2):
            problems.add("file", number, "geometry", f"Feature {number}: a Point needs [longitude, latitude]")
            return None
        values["lon"], values["lat"] = _as_text(coordinates[0]), _as_text(coordinates[1])
    else:
        polygon, problem = check_polygon_geometry(geometry)
        if polygon is None:
            problems.add("file", number, "geometry", f"Feature {number}: {problem}")
            return None
        lat, lon = representative_point(polygon)
        values["lat"], values["lon"] = repr(lat), repr(lon)
        values["radius_km"] = values["radius_km"] or "0"
    return _parse(Cells("file", number, values, problems), polygon=polygon)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if isinstance(value, float) and not math.isfinite(value):
        return "not a number"
    return str(value)


def _parse(cells: Cells, polygon: dict[str, Any] | None) -> _Row | None:
    values: dict[str, Any] = {
        "code": cells.text("code", required=True, max_length=40),
        "label": cells.text("label", required=True, max_length=120),
        "kind": cells.choice("kind", AREA_KINDS, required=True),
        "lat": cells.number("lat", required=True, minimum=-90, maximum=90),
        "lon": cells.number("lon", required=True, minimum=-180, maximum=180),
        "radius_km": cells.number("radius_km", minimum=0, maximum=MAX_RADIUS_KM) or 0.0,
        "polygon": polygon,
        "severity": cells.choice("severity", SEVERITY, required=True),
        "source": cells.text("source", required=True, max_length=120),
        "confidence": cells.choice("confidence", CONFIDENCE, required=True),
        "review_by": cells.date_iso("review_by", required=True),
    }
    group_codes = sorted(set(cells.listing("groups")))
    return _Row(cells.row, values, group_codes) if cells.ok else None


def _same(area: Area, row: _Row) -> bool:
    """Whether the stored area already says everything the row says (groups included)."""
    for name, value in row.values.items():
        stored = getattr(area, name)
        if name == "polygon":
            # Stored as JSON: compare as JSON, so tuples and lists of the same points agree.
            stored, value = json.dumps(stored, sort_keys=True), json.dumps(value, sort_keys=True)
        if stored != value:
            return False
    return sorted(g.code for g in area.groups) == row.group_codes


def _what_the_rules_read(area: Area, today: date) -> tuple[Any, ...]:
    """What the hard rules read of an area: where it is, how severe, whose, and whether in force."""
    return (
        area.lat,
        area.lon,
        area.radius_km,
        json.dumps(area.polygon, sort_keys=True),
        area.severity,
        sorted(g.code for g in area.groups),
        area.review_by >= today,
    )


def _check_review_dates(rows: list[_Row], today: date, problems: Problems) -> None:
    for row in rows:
        review_by = row.values["review_by"]
        if review_by is not None and review_by < today:
            problems.add(
                "file",
                row.number,
                "review_by",
                "review_by is in the past: an area past its review date is not used by rankings. "
                "Check it with its source and give the date of its next review",
            )


def _check_groups_and_codes(rows: list[_Row], access: sharing.Access, problems: Problems) -> None:
    """Codes given twice, and groups the importer may not link to (another's, unshared).

    A group code nobody has recorded is not a problem: the import creates it (`_add_new_groups`).
    """
    known = repository.groups_by_code(code for row in rows for code in row.group_codes)
    first_row_of: dict[str, int] = {}
    for row in rows:
        code = row.values["code"]
        if code in first_row_of:
            problems.add("file", row.number, "code", f"code appears more than once (first in row {first_row_of[code]})")
        else:
            first_row_of[code] = row.number
        for group_code in row.group_codes:
            group = known.get(group_code)
            if group is None:
                continue
            verdict = access.may_read("group", group.owner_code)
            if not verdict.allowed:
                problems.add("file", row.number, "groups", f"group {group_code} cannot be used: {verdict.reason}")


def _check_owners(rows: list[_Row], existing: dict[str, Area], access: sharing.Access, problems: Problems) -> None:
    """A row may update only an area the importing authority owns: others are refused, naming the owner."""
    for row in rows:
        area = existing.get(row.values["code"])
        if area is None:
            continue
        verdict = access.may_write("area", area.owner_code)
        if not verdict.allowed:
            problems.add("file", row.number, "code", f"area {area.code} was not changed: {verdict.reason}")


def _add_new_groups(rows: list[_Row], known: dict[str, Group], owner_code: str) -> dict[str, Group]:
    """Groups the file names that nobody has recorded: added, owned by the importer.

    A group takes the source, confidence and review date of the first row naming it (the
    report it came from), and its code as its label until someone edits it on the groups page.
    """
    added: dict[str, Group] = {}
    for row in rows:
        for code in row.group_codes:
            if code in known or code in added:
                continue
            group = Group(
                code=code,
                label=code,
                source=row.values["source"],
                confidence=row.values["confidence"],
                review_by=row.values["review_by"],
                owner_code=owner_code,
            )
            repository.add(group)
            added[code] = group
    return added
