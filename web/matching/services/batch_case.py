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
from collections.abc import Collection, Sequence
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
from web.shared.services import audit, sharing
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
    scope: Scope

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


@dataclass(frozen=True)
class Scope:
    """What one authority's case may use (the access policy): owners readable by kind, and the
    agreements each other owner's records were read under."""

    authority_code: str
    shared: dict[tuple[str, str], tuple[int, ...]]  # (kind, owner) -> agreement ids, other owners only


def _scoped(
    authority_code: str,
    pool: list[models.Placement],
    groups: list[models.Group],
    rivalries: list[models.Rivalry],
    areas: list[models.Area],
    keep_placements: Collection[str],
) -> tuple[list[models.Placement], list[models.Group], list[models.Rivalry], list[models.Area], Scope]:
    """Only what the authority owns or is shared with it for the purpose (decision 0080)."""
    access = sharing.for_organisation(authority_code, sharing.READER_ROLE)
    shared: dict[tuple[str, str], tuple[int, ...]] = {}
    verdicts: dict[tuple[str, str | None], bool] = {}

    def readable(kind: str, owner: str | None) -> bool:
        if (kind, owner) not in verdicts:
            verdict = access.may_read(kind, owner)
            verdicts[(kind, owner)] = verdict.allowed
            if verdict.shared and owner is not None:
                shared[(kind, owner)] = verdict.agreements
        return verdicts[(kind, owner)]

    # A child's current placement stays in a re-check's pool whoever owns it: the placing
    # authority placed them there, and the question is whether it is still safe.
    pool = [p for p in pool if p.code in keep_placements or readable("placement", p.owner_code)]
    groups = [g for g in groups if g.retired_on is None and readable("group", g.owner_code)]
    known = {g.code for g in groups}
    rivalries = [
        r for r in rivalries if r.group.code in known and r.rival.code in known and readable("rivalry", r.owner_code)
    ]
    areas = [a for a in areas if readable("area", a.owner_code)]
    return pool, groups, rivalries, areas, Scope(authority_code, shared)


def build_case(
    referrals: Sequence[ReferralLike],
    as_of: date,
    *,
    batch: bool,
    extra_placements: list[dict[str, Any]] | None = None,
    keep_placements: Collection[str] = (),
    authority_code: str | None = None,
    qualify: bool = False,
) -> BuiltCase:
    """The case for `referrals` against the live pool (plus any hypothetical placements).

    The world is what one authority may use: its own placements, areas, groups and rivalries
    and those shared with it for placement finding or intelligence by agreements in force
    today; nothing unshared is used. The authority is the referrals' own, or `authority_code`
    (a commissioner's figures over several authorities' referrals, seen as their authority sees).
    With `batch` the referrals go under `referrals` (for `assign`); otherwise the one
    referral goes under `referral` (for `rank`). Invalid stored data is `InvalidInput`.
    With `qualify` each referral's id is "authority/reference" (a regional panel's case, where
    referrals of several authorities meet and references are unique only within one).
    """
    policy = load_policy()
    use_expired = policy.use_expired_intelligence
    if authority_code is None:
        authorities = sorted({r.authority_code for r in referrals})
        if len(authorities) != 1:
            raise ValueError(f"a case is built for one authority's referrals, not {len(authorities)}")
        authority_code = authorities[0]
    pool, group_rows, rivalry_rows, area_rows, scope = _scoped(
        authority_code,
        placements.list_live_placements(),
        intelligence.list_groups(),
        intelligence.list_rivalries(),
        intelligence.list_areas(),
        keep_placements,
    )
    known = {g.code for g in group_rows}
    linked = {
        link.group.code
        for r in referrals
        for person in r.young_people
        for link in person.group_links
        if link.group.code in known
    }
    groups, warnings = groups_part(group_rows, rivalry_rows, as_of, use_expired, linked)
    world_parts = {
        "groups": groups,
        "areas": areas_part(area_rows, known),
        "placements": placements_part(pool) + list(extra_placements or []),
    }
    live = {p["id"] for p in world_parts["placements"]}
    parts = []
    for referral in referrals:
        part, referral_warnings = referral_part(referral, live, as_of, use_expired, known)  # type: ignore[arg-type]
        if qualify:
            part["id"] = qualified(referral.authority_code, referral.reference)
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
    world = _world(parsed, key.hexdigest(), use_expired)
    return BuiltCase(document, parsed, world, policy, warnings, scope)


def qualified(authority_code: str, reference: str) -> str:
    """A referral's reference wherever referrals of several authorities meet: "E08000003/R-0001"."""
    return f"{authority_code}/{reference}"


def audit_shared(built: BuiltCase, user_id: int | None, object_type: str, object_ref: str) -> None:
    """One `shared_read` event per other owner whose records the case used, naming the agreements."""
    for (kind, owner), ids in sorted(built.scope.shared.items()):
        audit.record(
            user_id,
            "shared_read",
            object_type,
            object_ref,
            f"{kind}s of {owner} under agreement {','.join(str(i) for i in ids)}",
            built.scope.authority_code,
        )
