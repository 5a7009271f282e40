"""Jobs: long work off the request, on the embedded SQLite queue and on Redis, with a real worker.

Most tests run jobs at once (JOBS_IMMEDIATE, as every other test does); those here that
say "worker" run them through the real queue: the embedded SQLite file, Redis when the
server is reachable (REDIS_URL, or 127.0.0.1:6379), and `flask jobs-worker` itself.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.helpers import bearer, make_token
from tests.integration.decision_builders import build_decision_world
from tests.integration.helpers import csrf_token, sign_in
from web import db, migrate, queue
from web.accounts.services import accounts
from web.jobs.services import jobs
from web.models import AuditEvent, Job, PanelRun
from web.shared.services import reference_data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def world(app: Flask) -> None:
    build_decision_world(app, ["R-J1", "R-J2"])


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def _user(app: Flask, email: str) -> accounts.SignedInUser:
    with app.app_context():
        user = accounts.authenticate(email, "correct horse battery staple")
    assert user is not None
    return user


def test_a_large_panel_runs_as_a_job_and_its_page_leads_to_the_run(app: Flask) -> None:
    """Above the job size, the panel is queued: the job's page leads to the stored run."""
    app.config["PANEL_JOB_SIZE"] = 1
    try:
        client = _signed_in(app, "po@manchester.test")
        token = csrf_token(client, "/panel/")
        started = client.post("/panel/", data={"referrals": ["R-J1", "R-J2"], "csrf_token": token})
        assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
        job_page = client.get(started.headers["Location"])
        assert job_page.status_code == 302 and "/panel/" in job_page.headers["Location"]
        assert client.get(job_page.headers["Location"]).status_code == 200
    finally:
        app.config.pop("PANEL_JOB_SIZE")


def test_the_api_answers_202_with_a_job_to_follow(app: Flask, client: FlaskClient) -> None:
    """A large panel through the API: 202, a Location, and the job says which run it made; others get 404."""
    app.config["PANEL_JOB_SIZE"] = 1
    try:
        token = make_token(app, "po@manchester.test")
        response = client.post("/api/v1/panels", headers=bearer(token), json={"referrals": ["R-J1", "R-J2"]})
    finally:
        app.config.pop("PANEL_JOB_SIZE")
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    assert location.startswith("/api/v1/jobs/")
    followed = client.get(location, headers=bearer(token)).get_json()
    assert followed["status"] == "done" and followed["progress"] == 100
    with app.app_context():
        assert db.session().get(PanelRun, followed["result"]["panel_run_id"]) is not None
    other = make_token(app, "sw@manchester.test")
    assert client.get(location, headers=bearer(other)).status_code == 404
    assert client.get("/api/v1/jobs/2147483647", headers=bearer(token)).status_code == 404


def test_a_failing_job_keeps_nothing_it_wrote_and_says_why(app: Flask) -> None:
    """A handler that writes and then fails: its writes are rolled back, the job is failed with the reason."""

    def write_then_fail(user: accounts.SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
        from web.shared.services import audit

        audit.record(user.id, "half_done", "job_test", "x")
        db.session().flush()
        raise RuntimeError("something broke half way")

    jobs.HANDLERS["write_then_fail"] = write_then_fail
    jobs.KIND_WORDS["write_then_fail"] = "A test job"
    try:
        user = _user(app, "po@manchester.test")
        with app.test_request_context():
            job_id = jobs.start(user, "write_then_fail", {})
            view = jobs.view(user, job_id)
            assert view.status == "failed"
            assert view.error == "The job stopped with an error (RuntimeError)."
            assert "half way" not in (view.error or "")  # the message may carry data: never shown or logged
            assert db.session().scalars(select(AuditEvent).where(AuditEvent.action == "half_done")).first() is None
            again = jobs.again(user, job_id)
            assert again != job_id and jobs.view(user, again).status == "failed"
    finally:
        del jobs.HANDLERS["write_then_fail"]


def test_a_worker_that_stopped_mid_job_is_noticed(app: Flask) -> None:
    """A running job whose worker fell silent is failed with that reason when next looked at."""
    user = _user(app, "po@manchester.test")
    with app.test_request_context():
        job = Job(
            kind="export",
            status="running",
            owner_id=user.id,
            authority_code=user.authority_code,
            params={"kind": "ssda903-episodes"},
            created_at=datetime.now() - timedelta(hours=1),
            started_at=datetime.now() - timedelta(hours=1),
            heartbeat_at=datetime.now() - timedelta(seconds=app.config["JOB_SILENT_SECONDS"] + 5),
            attempts=1,
            progress=40,
        )
        db.session().add(job)
        db.commit()
        view = jobs.view(user, job.id)
    assert view.status == "failed" and view.error == jobs.STOPPED
    client = _signed_in(app, "po@manchester.test")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Start it again" in page and "stopped before it finished" in page
    listed = client.get("/jobs/").get_data(as_text=True)
    assert f'href="/jobs/{job.id}"' in listed and "Failed" in listed


def test_a_job_is_claimed_once(app: Flask) -> None:
    """Two workers given the same job: one runs it, the other leaves it alone."""
    user = _user(app, "po@manchester.test")
    ran: list[int] = []

    def count(u: accounts.SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
        ran.append(1)
        return jobs.Outcome(result={})

    jobs.HANDLERS["count"] = count
    try:
        with app.test_request_context():
            job = Job(kind="count", status="queued", owner_id=user.id, authority_code=user.authority_code, params={})
            job.created_at = datetime.now()
            db.session().add(job)
            db.commit()
            jobs.run(job.id)
            jobs.run(job.id)
            assert jobs.view(user, job.id).status == "done"
    finally:
        del jobs.HANDLERS["count"]
    assert ran == [1]


# --- on the real queues ------------------------------------------------------------------------


def _queued_app(tmp_path: Path, **config: Any) -> Flask:
    """An app whose jobs really queue (no JOBS_IMMEDIATE), on its own SQLite database."""
    from web import create_app

    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'planner.db'}",
            "SESSION_COOKIE_SECURE": False,
            "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite3"),
            **config,
        }
    )
    migrate.upgrade(application)
    with application.app_context():
        reference_data.load_authorities()
    build_decision_world(application, [])
    return application


