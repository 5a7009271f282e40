"""Placement officers asking for options back to back (issue 13): run by bench/load_bench.py.

Each simulated user signs in with its own account (LOAD_USERS: "email password" lines in
LOAD_ACCOUNTS), then loops with no think time: "find options" on one of its authority's
open referrals (POST, the referral page's button) and the options page it redirects to.
Runs in its own virtualenv (.venv-load): locust brings gevent and a pytest plugin that
must not enter the test suite's environment.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from pathlib import Path

from locust import HttpUser, task
from locust.exception import StopUser

_ACCOUNTS = [line.split() for line in Path(os.environ["LOAD_ACCOUNTS"]).read_text().splitlines() if line]
_REFERRALS = os.environ["LOAD_REFERRALS"].split(",")
_next_account = itertools.count()
_lock = threading.Lock()
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class PlacementOfficer(HttpUser):
    wait_time = staticmethod(lambda: 0)  # back to back, as the issue measures

    def on_start(self) -> None:
        with _lock:
            email, password = _ACCOUNTS[next(_next_account) % len(_ACCOUNTS)]
        page = self.client.get("/sign-in", name="sign-in page")
        token = _TOKEN.search(page.text)
        if token is None:
            raise StopUser()
        done = self.client.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": token.group(1)},
            name="sign in",
            allow_redirects=False,
        )
        if done.status_code != 302:
            raise StopUser()
        self.references = itertools.cycle(_REFERRALS)
        self.token = _TOKEN.search(self.client.get(f"/referrals/{_REFERRALS[0]}", name="referral page").text)

    @task
    def find_options(self) -> None:
        reference = next(self.references)
        assert self.token is not None
        with self.client.post(
            f"/referrals/{reference}/rankings",
            data={"csrf_token": self.token.group(1)},
            name="find options",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"status {answer.status_code}")
                return
            location = answer.headers["Location"]
        self.client.get(location, name="options page")
