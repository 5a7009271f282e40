"""Import runs, and the bulk writes the importers make (postcodes, placements, areas)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import Area, Group, ImportReport, ImportRun, LocalAuthority, Placement, Postcode

# Rows per INSERT statement: large enough to be fast, small enough for SQLite's
# variable limit (7 columns x 4,000 rows stays under 32,766).
_BATCH = 4_000


def add_import_run(run: ImportRun) -> None:
    """Add the run and flush, so its id is known to the importer."""
    session().add(run)
    session().flush()


def flush() -> None:
    session().flush()


def list_import_runs(authority_code: str, limit: int = 20) -> list[ImportRun]:
    """The authority's most recent completed imports, newest first, with who ran them."""
    query = (
        select(ImportRun)
        .where(ImportRun.authority_code == authority_code)
        .options(selectinload(ImportRun.by))
        .order_by(ImportRun.at.desc(), ImportRun.id.desc())
        .limit(limit)
    )
    return list(session().scalars(query))


def count_postcodes() -> int:
    return int(session().scalar(select(func.count()).select_from(Postcode)) or 0)


def replace_postcodes(rows: Sequence[dict[str, Any]], *, replacing: bool = True) -> None:
    """Insert postcode rows (one per postcode), replacing any stored row with the same postcode.

    Deleting the batch's keys then inserting them is an upsert that reads the same on
    SQLite and PostgreSQL, in one transaction with the rest of the import. With
    `replacing` False (the table was empty when the import began) the delete is skipped.
    """
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        if replacing:
            keys = [row["postcode"] for row in batch]
            session().execute(delete(Postcode).where(Postcode.postcode.in_(keys)))
        _insert_postcodes(batch)


_COPY_COLUMNS = ("postcode", "lat", "lon", "easting", "northing", "authority_code", "lsoa_code")


def _insert_postcodes(batch: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL: COPY on the session's own connection (same transaction); else executemany."""
    connection = session().connection()
    if connection.dialect.name != "postgresql":
        session().execute(insert(Postcode), list(batch))
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY postcodes ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row(tuple(row[name] for name in _COPY_COLUMNS))


def postcodes_by_code(codes: Iterable[str]) -> dict[str, Postcode]:
    """The stored rows of the given compact postcodes that exist."""
    wanted = sorted(set(codes))
    found: dict[str, Postcode] = {}
    for start in range(0, len(wanted), _BATCH):
        query = select(Postcode).where(Postcode.postcode.in_(wanted[start : start + _BATCH]))
        found.update({row.postcode: row for row in session().scalars(query)})
    return found


def placements_by_code(codes: Iterable[str]) -> dict[str, Placement]:
    wanted = sorted(set(codes))
    found: dict[str, Placement] = {}
    for start in range(0, len(wanted), _BATCH):
        query = select(Placement).where(Placement.code.in_(wanted[start : start + _BATCH]))
        found.update({row.code: row for row in session().scalars(query)})
    return found


class StoredPlacement(NamedTuple):
    """What an import needs of a stored placement it updates (no ORM object)."""

    id: int
    place_code: str | None
    authority_code: str | None
    owner_code: str | None = None


def placement_keys_by_code(codes: Iterable[str]) -> dict[str, StoredPlacement]:
    """code -> id, place_code, authority and owner of the stored placements among `codes`."""
    wanted = sorted(set(codes))
    found: dict[str, StoredPlacement] = {}
    for start in range(0, len(wanted), _BATCH):
        query = select(
            Placement.code, Placement.id, Placement.place_code, Placement.authority_code, Placement.owner_code
        ).where(Placement.code.in_(wanted[start : start + _BATCH]))
        found.update(
            {
                code: StoredPlacement(id_, place, authority, owner)
                for code, id_, place, authority, owner in session().execute(query)
            }
        )
    return found


def insert_placements(rows: Sequence[dict[str, Any]]) -> None:
    """Insert placements given as column values, in bulk (no ORM object per row: a provider
    list has 200,000). A column some rows leave out is None in those (every such column is
    nullable, or has its default in every row already)."""
    if not rows:
        return
    keys = set().union(*rows)
    # Core's executemany on the table, one statement for them all: the ORM's bulk insert
    # drops None values for columns with a default, so rows split into many small groups
    # (26,688 statements for 40,000 rows, measured), each compiled and run on its own.
    table = Placement.__table__
    assert isinstance(table, Table)
    session().execute(insert(table), [dict.fromkeys(keys) | row for row in rows])


def update_placements(rows: Sequence[dict[str, Any]]) -> None:
    """Update stored placements by "id" with the values given (only those columns), in bulk."""
    if rows:
        session().execute(update(Placement), list(rows))


def areas_by_code(codes: Iterable[str]) -> dict[str, Area]:
    wanted = sorted(set(codes))
    found: dict[str, Area] = {}
    for start in range(0, len(wanted), _BATCH):
        query = select(Area).options(selectinload(Area.groups)).where(Area.code.in_(wanted[start : start + _BATCH]))
        found.update({row.code: row for row in session().scalars(query)})
    return found


def groups_by_code(codes: Iterable[str]) -> dict[str, Group]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {row.code: row for row in session().scalars(select(Group).where(Group.code.in_(wanted)))}


def authority_codes() -> set[str]:
    """The GSS codes of every authority in the reference table."""
    return set(session().scalars(select(LocalAuthority.gss_code)))


def add(item: Placement | Area | Group) -> None:
    session().add(item)


def set_area_groups(area: Area, groups: list[Group]) -> None:
    """Replace the area's groups (the association rows) with `groups`."""
    area.groups = list(groups)


def add_report(report: ImportReport) -> None:
    session().add(report)
    session().flush()


def get_report(report_id: int) -> ImportReport | None:
    return session().get(ImportReport, report_id)


def delete_reports_made_before(cutoff: datetime) -> int:
    """Delete every import report made before `cutoff`; returns how many."""
    result = session().execute(delete(ImportReport).where(ImportReport.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
