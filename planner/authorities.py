"""English children's-services authorities, which adjoin, and reg 11 approval.

Reads the small tables in `data/reference/` (derived from ONS data by
`data/reference/derive.py`). Adjoining follows the river-crossings reading:
authorities on opposite banks of a tidal river adjoin, since their boundary
runs mid-stream. Welsh and Scottish councils are known too, with the English
authorities they border, because reg 11 covers placements outside England.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from planner.case import Placement

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

APPROVAL_NONE = "none"
APPROVAL_NOMINATED_OFFICER = "nominated_officer"
APPROVAL_DIRECTOR = "director"

# Which part of reg 11 decided the approval level (the `approval_rule` fact).
RULE_IN_AREA = "in_area"
RULE_ADJOINING = "adjoining"
RULE_AT_A_DISTANCE = "at_a_distance"
RULE_OWN_FOSTER_CARER = "reg_11_4_own_foster_carer"
RULE_CONNECTED_PERSON = "reg_11_4_connected_person"


@lru_cache(maxsize=1)
def authority_names() -> dict[str, str]:
    """GSS code to name for the 153 English children's-services authorities."""
    with open(REFERENCE_DIR / "authorities.csv", newline="", encoding="utf-8") as fh:
        return {row["gss_code"]: row["name"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def beyond_england_names() -> dict[str, str]:
    """GSS code to name for the Welsh and Scottish councils (W06, S12)."""
    with open(REFERENCE_DIR / "authorities_wales_scotland.csv", newline="", encoding="utf-8") as fh:
        return {row["gss_code"]: row["name"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def adjoining_pairs() -> frozenset[frozenset[str]]:
    """Adjoining pairs: English authorities, and English authorities with the Welsh and
    Scottish councils across the border."""
    with open(REFERENCE_DIR / "adjacency.csv", newline="", encoding="utf-8") as fh:
        pairs = {frozenset((row["gss_code_a"], row["gss_code_b"])) for row in csv.DictReader(fh)}
    with open(REFERENCE_DIR / "adjacency_cross_border.csv", newline="", encoding="utf-8") as fh:
        pairs |= {frozenset((row["gss_code_england"], row["gss_code_beyond"])) for row in csv.DictReader(fh)}
    return frozenset(pairs)


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
    return authority_names().get(code) or beyond_england_names().get(code)


def approval_level(responsible_la: str | None, placement_la: str | None) -> str | None:
    """Who must approve a placement under reg 11 (Care Planning Regulations 2010).

    Inside the responsible authority: none. Outside it: a nominated officer. Outside
    and "at a distance" (not in an adjoining authority): the director of children's
    services. A placement in Wales or Scotland is outside the area too: adjoining where
    that council borders the responsible authority, otherwise at a distance. A missing
    code, a responsible authority that is not an English children's-services authority,
    or a placement authority known neither in England, Wales nor Scotland gives None:
    the rule cannot be applied.
    """
    if responsible_la is None or placement_la is None:
        return None
    if responsible_la not in authority_names() or authority_name(placement_la) is None:
        return None
    if responsible_la == placement_la:
        return APPROVAL_NONE
    if adjoins(responsible_la, placement_la):
        return APPROVAL_NOMINATED_OFFICER
    return APPROVAL_DIRECTOR


@dataclass(frozen=True)
class Approval:
    """The reg 11 approval a placement needs (`level`, None when it cannot be worked out)
    and the rule that decided it (`rule`, None likewise)."""

    level: str | None
    rule: str | None


_LEVEL_RULE = {
    APPROVAL_NONE: RULE_IN_AREA,
    APPROVAL_NOMINATED_OFFICER: RULE_ADJOINING,
    APPROVAL_DIRECTOR: RULE_AT_A_DISTANCE,
}


def placement_approval(responsible_la: str | None, placement: Placement) -> Approval:
    """The reg 11 approval for placing a child of `responsible_la` at `placement`.

    Reg 11(4): a placement outside the area with the responsible authority's own approved
    foster carers, or with a connected person (reg 24; SSDA903 U1-U3 or the placement's
    `connected_person`), needs no approval under reg 11; the rule says which exception
    applied. Inside the area no approval is needed whatever the carers.
    """
    level = approval_level(responsible_la, placement.la_code)
    if level == APPROVAL_NONE:
        return Approval(level, RULE_IN_AREA)
    if placement.is_connected_person:
        return Approval(APPROVAL_NONE, RULE_CONNECTED_PERSON)
    if placement.setting == "foster" and responsible_la is not None and placement.approved_by == responsible_la:
        return Approval(APPROVAL_NONE, RULE_OWN_FOSTER_CARER)
    return Approval(level, None if level is None else _LEVEL_RULE[level])
