"""Server-side records of signed-in browser sessions."""

from __future__ import annotations

from sqlalchemy import select

from web.db import session
from web.models import UserSession


def add_session(record: UserSession) -> None:
    session().add(record)


def get_session(session_id: str) -> UserSession | None:
    return session().get(UserSession, session_id)


def list_open_sessions(user_id: int) -> list[UserSession]:
    """The user's sessions not yet ended, oldest first."""
    query = (
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at, UserSession.id)
    )
    return list(session().scalars(query))
