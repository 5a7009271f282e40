"""Local authorities."""

from __future__ import annotations

from sqlalchemy import select

from web.db import session
from web.models import LocalAuthority, Organisation


def list_authorities() -> list[LocalAuthority]:
    return list(session().scalars(select(LocalAuthority).order_by(LocalAuthority.gss_code)))


def get_authority(gss_code: str) -> LocalAuthority | None:
    return session().get(LocalAuthority, gss_code)


def add_authority(authority: LocalAuthority) -> None:
    session().merge(authority)


def add_organisation(organisation: Organisation) -> None:
    session().merge(organisation)


def get_organisation(code: str) -> Organisation | None:
    return session().get(Organisation, code)


def list_organisations() -> list[Organisation]:
    return list(session().scalars(select(Organisation).order_by(Organisation.kind, Organisation.name)))


def organisation_names(codes: set[str]) -> dict[str, str]:
    """Code -> name for those of `codes` that are known."""
    if not codes:
        return {}
    rows = session().execute(select(Organisation.code, Organisation.name).where(Organisation.code.in_(sorted(codes))))
    return {code: name for code, name in rows}
