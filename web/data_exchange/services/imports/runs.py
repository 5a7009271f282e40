"""The import runs an authority has made, as the imports page lists them (counts only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from web.accounts.services.accounts import SignedInUser
from web.data_exchange.services.imports.base import importer_for, may_import
from web.shared.repositories import imports as repository
from web.shared.services.errors import Forbidden

RECENT = 20


@dataclass(frozen=True)
class RunRow:
    id: int
    kind: str
    kind_label: str
    at: datetime
    by: str  # the user's name, or "Command line"
    rows: int
    added: dict[str, int]


def recent_runs(user: SignedInUser, limit: int = RECENT) -> list[RunRow]:
    """The user's authority's latest completed imports, newest first (no file names, no contents)."""
    if not may_import(user.role):
        raise Forbidden("this role does not import files")
    rows = []
    for run in repository.list_import_runs(user.authority_code, limit):
        try:
            label = importer_for(run.kind).label
        except LookupError:
            label = run.kind
        summary = run.summary or {}
        added = summary.get("added", summary) if isinstance(summary, dict) else {}
        rows.append(
            RunRow(
                id=run.id,
                kind=run.kind,
                kind_label=label,
                at=run.at,
                by=run.by.name if run.by is not None else "Command line",
                rows=run.rows,
                added={str(k): int(v) for k, v in added.items() if isinstance(v, int)},
            )
        )
    return rows
