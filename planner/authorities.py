"""English children's-services authorities, which adjoin, and reg 11 approval.

Reads the small tables in `data/reference/` (derived from ONS data by
`data/reference/derive.py`). Adjoining follows the river-crossings reading:
authorities on opposite banks of a tidal river adjoin, since their boundary
runs mid-stream.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

APPROVAL_NONE = "none"
APPROVAL_NOMINATED_OFFICER = "nominated_officer"
APPROVAL_DIRECTOR = "director"


@lru_cache(maxsize=1)
def authority_names() -> dict[str, str]:
    """GSS code to name for the 153 English children's-services authorities."""
    with open(REFERENCE_DIR / "authorities.csv", newline="", encoding="utf-8") as fh:
        return {row["gss_code"]: row["name"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def adjoining_pairs() -> frozenset[frozenset[str]]:
    with open(REFERENCE_DIR / "adjacency.csv", newline="", encoding="utf-8") as fh:
        return frozenset(frozenset((row["gss_code_a"], row["gss_code_b"])) for row in csv.DictReader(fh))


@lru_cache(maxsize=1)
def lsoa_authorities() -> dict[str, str]:
    """LSOA code to the English children's-services authority it lies in (2011 and 2021 codes)."""
    with open(REFERENCE_DIR / "lsoa_authorities.csv", newline="", encoding="utf-8") as fh:
        return {row["lsoa_code"]: row["gss_code"] for row in csv.DictReader(fh)}


def adjoins(a: str, b: str) -> bool:
    return frozenset((a, b)) in adjoining_pairs()


def authority_name(code: str | None) -> str | None:
    if code is None:
        return None
    return authority_names().get(code)


def approval_level(responsible_la: str | None, placement_la: str | None) -> str | None:
    """Who must approve a placement under reg 11 (Care Planning Regulations 2010).

    Inside the responsible authority: none. Outside it: a nominated officer. Outside
    and "at a distance" (not in an adjoining authority): the director of children's
    services. A missing code, or one that is not an English children's-services
    authority in the reference table, gives None: the rule cannot be applied.
    """
    if responsible_la is None or placement_la is None:
        return None
    known = authority_names()
    if responsible_la not in known or placement_la not in known:
        return None
    if responsible_la == placement_la:
        return APPROVAL_NONE
    if adjoins(responsible_la, placement_la):
        return APPROVAL_NOMINATED_OFFICER
    return APPROVAL_DIRECTOR
