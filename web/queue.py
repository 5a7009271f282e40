"""The job queue: huey, embedded (SQLite file, no server) by default, on Redis when REDIS_URL is set.

Like `web.db` this is plumbing: services enqueue through `enqueue`, and a worker
(`flask --app wsgi jobs-worker`, started by `make run`) runs what was queued, each job in
an app context of its own. Several workers on several machines share one Redis queue. In
tests `JOBS_IMMEDIATE` runs a job at once, inside the call that queued it.
See docs/decisions/0070-jobs-on-a-queue.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

_EXTENSION = "planner_queue"
QUEUE_NAME = "planner-jobs"


def init_app(app: Flask, runner: Callable[[int], None]) -> None:
    """Make the app's queue and register the one task it runs: `runner(job_id)` in an app context."""
    huey: Huey
    if app.config.get("JOBS_IMMEDIATE"):
        huey = MemoryHuey(QUEUE_NAME, immediate=True)
    elif app.config.get("REDIS_URL"):
        huey = RedisHuey(QUEUE_NAME, url=app.config["REDIS_URL"])
    else:
        path = app.config.get("JOBS_SQLITE_PATH") or os.path.join(app.instance_path, "jobs.sqlite3")
        huey = SqliteHuey(QUEUE_NAME, filename=path)

    def run_job(job_id: int) -> None:
        with app.app_context():
            runner(job_id)

    task = huey.task(name="run_job")(run_job)
    app.extensions[_EXTENSION] = (huey, task)


def enqueue(job_id: int) -> None:
    """Queue a job (committed already) for a worker."""
    _huey, task = current_app.extensions[_EXTENSION]
    task(job_id)


def backend(app: Flask | None = None) -> str:
    """Which queue the app uses, in words for the worker's first line."""
    huey: Any = (app or current_app).extensions[_EXTENSION][0]
    return type(huey).__name__


def consumer(app: Flask, workers: int = 2) -> Consumer:
    """A worker for the app's queue: `workers` threads, each job in its own app context."""
    huey: Huey = app.extensions[_EXTENSION][0]
    return huey.create_consumer(workers=workers, worker_type="thread", check_worker_health=True)
