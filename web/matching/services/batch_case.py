"""Cases built from the stored records: the live pool, and referrals to rank or allocate.

One place builds the world part of a case (groups, areas, the live placement pool),
validates it and prepares it for the engine, and keeps all of that in memory per
version of the world (`web.shared.repositories.world_versions`: one row, changed in the
transaction that changes a placement, resident, area, group or rivalry), per day and per
use of expired intelligence. A ranking then reads that one row, and validates and builds
only its referral (`planner.case_json.parse_referrals`, the same checks and messages as
a whole case). A ranking, a panel's allocation, a relocation re-check and the
cost-to-others view all judge placements against the same world this way.
See docs/decisions/0090-world-snapshots-and-versions.md.
"""

from __future__ import annotations

import gc
import hashlib
import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from planner import CaseError, load_policy, parse_case, prepare_world
from planner.case import Case
from planner.case_json import WorldMemo, parse_referrals, parse_world
from planner.policy import Policy
from planner.world import World
from web import models
from web.matching.repositories import placements
from web.matching.repositories.placements import PlacementRecord
from web.matching.services.case_builder import (
    areas_part,
    groups_part,
    lapsed_rivalries,
    placements_part,
    referral_part,
)
from web.shared.repositories import intelligence, world_versions
from web.shared.repositories.intelligence import AreaRecord
from web.shared.services import audit, sharing
from web.shared.services.errors import InvalidInput

CASE_FORMAT = "placement-case/1"

# Worlds kept at once: today's, and one other day or policy (a scenario's date, a re-check's).
_KEPT = 2

_cache_lock = threading.Lock()
# The last stored world's records, validated and built (a scenario's hypothetical ones never enter).
_memo_lock = threading.Lock()
_memo = WorldMemo()
_cache: OrderedDict[tuple[Any, ...], PreparedWorld] = OrderedDict()


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


def _dumps(value: Any) -> str:
    # The one canonical form: a stored case's text, its hash and the snapshot's all use it.
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Scope:
    """What one authority's case may use (the access policy): owners readable by kind, and the
    agreements each other owner's records were read under."""

    authority_code: str
    shared: dict[tuple[str, str], tuple[int, ...]]  # (kind, owner) -> agreement ids, other owners only


# The kinds of record a case's world holds, as the access policy names them.
WORLD_KINDS = ("placement", "group", "rivalry", "area")

# What one authority may read: for each kind, the owners whose records it may read and whether
# records with no owner are readable. Authorities that see the same get the same world.
Visibility = tuple[tuple[str, frozenset[str], bool], ...]


def _visibility(access: sharing.Access) -> Visibility:
    return tuple(
        (kind, frozenset(access.readable_owner_codes(kind)), access.may_read(kind, None).allowed)
        for kind in WORLD_KINDS
    )


def _scoped(
    visibility: Visibility,
    pool: list[PlacementRecord],
    groups: list[models.Group],
    rivalries: list[models.Rivalry],
    areas: list[AreaRecord],
    keep_placements: Collection[str],
) -> tuple[list[PlacementRecord], list[models.Group], list[models.Rivalry], list[AreaRecord]]:
    """Only what is owned by an owner the authority may read for the purpose (decision 0080)."""
    seen = {kind: (owners, unowned) for kind, owners, unowned in visibility}

    def readable(kind: str, owner: str | None) -> bool:
        owners, unowned = seen[kind]
        return unowned if owner is None else owner in owners

    # A child's current placement stays in a re-check's pool whoever owns it: the placing
    # authority placed them there, and the question is whether it is still safe.
    pool = [p for p in pool if p.code in keep_placements or readable("placement", p.owner_code)]
    groups = [g for g in groups if g.retired_on is None and readable("group", g.owner_code)]
    known = {g.code for g in groups}
    rivalries = [
        r for r in rivalries if r.group.code in known and r.rival.code in known and readable("rivalry", r.owner_code)
    ]
    areas = [a for a in areas if readable("area", a.owner_code)]
    return pool, groups, rivalries, areas


def _scope(access: sharing.Access, authority_code: str, owners: dict[str, frozenset[str]]) -> Scope:
    """The agreements each other owner whose records the world holds was read under (for the audit)."""
    shared: dict[tuple[str, str], tuple[int, ...]] = {}
    for kind, codes in owners.items():
        for owner in codes:
            verdict = access.may_read(kind, owner)
            if verdict.shared:
                shared[(kind, owner)] = verdict.agreements
    return Scope(authority_code, shared)


