"""Users."""

from __future__ import annotations

from sqlalchemy import func, select

from web.db import session
from web.models import User


def get_user(user_id: int) -> User | None:
    return session().get(User, user_id)


def find_user_by_email(email: str) -> User | None:
    return session().scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def list_demo_users() -> list[User]:
    return list(session().scalars(select(User).where(User.is_demo.is_(True)).order_by(User.id)))


def add_user(user: User) -> None:
    session().add(user)
