"""The exact case a stored run was given, rebuilt from its part and its world's snapshot.

A run stores the case without its world (format, as_of, referral or referrals) in
`case_json` and names the world's snapshot in `world_sha256`; the snapshot (groups, areas,
placements) is stored once per version of the world, however many runs used it. Runs
from before that hold the whole case in `case_json`, and are read as they are.
Every reader of a run's case goes through `stored_case`, so both kinds read the same.
"""

from __future__ import annotations

import gc
import json
import threading
import zlib
from collections import OrderedDict
from typing import Any, Protocol

from web.matching.repositories import world_snapshots
from web.matching.services.batch_case import BuiltCase

# Snapshots kept in memory, by hash: a run's readers (the options page, compare, decide)
# come back to the same few worlds, and one regional world is about 11 MB parsed.
_KEPT = 4

_lock = threading.Lock()
_snapshots: OrderedDict[str, dict[str, Any]] = OrderedDict()
_placements: dict[str, dict[str, dict[str, Any]]] = {}


class StoredRun(Protocol):
    case_json: str
    world_sha256: str | None


def world_parts(sha256: str) -> dict[str, Any]:
    """A snapshot's groups, areas and placements (shared: read them, never change them)."""
    with _lock:
        found = _snapshots.get(sha256)
        if found is not None:
            _snapshots.move_to_end(sha256)
            return found
    stored = world_snapshots.get_parts(sha256)
    if stored is None:
        raise LookupError(f"world snapshot {sha256} is missing")
    parts: dict[str, Any] = json.loads(zlib.decompress(stored))
    _keep(sha256, parts)
    gc.freeze()  # long-lived and acyclic, as a prepared world: see batch_case.prepared_world
    return parts


def _keep(sha256: str, parts: dict[str, Any]) -> None:
    with _lock:
        if sha256 in _snapshots:
            _snapshots.move_to_end(sha256)
            return
        _snapshots[sha256] = parts
        while len(_snapshots) > _KEPT:
            gone, _ = _snapshots.popitem(last=False)
            _placements.pop(gone, None)


def stored_case(run: StoredRun) -> dict[str, Any]:
    """The case document exactly as the run was given it (a new dict; its world is shared)."""
    part: dict[str, Any] = json.loads(run.case_json)
    if run.world_sha256 is None:
        return part
    return {**part, **world_parts(run.world_sha256)}


def stored_placements(run: StoredRun) -> dict[str, dict[str, Any]]:
    """The run's placements by id (kept per snapshot: the options page reads them on every view)."""
    if run.world_sha256 is None:
        return {p["id"]: p for p in json.loads(run.case_json)["placements"]}
    parts = world_parts(run.world_sha256)
    with _lock:
        found = _placements.get(run.world_sha256)
        if found is None:
            found = {p["id"]: p for p in parts["placements"]}
            if run.world_sha256 in _snapshots:
                _placements[run.world_sha256] = found
        return found


def store_world(built: BuiltCase) -> tuple[str, str]:
    """Store the case's world once, and return (case_json for the run, world_sha256)."""
    sha256, compressed = built.prepared.snapshot()
    world_snapshots.add_once(sha256, compressed)
    # The pages that read the run next (its options, the map) find the world here, not in the
    # database: its parts are what the snapshot holds, so they read back equal.
    _keep(sha256, built.prepared.parts)
    return json.dumps(built.case_part, sort_keys=True, separators=(",", ":")), sha256
