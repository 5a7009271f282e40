"""Helpers for the API tests: tokens (made through the token service, as the tokens page makes
them), the JSON error shape, and audit events."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from web import db
from web.accounts.repositories import users
from web.accounts.services import api_tokens
from web.accounts.services.accounts import SignedInUser
from web.models import AuditEvent


def signed_in(email: str) -> SignedInUser:
    user = users.find_user_by_email(email)
    assert user is not None, email
    return SignedInUser(user.id, user.name, user.email, user.role, user.authority_code, user.authority.name)


def make_token(app: Flask, email: str, label: str = "Test client") -> str:
    """A new API token for the user with `email`; returns the token itself."""
    with app.test_request_context():
        _, raw = api_tokens.create(signed_in(email), label)
    return raw


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: TestResponse, status: int) -> dict[str, Any]:
    """The response is the API's JSON error shape with `status`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str)
    return body


def audit_events(app: Flask, action: str, object_type: str, object_ref: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = db.session().query(AuditEvent).filter_by(action=action, object_type=object_type)
        if object_ref is not None:
            query = query.filter_by(object_ref=object_ref)
        return list(query.order_by(AuditEvent.id))
