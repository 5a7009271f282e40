"""Ranking runs: stored once, never edited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from web.db import session
from web.models import RankingRun


def add_run(run: RankingRun) -> None:
    session().add(run)
    session().flush()


def get_run(run_id: int) -> RankingRun | None:
    return session().get(RankingRun, run_id)


def list_runs(referral_id: int) -> list[RankingRun]:
    """The referral's runs, newest first, without their stored documents (loaded only if read)."""
    query = (
        select(RankingRun)
        .where(RankingRun.referral_id == referral_id)
        .options(defer(RankingRun.case_json), defer(RankingRun.result_json), selectinload(RankingRun.requested_by))
        .order_by(RankingRun.id.desc())
    )
    return list(session().scalars(query))
