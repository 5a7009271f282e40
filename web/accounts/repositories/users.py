"""Users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from web.db import session
from web.models import User


def get_user(user_id: int) -> User | None:
    # With its authority and organisation in the same query: every signed-in request reads them.
    return session().get(User, user_id, options=[joinedload(User.authority), joinedload(User.organisation)])


def find_user_by_email(email: str) -> User | None:
    return session().scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def list_demo_users() -> list[User]:
    return list(session().scalars(select(User).where(User.is_demo.is_(True)).order_by(User.id)))


def add_user(user: User) -> None:
    session().add(user)


# Sign-in attempts are counted in the database, in one statement each, so parallel requests
# cannot all read the same count (and all get a guess) before any of them writes it.
_NOT_SYNCHRONISED = {"synchronize_session": False}


def count_sign_in_attempt(user_id: int, now: datetime) -> int | None:
    """Add one attempt to the account's count, atomically: the new count, or None while it is locked."""
    statement = (
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_sign_ins=User.failed_sign_ins + 1)
        .returning(User.failed_sign_ins)
    )
    found: int | None = session().execute(statement, execution_options=_NOT_SYNCHRONISED).scalar_one_or_none()
    return found


def lock_account(user_id: int, until: datetime) -> None:
    statement = update(User).where(User.id == user_id).values(locked_until=until, failed_sign_ins=0)
    session().execute(statement, execution_options=_NOT_SYNCHRONISED)


def clear_sign_in_attempts(user_id: int) -> None:
    statement = update(User).where(User.id == user_id).values(failed_sign_ins=0, locked_until=None)
    session().execute(statement, execution_options=_NOT_SYNCHRONISED)
