"""Cases built from the stored records: the live pool, and referrals to rank or allocate.

One place builds the world part of a case (groups, areas, the live placement pool)
and keeps the prepared world in memory until the stored placements, areas or groups
change, or the day does. A ranking, a panel's allocation, a relocation re-check and
the cost-to-others view all judge placements against the same world this way.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from planner import CaseError, load_policy, parse_case, prepare_world
from planner.case import Case
from planner.policy import Policy
from planner.world import World
from web import models
from web.matching.repositories import placements
from web.matching.services.case_builder import areas_part, groups_part, placements_part, referral_part
from web.shared.repositories import intelligence
from web.shared.services.errors import InvalidInput

CASE_FORMAT = "placement-case/1"

_cache_lock = threading.Lock()
_cache: dict[str, World] = {}


class ReferralLike(Protocol):
    """What `referral_part` reads: a stored referral, or a stand-in for a re-check."""

    reference: str
    authority_code: str
    needed_by: str
    settings: dict[str, Any]
    required_specialisms: list[str]
    preferred_specialisms: list[str]
    solo: bool
    max_km_from_home: float | None
    secure_basis: str | None
    secure_start: date | None
    secure_end: date | None
    fostering_exemption: bool

    @property
    def young_people(self) -> list[models.YoungPerson]: ...

    @property
    def exclusions(self) -> list[models.ReferralExclusion]: ...


@dataclass(frozen=True)
class BuiltCase:
    """A case as stored (`document`), as parsed, its prepared world, and its warnings."""

    document: dict[str, Any]
    parsed: Case
    world: World
    policy: Policy
    warnings: list[str]

    @property
    def text(self) -> str:
        return json.dumps(self.document, sort_keys=True, separators=(",", ":"))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def _world(parsed: Case, key: str, use_expired: bool) -> World:
    with _cache_lock:
        world = _cache.get(key)
        if world is None:
            as_of = parsed.as_of or date.today()
            world = prepare_world(parsed.placements, parsed.areas, parsed.groups, as_of, use_expired)
            _cache.clear()  # one world at a time: the current one
            _cache[key] = world
        return world


def build_case(
    referrals: Sequence[ReferralLike],
    as_of: date,
    *,
    batch: bool,
    extra_placements: list[dict[str, Any]] | None = None,
) -> BuiltCase:
    """The case for `referrals` against the live pool (plus any hypothetical placements).

    With `batch` the referrals go under `referrals` (for `assign`); otherwise the one
    referral goes under `referral` (for `rank`). Invalid stored data is `InvalidInput`.
    """
    policy = load_policy()
    use_expired = policy.use_expired_intelligence
    pool = placements.list_live_placements()
    linked = {link.group.code for r in referrals for person in r.young_people for link in person.group_links}
    groups, warnings = groups_part(
        intelligence.list_groups(), intelligence.list_rivalries(), as_of, use_expired, linked
    )
    world_parts = {
        "groups": groups,
        "areas": areas_part(intelligence.list_areas()),
        "placements": placements_part(pool) + list(extra_placements or []),
    }
    live = {p["id"] for p in world_parts["placements"]}
    parts = []
    for referral in referrals:
        part, referral_warnings = referral_part(referral, live, as_of, use_expired)  # type: ignore[arg-type]
        parts.append(part)
        warnings.extend(referral_warnings)
    document: dict[str, Any] = {"format": CASE_FORMAT, "as_of": as_of.isoformat()}
    if batch:
        document["referrals"] = parts
    else:
        (document["referral"],) = parts
    document.update(world_parts)
    try:
        parsed = parse_case(document, require="assign" if batch else "rank")
    except CaseError as error:
        raise InvalidInput(error.problems) from None
    key = hashlib.sha256((json.dumps(world_parts, sort_keys=True) + as_of.isoformat() + str(use_expired)).encode())
    return BuiltCase(document, parsed, _world(parsed, key.hexdigest(), use_expired), policy, warnings)
