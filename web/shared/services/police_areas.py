"""Which police force covers an authority's area (data/reference/police/force_areas.csv).

A force's organisation code is its police force area's GSS code (E23...), so the force a
child's host authority lies in is found without a table in the database. The reference table
covers only the authorities the product places children in so far (see its PROVENANCE.md).
"""

from __future__ import annotations

import csv
from functools import cache

from planner.authorities import REFERENCE_DIR

FORCE_AREAS = REFERENCE_DIR / "police" / "force_areas.csv"


@cache
def _table() -> dict[str, tuple[str, str]]:
    with open(FORCE_AREAS, newline="", encoding="utf-8") as fh:
        return {row["authority_code"]: (row["force_code"], row["force_name"]) for row in csv.DictReader(fh)}


def force_for(authority_code: str | None) -> str | None:
    """The police force area code covering the authority, or None where the table has no row."""
    found = _table().get(authority_code or "")
    return found[0] if found else None


def force_name(force_code: str) -> str:
    return next((name for code, name in _table().values() if code == force_code), force_code)


def authorities_of(force_code: str) -> set[str]:
    """The authorities whose area the force covers."""
    return {authority for authority, (code, _) in _table().items() if code == force_code}