def _start_export(application: Flask) -> int:
    with application.app_context():
        admin = accounts.create_user("admin@manchester.test", "Admin", "admin", "E08000003", "correct horse battery 1")
        db.commit()
        user = accounts.authenticate("admin@manchester.test", "correct horse battery 1")
        assert user is not None
        with application.test_request_context():
            job_id = jobs.start(user, "export", {"kind": "ssda903-episodes"})
            assert admin is not None
            assert jobs.view(user, job_id).status == "queued"  # nothing ran in the request
    return job_id


def _work_one(application: Flask) -> None:
    """What a worker does with the next task: take it from the queue's storage and run it."""
    huey = application.extensions["planner_queue"][0]
    task = huey.dequeue()
    assert task is not None, "the job is on the queue"
    huey.execute(task)


def _status(application: Flask, job_id: int) -> str:
    with application.app_context():
        job = db.session().get(Job, job_id)
        assert job is not None
        return job.status


def test_the_embedded_sqlite_queue_carries_a_job_to_a_worker(tmp_path: Path) -> None:
    """Without Redis: the job waits in instance's SQLite queue until a worker runs it."""
    application = _queued_app(tmp_path)
    assert queue.backend(application) == "SqliteHuey"
    job_id = _start_export(application)
    _work_one(application)
    assert _status(application, job_id) == "done"


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    host, port = "127.0.0.1", 6379
    try:
        with socket.create_connection((host, port), timeout=1):
            return url
    except OSError:
        return None


def test_the_redis_queue_carries_a_job_to_a_worker(tmp_path: Path) -> None:
    """With REDIS_URL: the same job through Redis, where workers on other machines would take it."""
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis server on 127.0.0.1:6379 (set REDIS_URL to test the Redis queue)")
    application = _queued_app(tmp_path, REDIS_URL=url)
    assert queue.backend(application) == "RedisHuey"
    huey = application.extensions["planner_queue"][0]
    huey.flush()  # only this test's tasks on its queue
    job_id = _start_export(application)
    _work_one(application)
    assert _status(application, job_id) == "done"


@pytest.fixture()
def worker_app(tmp_path: Path) -> Iterator[tuple[Flask, dict[str, str]]]:
    application = _queued_app(tmp_path)
    env = {
        **os.environ,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": application.config["DATABASE_URL"],
        "JOBS_SQLITE_PATH": application.config["JOBS_SQLITE_PATH"],
        "SESSION_COOKIE_SECURE": "0",
    }
    yield application, env


def test_flask_jobs_worker_runs_queued_jobs_and_stops_on_ctrl_c(worker_app: tuple[Flask, dict[str, str]]) -> None:
    """The worker `make run` starts: it takes the queued job, and Ctrl-C (SIGINT) stops it."""
    application, env = worker_app
    job_id = _start_export(application)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs-worker", "--workers", "1"]
    process = subprocess.Popen(flask, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while _status(application, job_id) != "done" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _status(application, job_id) == "done"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode()
    assert b"Jobs worker" in output
