"""Signing in and out, and telling people why they were signed out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_url, login_user, logout_user
from werkzeug.wrappers import Response

from web.accounts.services import accounts, sessions

blueprint = Blueprint("auth", __name__)


@blueprint.before_app_request
def _check_session() -> None:
    # Load the user (and so check, touch or end their server-side session) before any
    # view starts work: the loader commits, and must never carry a view's half-done changes.
    # Static files are not activity; the JSON API signs in by token, never by this cookie.
    if request.endpoint != "static" and not request.path.startswith("/api/"):
        _ = current_user.is_authenticated


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    refused = sessions.refusal()
    if refused is not None and request.method == "GET":
        flash(signed_out_message(refused))
    errors: dict[str, str] = {}
    email = request.form.get("email", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        if not email:
            errors["email"] = "Enter your email address"
        if not password:
            errors["password"] = "Enter your password"
        if not errors:
            user = accounts.authenticate(email, password)
            if user is None:
                errors["email"] = "The email address or password is wrong, or the account is locked for 15 minutes"
            else:
                # A fresh cookie session: nothing from before signing in carries over.
                session.clear()
                token = sessions.start(user.id)
                login_user(user, remember=False)
                sessions.remember_token(token)
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
    status = 400 if errors else 200
    limit = sessions.limits()
    return render_template(  # type: ignore[return-value]
        "sign_in.html",
        errors=errors,
        email=email,
        idle_minutes=limit.idle_minutes,
        max_hours=limit.absolute_hours,
    ), status


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL in ?next= would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.home")


@blueprint.route("/sign-out", methods=["POST"])
def logout() -> Response:
    # Ending the server-side record is what makes a copy of the cookie useless.
    sessions.end(sessions.cookie_token(), sessions.SIGNED_OUT)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def unauthorised() -> Response:
    """Flask-Login's unauthorised handler: to the sign-in page, saying why when we know."""
    flash(signed_out_message(sessions.refusal()))
    # Only a page can be returned to after signing in; a form post cannot be replayed.
    next_url = request.url if request.method == "GET" else None
    return redirect(login_url("auth.sign_in", next_url=next_url))


def signed_out_message(reason: str | None) -> str:
    """What the sign-in page says to someone whose session was refused."""
    limit = sessions.limits()
    if reason == sessions.IDLE:
        return f"You were signed out after {_count(limit.idle_minutes, 'minute')} without activity. Sign in again."
    if reason == sessions.EXPIRED:
        signed_in_for = _count(limit.absolute_hours, "hour")
        return f"You were signed out because you had been signed in for {signed_in_for}. Sign in again."
    if reason == sessions.ENDED:
        return "Your session has ended. Sign in again."
    return "Sign in to continue."


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"
