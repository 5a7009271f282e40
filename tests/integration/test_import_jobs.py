"""Imports above IMPORT_JOB_BYTES as jobs: the page follows the job to the same result; a job
that stops mid-import keeps nothing and can be started again with the same file; on the
embedded SQLite queue, on Redis, and with the real `flask jobs-worker`.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.integration.helpers import csrf_token, sign_in
from tests.integration.test_jobs import ROOT, _queued_app, _redis_url, _status, _work_one
from web import db
from web.accounts.services import accounts
from web.data_exchange.services import import_jobs
from web.data_exchange.services.imports import placements_csv
from web.jobs.services import jobs
from web.models import ImportRun, Job, JobFile, Placement
from web.shared.repositories import imports as import_repository

PASSWORD = "correct horse battery staple"
HEADER = "code,label,provider_name,setting,place_code,provider,lat,lon,capacity,vacancies,age_min,age_max\n"


def _providers(first: int, count: int) -> str:
    return HEADER + "".join(
        f"JOB-{i},Carers {i},Agency,foster,U4,PR4,53.4{i % 10},-2.2{i % 7},2,1,8,17\n"
        for i in range(first, first + count)
    )


def _placements(app: Flask, prefix: str) -> int:
    with app.app_context():
        found = db.session().scalar(
            select(func.count()).select_from(Placement).where(Placement.code.like(f"{prefix}%"))
        )
        return int(found or 0)


def _post(client: FlaskClient, body: str, dry_run: bool = False) -> Any:
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, "/imports/placements_csv"),
        "file": (io.BytesIO(body.encode()), "providers.csv"),
    }
    if dry_run:
        data["dry_run"] = "yes"
    return client.post("/imports/placements_csv", data=data, content_type="multipart/form-data")


@pytest.fixture()
def small_jobs(app: Flask) -> Any:
    """Every upload counts as large: the job path with the test's small files."""
    app.config["IMPORT_JOB_BYTES"] = 10
    yield
    app.config.pop("IMPORT_JOB_BYTES")


@pytest.fixture(scope="module")
def officer(app: Flask) -> FlaskClient:
    with app.app_context():
        accounts.create_user("po@importjobs.test", "PO", "placement_officer", "E08000003", PASSWORD)
        db.commit()
    client = app.test_client()
    sign_in(client, "po@importjobs.test", PASSWORD)
    return client


def test_a_large_file_imports_as_a_job_and_the_page_shows_the_result(
    app: Flask, officer: FlaskClient, small_jobs: None
) -> None:
    before = _placements(app, "JOB-")
    started = _post(officer, _providers(1, 3))
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job_page = officer.get(started.headers["Location"])
    # Finished (tests run jobs at once): the job's page leads to the import's own result page.
    assert job_page.status_code == 302 and "/imports/placements_csv/jobs/" in job_page.headers["Location"]
    result = officer.get(job_page.headers["Location"])
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and "File imported" in page and "Placements added" in page
    assert _placements(app, "JOB-") == before + 3
    job_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        job = db.session().get(Job, job_id)
        assert job is not None and job.message == "Imported 3 rows: 3 placements added, 0 placements updated."
        # The upload is not kept once its rows are in the database.
        assert db.session().scalar(select(func.count()).select_from(JobFile).where(JobFile.job_id == job_id)) == 0
    # Nobody else reaches it, and the result page of another kind is not found.
    other = app.test_client()
    with app.app_context():
        accounts.create_user("po2@importjobs.test", "PO2", "placement_officer", "E08000003", PASSWORD)
        db.commit()
    sign_in(other, "po2@importjobs.test", PASSWORD)
    assert other.get(job_page.headers["Location"]).status_code == 404
    assert officer.get(f"/imports/areas/jobs/{job_id}").status_code == 404


