"""Resolving postcodes to coordinates through the offline lookup table.

Postcodes are compared upper case without spaces; they are shown in the usual
form with one space before the last three characters ("M1 1AE").
"""

from __future__ import annotations

import re

from web.repositories import postcodes as postcode_repository

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


def resolve(postcode: str) -> tuple[float, float] | None:
    """(lat, lon) of the postcode from the lookup table, or None when it is not there."""
    found = postcode_repository.get_postcode(compact(postcode))
    return (found.lat, found.lon) if found is not None else None
