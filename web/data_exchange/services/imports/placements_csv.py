"""A provider list as CSV: placements added, or updated by their code.

The columns are documented in docs/guide/imports.md, with the accepted values (the
engine's own vocabularies in planner/case.py). A placement is found by a postcode
(resolved through the postcode lookup) or by lat and lon; its authority is the
authority_code column, else the postcode's authority. A row updates the placement
with the same code; a column left out of the file leaves that field as it was, a
blank cell in a column that is there clears it (or sets its default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from planner.case import OFSTED_RATINGS, PLACE_CODE_SETTING, PLACE_CODES, PROVIDERS, SETTINGS, SEXES, SPECIALISMS
from web.data_exchange.services.imports.base import FileSpec, ImportContext, Loaded, Problems
from web.data_exchange.services.imports.tabular import Cells, iterate_rows, read_csv
from web.models import Placement
from web.shared.repositories import imports as repository
from web.shared.services import postcodes as postcode_service

STATUSES = ("active", "suspended", "closed")
# Supported accommodation is for 16- and 17-year-olds (Ofsted-registered since 2023).
SUPPORTED_MIN_AGE = 16
MAX_AGE = 25

REQUIRED = ("code", "label", "provider_name", "setting", "capacity", "vacancies")
OPTIONAL = (
    "place_code",
    "provider",
    "urn",
    "postcode",
    "lat",
    "lon",
    "authority_code",
    "age_min",
    "age_max",
    "sexes",
    "specialisms",
    "specialist",
    "ofsted_rating",
    "weekly_cost",
    "status",
    "fostering_exemption",
    "approved_by",
    "connected_person",
)
GSS_CODE = re.compile(r"^[EWSN]\d{8}$")
COLUMNS_HINT = (
    "Columns: code, label, provider_name, setting, capacity (or places), vacancies, and postcode or lat and lon; "
    "optional: place_code, provider, urn, authority_code, age_min, age_max, sexes, specialisms, specialist, "
    "ofsted_rating, weekly_cost, status, fostering_exemption, approved_by, connected_person."
)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    postcode: str | None = None  # compact
    needs_lookup: bool = False  # no lat/lon given: the postcode must resolve


@dataclass(frozen=True)
class PlacementsCsvImporter:
    kind: str = "placements_csv"
    label: str = "Placements (provider list CSV)"
    description: str = (
        "Reads a list of placements (foster households, children's homes, supported accommodation, "
        "secure homes) with their places, vacancies, ages, specialisms and location. A row adds the "
        "placement or, when its code is already known, updates it. Locations come from a postcode "
        "(every UK postcode is known) or from lat and lon."
    )
    roles: tuple[str, ...] = ("admin", "placement_officer")
    files: tuple[FileSpec, ...] = (FileSpec("file", "Placements list (CSV)", hint=COLUMNS_HINT),)

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        problems = Problems()
        table = read_csv(
            files["file"], file="file", required=REQUIRED, optional=OPTIONAL, problems=problems,
            aliases={"places": "capacity"},
        )  # fmt: skip
        if table is None:
            return problems.loaded(0, {})
        present = set(table.columns)
        if "postcode" not in present and not {"lat", "lon"} <= present:
            problems.add("file", 1, None, "The header row needs a postcode column, or lat and lon columns")
            return problems.loaded(0, {})
        authorities = repository.authority_codes()
        parsed: list[_Row] = []
        first_row_of: dict[str, int] = {}
        for number, values in iterate_rows(table, problems):
            row = _parse(Cells("file", number, values, problems), present, authorities, first_row_of)
            if row is not None:
                parsed.append(row)
        _locate(parsed, problems, authorities)
        if problems:
            return problems.loaded(len(parsed), {})
        existing = repository.placements_by_code(row.values["code"] for row in parsed)
        _check_owners(parsed, existing, context, problems)
        _check_stored_place_codes(parsed, existing, problems)
        if problems:
            return problems.loaded(len(parsed), {})
        now = datetime.now()
        added = updated = 0
        for row in parsed:
            placement = existing.get(row.values["code"])
            if placement is None:
                # Listed by the importing authority, so it owns the placement (decision 0080).
                placement = Placement(
                    **{**_defaults(), **row.values}, owner_code=context.authority_code, updated_at=now
                )
                repository.add(placement)
                added += 1
            else:
                for name, value in row.values.items():
                    setattr(placement, name, value)
                placement.updated_at = now
                updated += 1
        repository.flush()
        return problems.loaded(len(parsed), {"placements added": added, "placements updated": updated})


def _check_owners(
    parsed: list[_Row], existing: dict[str, Placement], context: ImportContext, problems: Problems
) -> None:
    """A row may update only a placement the importing authority owns: others are refused, naming the owner."""
    access = context.access()
    for row in parsed:
        placement = existing.get(row.values["code"])
        if placement is None:
            continue
        verdict = access.may_write("placement", placement.owner_code)
        if not verdict.allowed:
            problems.add("file", row.number, "code", f"placement {placement.code} was not changed: {verdict.reason}")


IMPORTER = PlacementsCsvImporter()


def _check_stored_place_codes(rows: list[_Row], existing: dict[str, Placement], problems: Problems) -> None:
    """A new setting must agree with the placement type already stored, when the file leaves it out."""
    for row in rows:
        stored = existing.get(row.values["code"])
        if stored is None or "place_code" in row.values:
            continue
        means = PLACE_CODE_SETTING.get(stored.place_code or "")
        if means is not None and row.values["setting"] != means:
            problems.add(
                "file",
                row.number,
                "place_code",
                f"the stored place_code {stored.place_code} is a {means} placement, not {row.values['setting']}: "
                "give the placement's place_code in the file",
            )


def _defaults() -> dict[str, Any]:
    return {"status": "active", "age_min": 0, "age_max": 17, "specialisms": [], "specialist": False}


def _parse(cells: Cells, present: set[str], authorities: set[str], first_row_of: dict[str, int]) -> _Row | None:
    """One row's values by the Placement attribute they set (only the columns in the file)."""
    cells.extra()
    values: dict[str, Any] = {}
    code = cells.text("code", required=True, max_length=40)
    if code is not None:
        if code in first_row_of:
            cells.problem("code", f"code appears more than once (first in row {first_row_of[code]})")
        else:
            first_row_of[code] = cells.row
    values["code"] = code
    values["label"] = cells.text("label", required=True, max_length=160)
    values["provider_name"] = cells.text("provider_name", required=True, max_length=160)
    values["setting"] = cells.choice("setting", SETTINGS, required=True)
    capacity = cells.integer("capacity", required=True, minimum=0, maximum=500)
    vacancies = cells.integer("vacancies", required=True, minimum=0)
    if capacity is not None and vacancies is not None and vacancies > capacity:
        cells.problem("vacancies", "vacancies must be between 0 and capacity")
    values["capacity"], values["vacancies"] = capacity, vacancies
    if "place_code" in present:
        values["place_code"] = cells.choice("place_code", PLACE_CODES, upper=True)
        means = PLACE_CODE_SETTING.get(values["place_code"] or "")
        if means is not None and values["setting"] is not None and values["setting"] != means:
            # The law is read from the placement type: a contradiction is refused, not guessed.
            cells.problem(
                "place_code", f"place_code {values['place_code']} is a {means} placement, not {values['setting']}"
            )
    if "provider" in present:
        values["provider"] = cells.choice("provider", PROVIDERS, upper=True)
    if "urn" in present:
        values["urn"] = cells.text("urn", max_length=20)
    if "authority_code" in present:
        authority = cells.text("authority_code")
        if authority is not None and authority.upper() not in authorities:
            cells.problem(
                "authority_code",
                "authority_code is not the GSS code of an English children's-services authority "
                "or a Welsh or Scottish council",
            )
        values["authority_code"] = authority.upper() if authority else None
    _ages(cells, present, values)
    if "sexes" in present:
        sexes = [s.lower() for s in cells.listing("sexes")]
        if any(s not in SEXES for s in sexes):
            cells.problem("sexes", "sexes must be male, female, or both separated by ;")
        values["sexes"] = sorted(set(sexes)) or None
    if "specialisms" in present:
        specialisms = [s.lower() for s in cells.listing("specialisms")]
        unknown = sorted({s for s in specialisms if s not in SPECIALISMS})
        if unknown:
            cells.problem("specialisms", f"specialisms has unknown names: {', '.join(unknown)[:120]}")
        values["specialisms"] = sorted(set(specialisms))
    if "specialist" in present:
        values["specialist"] = bool(cells.boolean("specialist"))
    if "ofsted_rating" in present:
        values["ofsted_rating"] = cells.choice("ofsted_rating", OFSTED_RATINGS)
    if "weekly_cost" in present:
        values["weekly_cost"] = cells.number("weekly_cost", minimum=0, maximum=100_000)
    if "status" in present:
        values["status"] = cells.choice("status", STATUSES) or "active"
    if "fostering_exemption" in present:
        values["fostering_exemption"] = bool(cells.boolean("fostering_exemption"))
    if "connected_person" in present:
        values["connected_person"] = bool(cells.boolean("connected_person"))
    if "approved_by" in present:
        approver = cells.text("approved_by")
        if approver is not None and not GSS_CODE.match(approver.upper()):
            cells.problem("approved_by", "approved_by must be the GSS code of the approving authority, like E08000003")
        values["approved_by"] = approver.upper() if approver else None
    row = _Row(cells.row, values)
    _location(cells, present, row)
    return row if cells.ok else None


