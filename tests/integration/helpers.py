"""Signing in through the real form, CSRF token and all."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.integration.builders import PASSWORD


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def post(client: FlaskClient, path: str, token_from: str, data: dict[str, str] | None = None) -> TestResponse:
    token = csrf_token(client, token_from)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def export_file(client: FlaskClient, kind: str) -> TestResponse:
    """Prepare an export as a person does: start its job, open the job's page, download the file."""
    started = client.post(f"/exports/{kind}", data={"csrf_token": csrf_token(client, "/exports/")})
    assert started.status_code == 302, started.status_code
    job_page = client.get(started.headers["Location"])
    assert job_page.status_code == 200
    link = re.search(r'href="(/jobs/\d+/file)"', job_page.get_data(as_text=True))
    assert link, "the finished job's page offers the file"
    return client.get(link.group(1))
