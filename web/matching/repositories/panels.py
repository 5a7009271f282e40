"""Panel runs: stored once, never edited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from web.db import session
from web.models import PanelRun, Referral, RegionalPanelRun, RegionalProposal


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


def add_regional_panel_run(run: RegionalPanelRun) -> None:
    session().add(run)
    session().flush()


def get_regional_panel_run(run_id: int) -> RegionalPanelRun | None:
    return session().get(RegionalPanelRun, run_id)


def list_regional_panel_runs(cooperative_code: str, limit: int = 20) -> list[RegionalPanelRun]:
    query = (
        select(RegionalPanelRun)
        .where(RegionalPanelRun.cooperative_code == cooperative_code)
        .order_by(RegionalPanelRun.id.desc())
        .limit(limit)
    )
    return list(session().scalars(query))


def add_regional_proposal(proposal: RegionalProposal) -> None:
    session().add(proposal)
    session().flush()


def open_regional_proposals(authority_code: str) -> list[RegionalProposal]:
    """Proposals sent to the authority on referrals still open, newest first."""
    query = (
        select(RegionalProposal)
        .join(Referral, RegionalProposal.referral_id == Referral.id)
        .where(RegionalProposal.authority_code == authority_code, Referral.status == "open")
        .order_by(RegionalProposal.id.desc())
    )
    return list(session().scalars(query))


def sent_from_run(run_id: int) -> set[int]:
    """Ids of the referrals a regional run has sent a proposal for."""
    query = select(RegionalProposal.referral_id).where(RegionalProposal.run_id == run_id)
    return set(session().scalars(query))