def test_a_refused_file_run_as_a_job_lists_its_problems_and_writes_nothing(
    app: Flask, officer: FlaskClient, small_jobs: None
) -> None:
    body = _providers(100, 2) + "JOB-BAD,Carers,Agency,foster,U4,PR4,53.4,-2.2,2,9,8,17\n"
    started = _post(officer, body)
    page = officer.get(started.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "vacancies must be between 0 and capacity" in page and "nothing was imported" in page
    assert _placements(app, "JOB-10") == 0 and _placements(app, "JOB-BAD") == 0


def test_a_small_file_still_imports_in_the_request(app: Flask, officer: FlaskClient) -> None:
    response = _post(officer, _providers(200, 1))
    assert response.status_code == 200 and "File imported" in response.get_data(as_text=True)


def test_a_role_that_may_not_import_is_refused_before_anything_is_kept(app: Flask, small_jobs: None) -> None:
    with app.app_context():
        accounts.create_user("sw@importjobs.test", "SW", "social_worker", "E08000003", PASSWORD)
        db.commit()
        user = accounts.authenticate("sw@importjobs.test", PASSWORD)
        assert user is not None
        before = db.session().scalar(select(func.count()).select_from(Job))
        with pytest.raises(Exception, match="may not run"):
            import_jobs.start(user, "placements_csv", {"file": ("p.csv", b"x" * 20)}, dry_run=False)
        assert db.session().scalar(select(func.count()).select_from(Job)) == before


def test_an_import_that_stops_half_way_keeps_nothing_and_starts_again_with_the_same_file(
    app: Flask, officer: FlaskClient, small_jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first chunk is written, then the worker fails: nothing stays; "Start it again" imports it all."""
    monkeypatch.setattr(placements_csv, "CHUNK_ROWS", 2)
    real_insert = import_repository.insert_placements
    calls: list[int] = []

    def insert_then_break(rows: Any) -> None:
        calls.append(len(rows))
        if len(calls) == 2:
            raise MemoryError  # as a worker running out of memory half way
        real_insert(rows)

    monkeypatch.setattr(import_repository, "insert_placements", insert_then_break)
    started = _post(officer, _providers(300, 5))
    failed = officer.get(started.headers["Location"]).get_data(as_text=True)
    assert "The job stopped with an error (MemoryError)" in failed and "Start it again" in failed
    assert _placements(app, "JOB-30") == 0  # the first chunk's two rows were rolled back with the rest
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(ImportRun).where(ImportRun.rows == 5)) == 0
    monkeypatch.setattr(import_repository, "insert_placements", real_insert)
    job_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    again = officer.post(f"/jobs/{job_id}/again", data={"csrf_token": csrf_token(officer, f"/jobs/{job_id}")})
    assert again.status_code == 302
    page = officer.get(again.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "File imported" in page
    assert _placements(app, "JOB-30") == 5


# --- on the real queues ------------------------------------------------------------------------


def _start_import(application: Flask, first: int) -> int:
    application.config["IMPORT_JOB_BYTES"] = 10
    with application.app_context():
        accounts.create_user("admin@importjobs.test", "Admin", "admin", "E08000003", PASSWORD)
        db.commit()
        user = accounts.authenticate("admin@importjobs.test", PASSWORD)
        assert user is not None
        with application.test_request_context():
            files = {"file": ("providers.csv", _providers(first, 4).encode())}
            job_id = import_jobs.start(user, "placements_csv", files, dry_run=False)
            assert jobs.view(user, job_id).status == "queued"  # nothing ran in the request
    assert _placements(application, "JOB-") == 0
    return job_id


def test_an_import_job_on_the_embedded_sqlite_queue(tmp_path: Path) -> None:
    application = _queued_app(tmp_path)
    job_id = _start_import(application, 400)
    _work_one(application)
    assert _status(application, job_id) == "done" and _placements(application, "JOB-40") == 4


def test_an_import_job_on_the_redis_queue(tmp_path: Path) -> None:
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis server on 127.0.0.1:6379 (set REDIS_URL to test the Redis queue)")
    application = _queued_app(tmp_path, REDIS_URL=url)
    application.extensions["planner_queue"][0].flush()
    job_id = _start_import(application, 500)
    _work_one(application)
    assert _status(application, job_id) == "done" and _placements(application, "JOB-50") == 4


def test_an_import_job_run_by_flask_jobs_worker(tmp_path: Path) -> None:
    """The worker process reads the file from the database (not from the web server's disk)."""
    application = _queued_app(tmp_path)
    job_id = _start_import(application, 600)
    env = {
        **os.environ,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": application.config["DATABASE_URL"],
        "JOBS_SQLITE_PATH": application.config["JOBS_SQLITE_PATH"],
        "SESSION_COOKIE_SECURE": "0",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs-worker", "--workers", "1"]
    process = subprocess.Popen(flask, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while _status(application, job_id) != "done" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _status(application, job_id) == "done"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert _placements(application, "JOB-60") == 4


def test_a_failed_import_keeps_its_file_for_a_week_only(
    app: Flask, officer: FlaskClient, small_jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After FAILED_FILES_KEPT_DAYS the file goes; starting the job again then says to upload it again."""

    def broken(rows: Any) -> None:
        raise MemoryError

    monkeypatch.setattr(import_repository, "insert_placements", broken)
    started = _post(officer, _providers(700, 2))
    job_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    monkeypatch.undo()
    with app.app_context():
        job = db.session().get(Job, job_id)
        assert job is not None and job.status == "failed" and job.finished_at is not None
        files = select(func.count()).select_from(JobFile).where(JobFile.job_id == job_id)
        assert db.session().scalar(files) == 1
        job.finished_at -= timedelta(days=jobs.FAILED_FILES_KEPT_DAYS, minutes=1)
        db.commit()
    officer.get(f"/jobs/{job_id}")  # anyone looking at jobs clears what is past keeping
    with app.app_context():
        assert db.session().scalar(files) == 0
    again = officer.post(f"/jobs/{job_id}/again", data={"csrf_token": csrf_token(officer, f"/jobs/{job_id}")})
    page = officer.get(again.headers["Location"]).get_data(as_text=True)
    assert "no longer kept" in page and "upload it again" in page
    assert _placements(app, "JOB-70") == 0