@dataclass
class PreparedWorld:
    """The world part of a case for a day, validated and prepared once, and what a case needs of it."""

    as_of: date
    parts: dict[str, Any]  # {"groups", "areas", "placements"}, as the case holds them
    parsed: Case  # the world alone (no referral)
    world: World
    live: frozenset[str]
    group_ids: frozenset[str]  # the groups the authority may use
    lapsed: list[tuple[frozenset[str], str]]
    owners: dict[str, frozenset[str]]  # kind -> the owners of the records the world holds
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _prefix: Any = field(default=None, repr=False)
    _snapshot: tuple[str, bytes] | None = field(default=None, repr=False)
    _sha256: str | None = field(default=None, repr=False)

    def case_hasher(self) -> Any:
        """A sha256 fed with the canonical case text up to (not including) its referral part.

        The canonical text sorts keys: areas, as_of, format, groups, placements, then
        referral or referrals, so a case's hash is this prefix's, copied, plus its referral
        part: the 10 MB of a regional world are hashed once, not once per ranking.
        """
        with self._lock:
            if self._prefix is None:
                prefix = hashlib.sha256()
                for key, value in (
                    ("areas", self.parts["areas"]),
                    ("as_of", self.as_of.isoformat()),
                    ("format", CASE_FORMAT),
                    ("groups", self.parts["groups"]),
                    ("placements", self.parts["placements"]),
                ):
                    prefix.update(("{" if key == "areas" else ",").encode())
                    prefix.update(f"{_dumps(key)}:{_dumps(value)}".encode())
                self._prefix = prefix
            return self._prefix.copy()

    def snapshot(self) -> tuple[str, bytes]:
        """(sha256 of the world parts' canonical JSON, that JSON compressed): what a run names."""
        with self._lock:
            if self._snapshot is None:
                text = _dumps(self.parts).encode()
                self._sha256 = hashlib.sha256(text).hexdigest()
                self._snapshot = (self._sha256, zlib.compress(text, 6))
            return self._snapshot

    def snapshot_sha256(self) -> str:
        """The snapshot's sha256 alone: a reader matching a run to this world needs no compressing."""
        with self._lock:
            if self._sha256 is None:
                self._sha256 = hashlib.sha256(_dumps(self.parts).encode()).hexdigest()
            return self._sha256


@dataclass(frozen=True)
class BuiltCase:
    """A case as stored (`document`), as parsed, its prepared world, and its warnings.

    `case_part` is the case without its world (format, as_of, referral or referrals): what
    a run stores beside the name of its world's snapshot (`prepared.snapshot()`).
    """

    case_part: dict[str, Any]
    parsed: Case
    world: World
    policy: Policy
    warnings: list[str]
    prepared: PreparedWorld
    scope: Scope

    @property
    def document(self) -> dict[str, Any]:
        return {**self.case_part, **self.prepared.parts}

    @property
    def text(self) -> str:
        return _dumps(self.document)

    @property
    def sha256(self) -> str:
        # Equal to sha256(self.text), without serialising the world again (see case_hasher).
        hasher = self.prepared.case_hasher()
        for key in ("referral", "referrals"):
            if key in self.case_part:
                hasher.update(f",{_dumps(key)}:{_dumps(self.case_part[key])}".encode())
        hasher.update(b"}")
        return str(hasher.hexdigest())


def _prepare(
    as_of: date,
    use_expired: bool,
    extra_placements: list[dict[str, Any]],
    visibility: Visibility,
    keep_placements: Collection[str],
) -> PreparedWorld:
    """Read, scope, validate and prepare the world part of a case (the dear part, done once per version)."""
    pool, group_rows, rivalry_rows, area_rows = _scoped(
        visibility,
        placements.list_live_placement_records(),
        intelligence.list_groups(),
        intelligence.list_rivalries(),
        intelligence.list_area_records(),
        keep_placements,
    )
    known = {g.code for g in group_rows}
    group_list, _ = groups_part(group_rows, rivalry_rows, as_of, use_expired, set())
    parts = {
        "groups": group_list,
        "areas": areas_part(area_rows, known),
        "placements": placements_part(pool) + list(extra_placements),
    }
    try:
        if extra_placements:
            parsed = parse_case({"format": CASE_FORMAT, "as_of": as_of.isoformat(), **parts})
        else:
            parsed = parse_world_parts(parts, as_of)
    except CaseError as error:
        raise InvalidInput(error.problems) from None
    world = prepare_world(parsed.placements, parsed.areas, parsed.groups, as_of, use_expired)
    rows: dict[str, list[Any]] = {"placement": pool, "group": group_rows, "rivalry": rivalry_rows, "area": area_rows}
    return PreparedWorld(
        as_of=as_of,
        parts=parts,
        parsed=parsed,
        world=world,
        live=frozenset(p["id"] for p in parts["placements"]),
        group_ids=frozenset(known),
        lapsed=lapsed_rivalries(rivalry_rows, as_of, use_expired),
        owners={kind: frozenset(r.owner_code for r in found if r.owner_code) for kind, found in rows.items()},
    )


