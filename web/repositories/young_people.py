"""Young people and what is recorded about them."""

from __future__ import annotations

from sqlalchemy import func, select

from web.db import session
from web.models import YoungPerson


def count_young_people() -> int:
    return int(session().scalar(select(func.count()).select_from(YoungPerson)) or 0)


def add_young_person(person: YoungPerson) -> None:
    session().add(person)
