"""Care episodes (SSDA903 Episodes) and the young people and missing episodes an SSDA903 import writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import CareEpisode, LocalAuthority, MissingEpisode, YoungPerson

# Keys per IN (...) list: well under SQLite's variable limit.
_BATCH = 2_000
_Key = TypeVar("_Key", str, int)


def _chunks(values: Sequence[_Key]) -> Iterable[list[_Key]]:
    for start in range(0, len(values), _BATCH):
        yield list(values[start : start + _BATCH])


def get_authority(gss_code: str) -> LocalAuthority | None:
    return session().get(LocalAuthority, gss_code)


def young_people_by_reference(references: Iterable[str]) -> dict[str, YoungPerson]:
    """The stored young people with these references (any authority), by reference."""
    wanted = sorted(set(references))
    found: dict[str, YoungPerson] = {}
    for chunk in _chunks(wanted):
        query = select(YoungPerson).where(YoungPerson.reference.in_(chunk))
        found.update({person.reference: person for person in session().scalars(query)})
    return found


def episodes_of(young_person_ids: Iterable[int]) -> dict[tuple[int, date], CareEpisode]:
    """Stored care episodes of these young people, keyed by (young person id, start)."""
    wanted = sorted(set(young_person_ids))
    found: dict[tuple[int, date], CareEpisode] = {}
    for chunk in _chunks(wanted):
        query = select(CareEpisode).where(CareEpisode.young_person_id.in_(chunk))
        found.update({(e.young_person_id, e.start): e for e in session().scalars(query)})
    return found


def missing_episodes_of(young_person_ids: Iterable[int]) -> dict[tuple[int, str, datetime], MissingEpisode]:
    """Stored missing episodes of these young people, keyed by (young person id, kind, start)."""
    wanted = sorted(set(young_person_ids))
    found: dict[tuple[int, str, datetime], MissingEpisode] = {}
    for chunk in _chunks(wanted):
        query = select(MissingEpisode).where(MissingEpisode.young_person_id.in_(chunk))
        found.update({(m.young_person_id, m.kind, m.start): m for m in session().scalars(query)})
    return found


def add_all(items: Sequence[YoungPerson | CareEpisode | MissingEpisode]) -> None:
    """Add new rows and flush, so their ids are known within the transaction."""
    session().add_all(items)
    session().flush()


def flush() -> None:
    session().flush()


def list_for_authority(authority_code: str) -> list[CareEpisode]:
    """The authority's stored care episodes with their young people, by child and start."""
    query = (
        select(CareEpisode)
        .join(YoungPerson, YoungPerson.id == CareEpisode.young_person_id)
        .where(CareEpisode.authority_code == authority_code)
        .options(selectinload(CareEpisode.young_person))
        .order_by(YoungPerson.reference, CareEpisode.start, CareEpisode.id)
    )
    return list(session().scalars(query))


def stored_length(column: str) -> int | None:
    """The most characters the database keeps in a care_episodes column; None if it does not enforce one.

    SQLite keeps text of any length whatever the declared size; PostgreSQL refuses a
    longer value, so the importer checks against this before writing.
    """
    if session().get_bind().dialect.name == "sqlite":
        return None
    length = getattr(CareEpisode.__table__.c[column].type, "length", None)
    return int(length) if length else None
