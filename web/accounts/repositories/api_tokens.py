"""Personal API tokens: only their sha256 is stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from web.db import session
from web.models import ApiToken, User


def add_token(token: ApiToken) -> None:
    session().add(token)
    session().flush()


def find_by_hash(token_sha256: str) -> ApiToken | None:
    query = (
        select(ApiToken)
        .where(ApiToken.token_sha256 == token_sha256)
        .options(selectinload(ApiToken.user).selectinload(User.authority))
    )
    return session().scalars(query).first()


def get_token(token_id: int) -> ApiToken | None:
    return session().get(ApiToken, token_id)


def list_tokens(user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(session().scalars(query))