def prepared_world(
    as_of: date,
    use_expired: bool,
    visibility: Visibility,
    extra_placements: list[dict[str, Any]] | None = None,
    keep_placements: Collection[str] = (),
) -> PreparedWorld:
    """The world on the day as seen with `visibility`: kept per world version unless
    hypothetical placements are added.

    The key holds what the world depends on beyond the stored records: the day, the use of
    expired intelligence, what may be read (so authorities that see the same share a world;
    the version moves when agreements change, and `visibility` is worked out for today) and
    the placements a re-check keeps whoever owns them.
    """
    if extra_placements:
        # A scenario's world exists only for its request: never kept.
        return _prepare(as_of, use_expired, extra_placements, visibility, keep_placements)
    version = world_versions.current()
    key = (version, as_of, use_expired, visibility, frozenset(keep_placements))
    if version is not None:
        with _cache_lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
    # Reading a regional world makes millions of objects that live on: the cyclic collector,
    # left on, walked them again and again while they were made (a third of the time seen).
    enabled = gc.isenabled()
    gc.disable()
    try:
        prepared = _prepare(as_of, use_expired, [], visibility, keep_placements)
    finally:
        if enabled:
            gc.enable()
    # Kept only if nothing changed the world while it was read (another transaction's commit).
    if version is not None and world_versions.current() == version:
        with _cache_lock:
            _cache[key] = prepared
            while len(_cache) > _KEPT:
                _cache.popitem(last=False)
        # A regional world is millions of long-lived Python objects (its parsed JSON and Case);
        # left to the cyclic collector, every full collection walks them all (0.5 s seen in a
        # ranking's profile). Frozen, the collector skips them; they hold no reference cycles,
        # so reference counting still frees a world once the cache lets it go. Collected first,
        # so garbage from reading the records (once per version, beside seconds of reading) is
        # not frozen with them; what else is alive now is this request's few objects.
        gc.collect()
        gc.freeze()
    return prepared


def parse_world_parts(parts: dict[str, Any], as_of: date) -> Case:
    """A stored world's parts (groups, areas, placements) parsed as `parse_case` would, the
    records unchanged since the last world read taken as they were built (`parse_world`):
    today's world after a change, or an older run's snapshot, shares most of its records."""
    with _memo_lock:
        return parse_world(parts, as_of, _memo)


def prepared_for_snapshot(sha256: str, as_of: date, use_expired: bool) -> PreparedWorld | None:
    """A kept prepared world whose snapshot is `sha256`, for the day and use of expired
    intelligence (a stored run's world, when it is still the world of today's rankings)."""
    with _cache_lock:
        candidates = [p for key, p in reversed(_cache.items()) if key[1] == as_of and key[2] == use_expired]
    return next((p for p in candidates if p.snapshot_sha256() == sha256), None)


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
    access = sharing.for_organisation(authority_code, sharing.READER_ROLE)
    prepared = prepared_world(as_of, use_expired, _visibility(access), extra_placements, keep_placements)
    known = prepared.group_ids
    linked = {
        link.group.code
        for r in referrals
        for person in r.young_people
        for link in person.group_links
        if link.group.code in known
    }
    warnings = [warning for pair, warning in prepared.lapsed if linked & pair]
    parts = []
    for referral in referrals:
        part, referral_warnings = referral_part(referral, prepared.live, as_of, use_expired, set(known))  # type: ignore[arg-type]
        if qualify:
            part["id"] = qualified(referral.authority_code, referral.reference)
        parts.append(part)
        warnings.extend(referral_warnings)
    case_part: dict[str, Any] = {"format": CASE_FORMAT, "as_of": as_of.isoformat()}
    if batch:
        case_part["referrals"] = parts
    else:
        (case_part["referral"],) = parts
    try:
        parsed = parse_referrals(
            case_part,
            prepared.parsed,
            require="assign" if batch else "rank",
            group_ids=prepared.group_ids,
            placement_ids=prepared.live,
        )
    except CaseError as error:
        raise InvalidInput(error.problems) from None
    return BuiltCase(
        case_part, parsed, prepared.world, policy, warnings, prepared, _scope(access, authority_code, prepared.owners)
    )


def qualified(authority_code: str, reference: str) -> str:
    """A referral's reference wherever referrals of several authorities meet: "E08000003/R-0001"."""
    return f"{authority_code}/{reference}"


def audit_shared(built: BuiltCase, user_id: int | None, object_type: str, object_ref: str) -> None:
    """One `shared_read` event per other owner whose records the case used, naming the agreements,
    and its mirror in that owner's audit log (`audit.record_shared_read`)."""
    for (kind, owner), ids in sorted(built.scope.shared.items()):
        audit.record_shared_read(user_id, built.scope.authority_code, owner, kind, ids, object_type, object_ref)
