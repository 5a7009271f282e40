"""Signing in, and the signed-in user as pages see it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from web import db
from web.accounts.repositories import users
from web.accounts.services import sessions
from web.models import User
from web.shared.repositories import authorities
from web.shared.services import audit

MAX_FAILED_SIGN_INS = 5
LOCK_MINUTES = 15
ROLE_NAMES = {
    "placement_officer": "Placement officer",
    "social_worker": "Social worker",
    "nominated_officer": "Nominated officer",
    "director": "Director of children's services",
    "commissioner": "Commissioner",
    "admin": "Administrator",
    "cooperative_officer": "Co-operative placement officer",
    "cooperative_commissioner": "Co-operative commissioner",
    "missing_persons_coordinator": "Missing persons co-ordinator (police)",
    "rhi_worker": "Return home interview worker",
}
# What kind of organisation each role acts for (an authority's roles: its own authority).
ROLE_ORGANISATION_KINDS = {
    "cooperative_officer": "cooperative",
    "cooperative_commissioner": "cooperative",
    "missing_persons_coordinator": "police_force",
    "rhi_worker": "rhi_provider",
}
# Roles that may see children's records (commissioners see aggregates only).
CASEWORK_ROLES = ("placement_officer", "social_worker", "nominated_officer", "director", "admin")


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    id: int
    name: str
    email: str
    role: str
    authority_code: str
    authority_name: str
    # The organisation acted for: the authority's own code for its staff, otherwise the
    # co-operative, police force or provider (docs/decisions/0081).
    organisation_code: str = ""
    organisation_name: str = ""

    def __post_init__(self) -> None:
        if not self.organisation_code:
            object.__setattr__(self, "organisation_code", self.authority_code)
            object.__setattr__(self, "organisation_name", self.authority_name)

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def may(self, *roles: str) -> bool:
        return self.role in roles


def _signed_in(user: User) -> SignedInUser:
    organisation = user.organisation
    return SignedInUser(
        user.id,
        user.name,
        user.email,
        user.role,
        user.authority_code,
        user.authority.name,
        organisation.code if organisation is not None else user.authority_code,
        organisation.name if organisation is not None else user.authority.name,
    )


def load_user(user_id: str) -> SignedInUser | None:
    """Flask-Login's user loader: the user, only while their server-side session is going.

    Runs once per request (from the cookie's user id). A session that is missing, ended,
    idle too long or too old is refused, and the request is treated as signed out.
    """
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 10:
        return None
    if not sessions.check_request(int(user_id)):
        return None
    user = users.get_user(int(user_id))
    if user is None or not user.active:
        sessions.end(sessions.cookie_token(), sessions.DEACTIVATED)
        sessions.refuse_request(sessions.ENDED)
        return None
    return _signed_in(user)


def authenticate(email: str, password: str, now: datetime | None = None) -> SignedInUser | None:
    """The user if the password is right and the account is not locked; counts and audits failures.

    Each attempt is counted in the database before the password is checked, in one
    statement (`count_sign_in_attempt`), so requests in parallel cannot between them try
    more than MAX_FAILED_SIGN_INS passwords. Every refusal checks one password hash, so an
    unknown, inactive or locked account answers as slowly as a wrong password (see
    docs/security.md for the figures). A failure is audited against the account when the
    email matches one (never the email itself: it may be someone's mistyped personal address).
    """
    now = now or datetime.now()
    user = users.find_user_by_email(email)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        _failed(user.id if user is not None else None, "no such account" if user is None else "account inactive")
        return None
    attempt = users.count_sign_in_attempt(user.id, now)
    db.commit()  # other requests count from here
    if attempt is None or attempt > MAX_FAILED_SIGN_INS:
        # Locked, or more attempts at once than are allowed: no password is tried.
        check_password_hash(_DUMMY_HASH, password)
        if attempt is not None:
            users.lock_account(user.id, now + timedelta(minutes=LOCK_MINUTES))
        _failed(user.id, "account locked")
        return None
    if not check_password_hash(user.password_hash, password):
        detail = "wrong password"
        if attempt >= MAX_FAILED_SIGN_INS:
            users.lock_account(user.id, now + timedelta(minutes=LOCK_MINUTES))
            detail = f"wrong password; account locked for {LOCK_MINUTES} minutes"
        _failed(user.id, detail)
        return None
    users.clear_sign_in_attempts(user.id)
    db.commit()
    return _signed_in(user)


def _failed(user_id: int | None, detail: str) -> None:
    audit.record(user_id, "sign_in_failed", "user", str(user_id) if user_id is not None else "unknown", detail=detail)
    db.commit()


def set_password(user: User, password: str) -> None:
    """Give the user a new password and end their sessions (the caller commits)."""
    user.password_hash = generate_password_hash(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    # Whoever knew the old password may be signed in with it.
    sessions.end_all(user.id, sessions.PASSWORD_CHANGED)


def create_user(
    email: str,
    name: str,
    role: str,
    authority_code: str,
    password: str,
    is_demo: bool = False,
    organisation_code: str | None = None,
) -> User:
    """A user of an authority; for the roles of other organisations, `organisation_code` names it."""
    if authorities.get_authority(authority_code) is None:
        raise ValueError(f"unknown authority {authority_code}")
    wanted_kind = ROLE_ORGANISATION_KINDS.get(role)
    if (wanted_kind is None) != (organisation_code is None):
        raise ValueError(f"a {role} {'acts for a ' + wanted_kind if wanted_kind else 'acts for their authority'}")
    if organisation_code is not None:
        found = authorities.get_organisation(organisation_code)
        if found is None or found.kind != wanted_kind:
            raise ValueError(f"{organisation_code} is not a {wanted_kind}")
    user = User(
        email=email,
        name=name,
        role=role,
        authority_code=authority_code,
        organisation_code=organisation_code,
        password_hash=generate_password_hash(password),
        is_demo=is_demo,
        created_at=datetime.now(),
    )
    users.add_user(user)
    return user


def reset_demo_passwords() -> list[tuple[str, str, str, str]]:
    """New random passwords for the demo accounts: (role, email, password, authority)."""
    shown = []
    for user in users.list_demo_users():
        password = secrets.token_urlsafe(9)
        set_password(user, password)
        shown.append((user.role, user.email, password, user.authority.name))
    db.commit()
    return shown


_DUMMY_HASH = generate_password_hash("not a password")
