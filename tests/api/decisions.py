"""A decision to read through the API, recorded the way a social worker records one: in the browser."""

from __future__ import annotations

import re

from flask import Flask

from tests.api.helpers import bearer, make_token
from tests.integration.decision_builders import plan_form
from tests.integration.helpers import csrf_token, sign_in


def record_decision(app: Flask, reference: str, email: str = "sw@manchester.test") -> int:
    """Rank `reference` (through the API), choose its top option with a valid care plan; the decision id."""
    client = app.test_client()
    token = bearer(make_token(app, email, "Decision builder"))
    run = client.post(f"/api/v1/referrals/{reference}/ranking-runs", headers=token)
    assert run.status_code == 201, run.get_data(as_text=True)[:500]
    ranking = client.get(run.headers["Location"], headers=token).get_json()
    top = ranking["options"][0]["placement_id"]
    sign_in(client, email)
    path = f"/referrals/{reference}/rankings/{run.get_json()['id']}/decide?placement={top}"
    page = client.get(path).get_data(as_text=True)
    support = re.findall(r'name="contact-(S-\d+)-frequency"', page)
    decided = client.post(path, data={**plan_form(support), "csrf_token": csrf_token(client, path)})
    assert decided.status_code == 302, decided.get_data(as_text=True)[:1000]
    found = re.search(r"/decisions/(\d+)", decided.headers["Location"])
    assert found, decided.headers["Location"]
    return int(found.group(1))
