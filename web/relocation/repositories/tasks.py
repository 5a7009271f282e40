"""What the tasks page looks for beyond decisions: returns from missing without an interview offered."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from web.db import session
from web.models import MissingEpisode, YoungPerson


def returns_without_interview(authority_code: str) -> list[MissingEpisode]:
    """Ended missing episodes of the authority's children with no interview offered.

    Away episodes (A) only when a person marked them missing.
    """
    query = (
        select(MissingEpisode)
        .join(YoungPerson, MissingEpisode.young_person_id == YoungPerson.id)
        .where(
            YoungPerson.responsible_authority_code == authority_code,
            MissingEpisode.end.is_not(None),
            MissingEpisode.rhi_offered.is_(False),
            # Away without authorisation (SSDA903 A) opens no task unless a person marked it missing.
            or_(MissingEpisode.kind == "M", MissingEpisode.marked_missing_at.is_not(None)),
        )
        .options(contains_eager(MissingEpisode.young_person))
        .order_by(MissingEpisode.end)
    )
    return list(session().scalars(query))
