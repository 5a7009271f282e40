"""Panel runs: stored once, never edited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from web.db import session
from web.models import PanelRun


def add_panel_run(run: PanelRun) -> None:
    session().add(run)
    session().flush()


def get_panel_run(run_id: int) -> PanelRun | None:
    return session().get(PanelRun, run_id)


def list_panel_runs(authority_code: str, limit: int = 20) -> list[PanelRun]:
    # A list shows who, when, how many and the status: the stored documents stay in the database.
    query = (
        select(PanelRun)
        .where(PanelRun.authority_code == authority_code)
        .options(defer(PanelRun.case_json), defer(PanelRun.result_json), selectinload(PanelRun.requested_by))
        .order_by(PanelRun.id.desc())
        .limit(limit)
    )
    return list(session().scalars(query))
