"""Local authorities."""

from __future__ import annotations

from sqlalchemy import select

from web.db import session
from web.models import LocalAuthority


def list_authorities() -> list[LocalAuthority]:
    return list(session().scalars(select(LocalAuthority).order_by(LocalAuthority.gss_code)))


def get_authority(gss_code: str) -> LocalAuthority | None:
    return session().get(LocalAuthority, gss_code)


def add_authority(authority: LocalAuthority) -> None:
    session().merge(authority)
