"""Server-side sessions: started at sign-in, ended by idleness, age or signing out; cookie flags."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config.settings import from_environment
from tests.integration.builders import PASSWORD, build_world
from tests.integration.helpers import csrf_token, post, sign_in
from web import db
from web.accounts.repositories import sessions as session_repository
from web.accounts.repositories import users
from web.accounts.services import accounts, sessions
from web.models import AuditEvent, UserSession


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_world(app)


def _token(client: FlaskClient) -> str:
    with client.session_transaction() as cookie:
        token = cookie.get(sessions.TOKEN_KEY)
    assert isinstance(token, str), "no session token in the cookie"
    return token


@contextmanager
def _record(app: Flask, client: FlaskClient) -> Iterator[UserSession]:
    """The client's session record, to read or change through the data layer (committed on exit).

    Not to be nested in another app context: on SQLite each transaction holds the write lock.
    """
    token = _token(client)
    with app.app_context():
        record = session_repository.get_session(sessions.session_id(token))
        assert record is not None
        yield record
        db.commit()


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id))


def _user_id(app: Flask, email: str) -> int:
    with app.app_context():
        user = users.find_user_by_email(email)
        assert user is not None
        return user.id


def _signed_in_client(app: Flask, email: str = "po@manchester.test") -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_sign_in_starts_a_session_record(app: Flask) -> None:
    """Signing in stores a session (only the token's hash) and audits the sign-in."""
    client = _signed_in_client(app)
    token = _token(client)
    user_id = _user_id(app, "po@manchester.test")
    with _record(app, client) as record:
        assert record.id == sessions.session_id(token) != token
        assert record.user_id == user_id
        assert record.ended_at is None
        assert record.remote_addr == "127.0.0.1"
        ref = sessions.reference(record)
    assert any(e.object_ref == ref and e.object_type == "session" for e in _events(app, "sign_in"))
    assert client.get("/referrals/").status_code == 200


def test_each_sign_in_gets_a_new_token(app: Flask) -> None:
    """Signing in again in the same browser starts a new session, not the old one again."""
    client = _signed_in_client(app)
    first = _token(client)
    assert client.get("/sign-in").headers["Location"] == "/"  # already signed in: sent home
    assert _token(client) == first
    post(client, "/sign-out", "/referrals/")
    sign_in(client, "po@manchester.test")
    assert _token(client) != first


def test_idle_session_is_ended_and_the_user_told_why(app: Flask) -> None:
    """31 minutes without a request: the next one is sent to sign in, with the reason."""
    client = _signed_in_client(app)
    with _record(app, client) as record:
        record.last_seen_at -= timedelta(minutes=31)
        ref = sessions.reference(record)
    response = client.get("/referrals/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity" in page
    with _record_by_ref(app, ref) as record:
        assert record.ended_reason == "idle"
        assert record.ended_at is not None
    timeouts = [e for e in _events(app, "session_timeout") if e.object_ref == ref]
    assert [e.detail for e in timeouts] == ["idle timeout"]
    # Still signed out afterwards, and told only once.
    again = client.get("/referrals/")
    assert again.status_code == 302
    assert "You were signed out" not in client.get("/sign-in").get_data(as_text=True)


@contextmanager
def _record_by_ref(app: Flask, ref: str) -> Iterator[UserSession]:
    with app.app_context():
        found = [s for s in db.session().query(UserSession) if s.id.startswith(ref)]
        assert len(found) == 1
        yield found[0]


def test_activity_within_the_idle_limit_keeps_the_session(app: Flask) -> None:
    """29 minutes idle is fine, and the request counts as activity."""
    client = _signed_in_client(app)
    with _record(app, client) as record:
        record.last_seen_at -= timedelta(minutes=29)
    before = datetime.now()
    assert client.get("/referrals/").status_code == 200
    with _record(app, client) as record:
        assert record.last_seen_at >= before - timedelta(seconds=1)
        assert record.ended_at is None


def test_last_seen_is_written_each_second_so_the_idle_limit_is_exact(app: Flask) -> None:
    """Activity 30 seconds after the last write is noted (it used to wait a minute), and the idle
    limit then runs from that request, to the second."""
    client = _signed_in_client(app)
    with _record(app, client) as record:
        record.last_seen_at -= timedelta(seconds=30)
        noted = record.last_seen_at
    before = datetime.now()
    assert client.get("/referrals/").status_code == 200
    with _record(app, client) as record:
        assert record.last_seen_at > noted and record.last_seen_at >= before - timedelta(seconds=1)
        # 29 minutes 58 seconds idle: still going.
        record.last_seen_at = datetime.now() - timedelta(minutes=29, seconds=58)
    assert client.get("/referrals/").status_code == 200
    with _record(app, client) as record:
        # 30 minutes and 1 second idle: over.
        record.last_seen_at = datetime.now() - timedelta(minutes=30, seconds=1)
    assert client.get("/referrals/").status_code == 302


def test_session_older_than_the_absolute_limit_is_ended(app: Flask) -> None:
    """Signed in 10 hours ago and active just now: the session still ends."""
    client = _signed_in_client(app)
    with _record(app, client) as record:
        record.created_at -= timedelta(hours=10, minutes=1)
        record.last_seen_at -= timedelta(minutes=2)
        ref = sessions.reference(record)
    response = client.get("/referrals/R-T1")
    assert response.status_code == 302
    assert "next=%2Freferrals%2FR-T1" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out because you had been signed in for 10 hours" in page
    with _record_by_ref(app, ref) as record:
        assert record.ended_reason == "expired"
    assert [e.detail for e in _events(app, "session_timeout") if e.object_ref == ref] == ["absolute timeout"]


def test_the_limit_reached_first_is_the_reason() -> None:
    """Away overnight: idle after 30 minutes came before the 10 hours were up."""
    limit = sessions.Limits(idle=timedelta(minutes=30), absolute=timedelta(hours=10))
    start = datetime(2026, 11, 2, 8, 0)
    record = UserSession(id="x", user_id=1, created_at=start, last_seen_at=start + timedelta(hours=2))
    overnight = sessions._timed_out(record, start + timedelta(hours=24), limit)
    assert overnight == ("idle", start + timedelta(hours=2, minutes=30))
    record.last_seen_at = start + timedelta(hours=9, minutes=50)
    assert sessions._timed_out(record, start + timedelta(hours=10), limit) == ("expired", start + timedelta(hours=10))
    assert sessions._timed_out(record, start + timedelta(hours=9, minutes=55), limit) is None


def test_visiting_sign_in_with_a_timed_out_session_says_why(app: Flask) -> None:
    """Going straight to the sign-in page also explains the sign-out."""
    client = _signed_in_client(app)
    with _record(app, client) as record:
        record.last_seen_at -= timedelta(hours=1)
    page = client.get("/sign-in").get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity" in page


def test_timed_out_form_post_is_not_replayed_after_sign_in(app: Flask) -> None:
    """A form posted after the timeout is refused; sign-in does not send the user back to post it."""
    client = _signed_in_client(app)
    token = csrf_token(client, "/referrals/R-T1")
    with _record(app, client) as record:
        record.last_seen_at -= timedelta(minutes=45)
    response = client.post("/referrals/R-T1/rankings", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"


def test_idle_limit_comes_from_the_settings(app: Flask) -> None:
    """SESSION_IDLE_MINUTES sets the limit, and the message says the number."""
    client = _signed_in_client(app)
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        with _record(app, client) as record:
            record.last_seen_at -= timedelta(minutes=6)
        response = client.get("/referrals/")
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "You were signed out after 5 minutes without activity" in page
    finally:
        app.config["SESSION_IDLE_MINUTES"] = 30


def test_sign_out_ends_the_session_and_a_copied_cookie_no_longer_works(app: Flask) -> None:
    """After signing out, replaying the old cookie is refused."""
    client = _signed_in_client(app)
    copied = client.get_cookie("session")
    assert copied is not None
    ref = sessions.session_id(_token(client))[:12]
    response = post(client, "/sign-out", "/referrals/")
    assert response.status_code == 302
    assert "You have signed out" in client.get("/sign-in").get_data(as_text=True)
    with _record_by_ref(app, ref) as record:
        assert record.ended_reason == "signed_out"
    assert [e.object_ref for e in _events(app, "sign_out")].count(ref) == 1

    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    response = thief.get("/referrals/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert "Your session has ended" in thief.get("/sign-in").get_data(as_text=True)


def test_a_cookie_without_a_session_record_is_refused(app: Flask) -> None:
    """A signed cookie naming a user but no session (say, from before sessions were kept) is refused."""
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(_user_id(app, "po@manchester.test"))
        cookie["_fresh"] = True
    assert client.get("/referrals/").status_code == 302
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(_user_id(app, "po@manchester.test"))
        cookie[sessions.TOKEN_KEY] = "made-up"
    assert client.get("/referrals/").status_code == 302


def test_another_users_session_token_does_not_work(app: Flask) -> None:
    """A token is tied to the user who signed in with it."""
    client = _signed_in_client(app, "sw@manchester.test")
    token = _token(client)
    other = app.test_client()
    with other.session_transaction() as cookie:
        cookie["_user_id"] = str(_user_id(app, "po@manchester.test"))
        cookie[sessions.TOKEN_KEY] = token
    assert other.get("/referrals/").status_code == 302


def test_sign_out_needs_the_csrf_token(app: Flask) -> None:
    """Signing out without the form's CSRF token is refused, and the session goes on."""
    client = _signed_in_client(app)
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert "Your form had expired" in response.get_data(as_text=True)
    assert client.get("/referrals/").status_code == 200


def test_sign_in_needs_the_csrf_token(app: Flask) -> None:
    """Signing in without the CSRF token is refused and starts no session."""
    client = app.test_client()
    response = client.post("/sign-in", data={"email": "po@manchester.test", "password": PASSWORD})
    assert response.status_code == 400
    with client.session_transaction() as cookie:
        assert sessions.TOKEN_KEY not in cookie
    assert client.get("/referrals/").status_code == 302


def test_cookie_flags(app: Flask) -> None:
    """The session cookie is HttpOnly, SameSite=Lax and (as configured by default) Secure; no remember cookie."""
    client = app.test_client()
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = sign_in(client, "po@manchester.test")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Secure" in session_cookie
    assert not any(c.startswith("remember_token=") for c in cookies)


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """Secure cookies, 30 minutes idle and 10 hours in all unless the environment says otherwise."""
    for name in ("SESSION_COOKIE_SECURE", "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]) == (30, 10)
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=10)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SESSION_MAX_HOURS", "8")
    config = from_environment(str(tmp_path))
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]) == (15, 8)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "0")
    with pytest.raises(RuntimeError, match="SESSION_IDLE_MINUTES"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(RuntimeError, match="whole number"):
        from_environment(str(tmp_path))


def test_pages_are_never_cached(app: Flask) -> None:
    """Cache-Control: no-store on pages, redirects and errors; static files may be cached."""
    client = _signed_in_client(app)
    for path in ["/sign-in", "/referrals/", "/referrals/R-S1", "/"]:
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    assert app.test_client().get("/referrals/").headers.get("Cache-Control") == "no-store"
    assert client.get("/static/app.js").headers.get("Cache-Control") != "no-store"


def test_failed_sign_ins_are_audited_without_the_email(app: Flask) -> None:
    """A wrong password is audited against the account's id; an unknown email against nobody; no email kept."""
    client = app.test_client()
    sign_in(client, "sw@manchester.test", "wrong")
    sign_in(client, "nobody-here@example.test", "wrong")
    failures = _events(app, "sign_in_failed")
    sw = _user_id(app, "sw@manchester.test")
    assert any(e.user_id == sw and e.object_ref == str(sw) and e.detail == "wrong password" for e in failures)
    assert any(e.user_id is None and e.object_ref == "unknown" for e in failures)
    with app.app_context():
        everything = db.session().query(AuditEvent).all()
        assert not any("@" in f"{e.object_ref} {e.detail}" for e in everything)
    with app.app_context():
        user = users.find_user_by_email("sw@manchester.test")
        assert user is not None
        user.failed_sign_ins = 0
        db.commit()


def test_changing_a_password_ends_the_users_sessions(app: Flask) -> None:
    """Whoever was signed in with the old password is signed out."""
    client = _signed_in_client(app, "sw@manchester.test")
    with app.app_context():
        user = users.find_user_by_email("sw@manchester.test")
        assert user is not None
        accounts.set_password(user, PASSWORD)
        db.commit()
        assert session_repository.list_open_sessions(user.id) == []
    response = client.get("/referrals/")
    assert response.status_code == 302
    assert "Your session has ended" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert any(e.detail == "password changed" for e in _events(app, "session_ended"))


def test_a_deactivated_account_is_signed_out(app: Flask) -> None:
    """Switching an account off ends its session at the next request."""
    client = _signed_in_client(app, "sw@manchester.test")
    ref = sessions.session_id(_token(client))[:12]
    try:
        with app.app_context():
            user = users.find_user_by_email("sw@manchester.test")
            assert user is not None
            user.active = False
            db.commit()
        assert client.get("/referrals/").status_code == 302
        with _record_by_ref(app, ref) as record:
            assert record.ended_reason == "deactivated"
    finally:
        with app.app_context():
            user = users.find_user_by_email("sw@manchester.test")
            assert user is not None
            user.active = True
            db.commit()
