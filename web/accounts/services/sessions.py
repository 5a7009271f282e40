"""Server-side sessions: started at sign-in, checked on every request, ended at sign-out or timeout.

Flask's session cookie is signed, not secret, and cannot be revoked: a copy of it works
until it expires. So the cookie carries only a random token, and the `user_sessions`
table says whether the session it names is still going. Only the token's sha256 is
stored, so a copy of the table cannot be turned back into a working cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, request
from flask import session as cookie_session

from web import db
from web.accounts.repositories import sessions as session_repository
from web.models import UserSession
from web.shared.services import audit

# Where the token lives in Flask's (signed) cookie session.
TOKEN_KEY = "session_token"
# last_seen_at is written when at least this much time has passed since it was last written.
# One second, so the idle timeout is exact to the second (a coarser interval would let a
# session run up to that much past its idle limit); requests within the same second share a write.
TOUCH_INTERVAL = timedelta(seconds=1)
# Why a session ended (UserSession.ended_reason; at most 20 characters).
SIGNED_OUT, IDLE, EXPIRED = "signed_out", "idle", "expired"
PASSWORD_CHANGED, DEACTIVATED = "password_changed", "deactivated"
# Why a request's session was refused, beyond IDLE and EXPIRED.
NO_SESSION, ENDED = "no_session", "ended"

_REFUSAL = "session_refused"


@dataclass(frozen=True)
class Limits:
    idle: timedelta
    absolute: timedelta

    @property
    def idle_minutes(self) -> int:
        return int(self.idle.total_seconds() // 60)

    @property
    def absolute_hours(self) -> int:
        return int(self.absolute.total_seconds() // 3600)


def limits() -> Limits:
    """The idle and absolute timeouts from the app's settings."""
    config = current_app.config
    return Limits(
        idle=timedelta(minutes=int(config.get("SESSION_IDLE_MINUTES", 30))),
        absolute=timedelta(hours=int(config.get("SESSION_MAX_HOURS", 10))),
    )


def session_id(token: str) -> str:
    """The stored id of the session a cookie token names."""
    return hashlib.sha256(token.encode()).hexdigest()


def reference(record: UserSession) -> str:
    """A short reference for the audit log: enough to tie a session's events together."""
    return record.id[:12]


def start(user_id: int, now: datetime | None = None) -> str:
    """Record a new session for the user, audit the sign-in, and return the cookie token."""
    now = now or datetime.now()
    token = secrets.token_urlsafe(32)
    record = UserSession(
        id=session_id(token),
        user_id=user_id,
        created_at=now,
        last_seen_at=now,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    session_repository.add_session(record)
    audit.record(user_id, "sign_in", "session", reference(record))
    db.commit()
    return token


def check(token: str | None, user_id: int, now: datetime | None = None) -> str | None:
    """None when the session may go on (noting the activity); otherwise why it may not.

    A session past its idle or absolute limit is ended here, with the reason, and audited.
    """
    now = now or datetime.now()
    record = session_repository.get_session(session_id(token)) if token else None
    if record is None or record.user_id != user_id:
        return NO_SESSION
    if record.ended_at is not None:
        return ENDED
    timed_out = _timed_out(record, now, limits())
    if timed_out is not None:
        reason, deadline = timed_out
        _end(record, reason, deadline)
        db.commit()
        return reason
    if now - record.last_seen_at >= TOUCH_INTERVAL:
        record.last_seen_at = now
        db.commit()
    return None


def _timed_out(record: UserSession, now: datetime, limit: Limits) -> tuple[str, datetime] | None:
    """The limit the session reached first, and when, if it has reached one."""
    idle_deadline = record.last_seen_at + limit.idle
    absolute_deadline = record.created_at + limit.absolute
    deadline = min(idle_deadline, absolute_deadline)
    if now < deadline:
        return None
    return (IDLE if idle_deadline <= absolute_deadline else EXPIRED), deadline


_DETAIL = {
    IDLE: "idle timeout",
    EXPIRED: "absolute timeout",
    SIGNED_OUT: "signed out",
    PASSWORD_CHANGED: "password changed",
    DEACTIVATED: "account deactivated",
}


def _end(record: UserSession, reason: str, at: datetime) -> None:
    # ended_at is when the session stopped being valid (for a timeout, the deadline it
    # passed), which may be before anyone came back to notice.
    record.ended_at = at
    record.ended_reason = reason
    if reason == SIGNED_OUT:
        audit.record(record.user_id, "sign_out", "session", reference(record))
    elif reason in (IDLE, EXPIRED):
        audit.record(record.user_id, "session_timeout", "session", reference(record), detail=_DETAIL[reason])
    else:
        audit.record(record.user_id, "session_ended", "session", reference(record), detail=_DETAIL.get(reason))


def end(token: str | None, reason: str = SIGNED_OUT, now: datetime | None = None) -> bool:
    """End the session the token names; False if there was none still going."""
    record = session_repository.get_session(session_id(token)) if token else None
    if record is None or record.ended_at is not None:
        return False
    _end(record, reason, now or datetime.now())
    db.commit()
    return True


def end_all(user_id: int, reason: str, now: datetime | None = None) -> int:
    """End every session of the user still going (the caller commits); how many there were."""
    now = now or datetime.now()
    records = session_repository.list_open_sessions(user_id)
    for record in records:
        _end(record, reason, now)
    return len(records)


# The request's view of its session: the token in the cookie, and why it was refused.


def cookie_token() -> str | None:
    token = cookie_session.get(TOKEN_KEY)
    return token if isinstance(token, str) else None


def remember_token(token: str) -> None:
    cookie_session[TOKEN_KEY] = token


def check_request(user_id: int) -> bool:
    """Whether this request's session may go on; if not, forget it and note why."""
    refused = check(cookie_token(), user_id)
    if refused is None:
        return True
    refuse_request(refused)
    return False


def refuse_request(reason: str) -> None:
    """Forget the cookie's session and note why, for the sign-in page to say."""
    g.setdefault(_REFUSAL, reason)
    # Later requests then need not look the dead session up again.
    cookie_session.pop(TOKEN_KEY, None)
    cookie_session.pop("_user_id", None)


def refusal() -> str | None:
    """Why this request's session was refused, if it was."""
    found = g.get(_REFUSAL)
    return found if isinstance(found, str) else None
