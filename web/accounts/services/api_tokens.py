"""Personal API tokens: created by their user, shown once, kept only as a hash, revocable.

A token carries its user's role and authority, so the API applies the same rules
as the pages. The token itself is never stored or logged: only its sha256, and a
short prefix so the user can tell their tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from web import db
from web.accounts.repositories import api_tokens as token_repository
from web.accounts.services.accounts import SignedInUser
from web.models import ApiToken
from web.shared.services import audit
from web.shared.services.errors import InvalidInput, NotFound

TOKEN_PREFIX = "cpp_"
PREFIX_LENGTH = 12  # what the tokens page shows: "cpp_" and the first 8 random characters
LABEL_MAX = 80
# last_used_at is written at most this often, so a busy client does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenRow:
    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _row(token: ApiToken) -> TokenRow:
    return TokenRow(token.id, token.label, token.prefix, token.created_at, token.last_used_at, token.revoked_at)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def check_label(label: str) -> str:
    """The label, trimmed; raises `InvalidInput` naming the problem."""
    label = label.strip()
    if not label:
        raise InvalidInput(["Enter a name for the token, such as the system that will use it"])
    if len(label) > LABEL_MAX:
        raise InvalidInput([f"The name must be {LABEL_MAX} characters or fewer"])
    return label


def create(user: SignedInUser, label: str) -> tuple[TokenRow, str]:
    """A new token for `user`: the row and the token itself, which is never available again."""
    label = check_label(label)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        label=label,
        token_sha256=_hash(raw),
        prefix=raw[:PREFIX_LENGTH],
        created_at=datetime.now(),
    )
    token_repository.add_token(token)
    audit.record(user.id, "create", "api_token", str(token.id))
    db.commit()
    return _row(token), raw


def list_for(user: SignedInUser) -> list[TokenRow]:
    """The user's own tokens, newest first."""
    return [_row(t) for t in token_repository.list_tokens(user.id)]


def revoke(user: SignedInUser, token_id: int) -> TokenRow:
    """Revoke one of the user's own tokens (someone else's is not found). Revoking twice is harmless."""
    token = token_repository.get_token(token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(str(token_id))
    if token.revoked_at is None:
        token.revoked_at = datetime.now()
        audit.record(user.id, "revoke", "api_token", str(token.id))
        db.commit()
    return _row(token)


def authenticate(raw: str, now: datetime | None = None) -> SignedInUser | None:
    """The user a presented token belongs to, or None if it is unknown, revoked or its user inactive."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = token_repository.find_by_hash(_hash(raw))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    user = token.user
    now = now or datetime.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.commit()
    # The organisation acted for, as on the pages: without it a police force's or provider's
    # token would act for the authority its holder is based in (decision 0081).
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
