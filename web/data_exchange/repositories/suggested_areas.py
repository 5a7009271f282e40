"""Suggested areas from police.uk imports, and the areas people confirm from them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from web.db import session
from web.models import Area, Group, ImportRun, SuggestedArea, User


def add_suggestions(suggestions: Iterable[SuggestedArea]) -> None:
    """Add an import's suggestions to the current transaction (the caller commits)."""
    session().add_all(list(suggestions))
    session().flush()


def already_suggested(authority_code: str, lsoa_codes: Iterable[str]) -> set[tuple[str, str, str]]:
    """(LSOA code, first month, last month) of the authority's suggestions for those LSOAs,
    whatever their status: what an earlier import of the same months already suggested."""
    wanted = sorted(set(lsoa_codes))
    if not wanted:
        return set()
    query = select(SuggestedArea.lsoa_code, SuggestedArea.first_month, SuggestedArea.last_month).where(
        SuggestedArea.authority_code == authority_code, SuggestedArea.lsoa_code.in_(wanted)
    )
    return {(code, first, last) for code, first, last in session().execute(query)}


def list_for_authority(authority_code: str, imports: int = 20) -> list[tuple[ImportRun, list[SuggestedArea]]]:
    """The authority's `imports` most recent police.uk imports with suggestions, newest first,
    each with its suggestions in rank order."""
    runs_query = (
        select(ImportRun)
        .where(ImportRun.id.in_(select(SuggestedArea.import_id).where(SuggestedArea.authority_code == authority_code)))
        .order_by(ImportRun.at.desc(), ImportRun.id.desc())
        .limit(imports)
    )
    runs = list(session().scalars(runs_query))
    if not runs:
        return []
    suggestions_query = (
        select(SuggestedArea)
        .where(SuggestedArea.import_id.in_([run.id for run in runs]), SuggestedArea.authority_code == authority_code)
        .order_by(SuggestedArea.import_id, SuggestedArea.rank, SuggestedArea.lsoa_code)
    )
    by_run: dict[int, list[SuggestedArea]] = {run.id: [] for run in runs}
    for suggestion in session().scalars(suggestions_query):
        if suggestion.import_id is not None:
            by_run[suggestion.import_id].append(suggestion)
    return [(run, by_run[run.id]) for run in runs]


def found_for_authority(authority_code: str) -> list[SuggestedArea]:
    """Found locations a police force suggested to the authority (no import), newest first."""
    query = (
        select(SuggestedArea)
        .where(SuggestedArea.authority_code == authority_code, SuggestedArea.missing_episode_id.is_not(None))
        .order_by(SuggestedArea.id.desc())
    )
    return list(session().scalars(query))


def for_episode(episode_id: int) -> SuggestedArea | None:
    query = select(SuggestedArea).where(SuggestedArea.missing_episode_id == episode_id)
    return session().scalars(query).first()


def add_suggestion(suggestion: SuggestedArea) -> None:
    session().add(suggestion)
    session().flush()


def get(suggestion_id: int, for_update: bool = False) -> SuggestedArea | None:
    """One suggestion; `for_update` locks its row until the transaction ends (PostgreSQL)."""
    query = select(SuggestedArea).where(SuggestedArea.id == suggestion_id)
    if for_update:
        query = query.with_for_update()
    return session().scalars(query).first()


def get_import_run(import_id: int) -> ImportRun | None:
    return session().get(ImportRun, import_id)


def user_names(user_ids: Iterable[int]) -> dict[int, str]:
    """Names of the given users (reviewers shown beside a suggestion)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    return {user_id: name for user_id, name in session().execute(select(User.id, User.name).where(User.id.in_(wanted)))}


def groups_by_code(codes: Iterable[str]) -> dict[str, Group]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {group.code: group for group in session().scalars(select(Group).where(Group.code.in_(wanted)))}


def area_codes(area_ids: Iterable[int]) -> dict[int, str]:
    """The codes of the given areas, by id (those that still exist)."""
    wanted = sorted(set(area_ids))
    if not wanted:
        return {}
    return {area_id: code for area_id, code in session().execute(select(Area.id, Area.code).where(Area.id.in_(wanted)))}


def area_code_taken(code: str) -> bool:
    return bool(session().scalar(select(func.count()).select_from(Area).where(Area.code == code)))


def create_area(area: Area) -> Area:
    """Add a confirmed area to the current transaction and learn its id (the caller commits)."""
    session().add(area)
    session().flush()
    return area
