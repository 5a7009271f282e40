"""Ranking runs: stored once, never edited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload, selectinload

from web.db import session
from web.models import RankingRun


def add_run(run: RankingRun) -> None:
    session().add(run)
    session().flush()


def get_run(run_id: int) -> RankingRun | None:
    # The stored documents load when first read: a run's result is megabytes at regional scale,
    # and the pages that show a run usually find it already parsed in the process.
    # Who asked for it is on every page that shows a run: read with it.
    deferred = [defer(RankingRun.case_json), defer(RankingRun.result_json), joinedload(RankingRun.requested_by)]
    return session().get(RankingRun, run_id, options=deferred)


def list_runs(referral_id: int) -> list[RankingRun]:
    """The referral's runs, newest first, without their stored documents (loaded only if read)."""
    query = (
        select(RankingRun)
        .where(RankingRun.referral_id == referral_id)
        .options(defer(RankingRun.case_json), defer(RankingRun.result_json), selectinload(RankingRun.requested_by))
        .order_by(RankingRun.id.desc())
    )
    return list(session().scalars(query))