def _ages(cells: Cells, present: set[str], values: dict[str, Any]) -> None:
    age_min = cells.integer("age_min", minimum=0, maximum=MAX_AGE) if "age_min" in present else None
    age_max = cells.integer("age_max", minimum=0, maximum=MAX_AGE) if "age_max" in present else None
    if "age_min" in present:
        values["age_min"] = age_min if age_min is not None else 0
    if "age_max" in present:
        values["age_max"] = age_max if age_max is not None else 17
    low, high = values.get("age_min"), values.get("age_max")
    if low is not None and high is not None and low > high:
        cells.problem("age_min", "age_min must not be more than age_max")
    if values.get("setting") == "supported" and (low is None or low < SUPPORTED_MIN_AGE):
        cells.problem("age_min", "supported accommodation is for 16- and 17-year-olds: age_min must be 16 or more")


def _location(cells: Cells, present: set[str], row: _Row) -> None:
    lat = cells.number("lat", minimum=-90, maximum=90) if "lat" in present else None
    lon = cells.number("lon", minimum=-180, maximum=180) if "lon" in present else None
    postcode = cells.text("postcode") if "postcode" in present else None
    if postcode is not None:
        if not postcode_service.is_well_formed(postcode):
            cells.problem("postcode", "postcode is not a UK postcode")
        else:
            row.postcode = postcode_service.compact(postcode)
            row.values["postcode"] = postcode_service.display(postcode)
    elif "postcode" in present:
        row.values["postcode"] = None
    if bool(cells.raw("lat")) != bool(cells.raw("lon")):
        cells.problem("lat" if not cells.raw("lat") else "lon", "give both lat and lon, or neither")
    if lat is not None and lon is not None:
        row.values["lat"], row.values["lon"] = lat, lon
    elif row.postcode is not None:
        row.needs_lookup = True
    elif not cells.raw("lat") and not cells.raw("lon") and not cells.raw("postcode"):
        cells.problem("postcode", "Enter a postcode, or lat and lon: the placement needs a location")


def _locate(rows: list[_Row], problems: Problems, authorities: set[str]) -> None:
    """Resolve postcodes together: coordinates where none were given, and the authority."""
    found = postcode_service.find_many(row.postcode for row in rows if row.postcode)
    for row in rows:
        if row.postcode is None:
            continue
        known = found.get(row.postcode)
        if known is None:
            if row.needs_lookup:
                problems.add(
                    "file",
                    row.number,
                    "postcode",
                    f"postcode {postcode_service.display(row.postcode)} is not in the postcode lookup: "
                    "give lat and lon, or import a newer ONS Postcode Directory that has it",
                )
            continue
        if row.needs_lookup:
            row.values["lat"], row.values["lon"] = known.lat, known.lon
        if row.values.get("authority_code") is None and known.authority_code in authorities:
            row.values["authority_code"] = known.authority_code
