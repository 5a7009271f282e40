"""Jobs: long work (scenarios, exports) run by a worker; the page and the API follow its progress.

Starting one stores a `Job` owned by the person who asked and queues it; the request
returns at once (pages show a progress page, the API answers 202). A worker claims it
(only one can), runs the kind's handler and stores what it left: published aggregates or
a file, never a child's record beyond what the same person could already see. A handler
that fails writes nothing of its own work (its transaction is rolled back) and the job
is failed with the reason; a worker that stops mid-job falls silent, and a job silent for
longer than `JOB_SILENT_SECONDS` is failed with that reason when next looked at. A failed
job can be started again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from web import db, queue
from web.accounts.repositories import users
from web.accounts.services.accounts import SignedInUser
from web.jobs.repositories import jobs as repository
from web.models import Job
from web.shared.services import audit
from web.shared.services.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)
STOPPED = "The worker running this job stopped before it finished; nothing it was doing was kept. Start it again."
STATUS_WORDS = {"queued": "Waiting for a worker", "running": "Running", "done": "Finished", "failed": "Failed"}


@dataclass(frozen=True)
class Outcome:
    """What a handler leaves: aggregates to show (JSON), a file to download, or both."""

    result: dict[str, Any] | None = None
    file: tuple[str, str, bytes] | None = None  # filename, mimetype, content


Progress = Callable[[int, str], None]
Handler = Callable[[SignedInUser, dict[str, Any], Progress], Outcome]
# Where a finished job shows what it did: (endpoint, its arguments) from the job's id and result.
ResultPage = Callable[[int, dict[str, Any]], tuple[str, dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}
RESULT_PAGES: dict[str, ResultPage] = {}
KIND_WORDS: dict[str, str] = {}


def handler(kind: str, words: str, result_page: ResultPage | None = None) -> Callable[[Handler], Handler]:
    """Register the function that does a kind of job (decorator), and where its result is shown."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        KIND_WORDS[kind] = words
        if result_page:
            RESULT_PAGES[kind] = result_page
        return function

    return register


def start(user: SignedInUser, kind: str, params: dict[str, Any]) -> int:
    """Store and queue a job for `user`; its id. Nothing runs in the request (unless JOBS_IMMEDIATE)."""
    if kind not in HANDLERS:
        raise NotFound(kind)
    job = repository.add_job(
        Job(
            kind=kind,
            status="queued",
            owner_id=user.id,
            authority_code=user.authority_code,
            params=params,
            created_at=datetime.now(),
            message="Waiting for a worker",
        )
    )
    audit.record(user.id, "start_job", "job", str(job.id), detail=kind)
    db.commit()
    queue.enqueue(job.id)
    return job.id


def run(job_id: int) -> None:
    """Run one queued job (the worker's task). A job another worker took, or that ended, is left alone."""
    job = repository.claim(job_id, datetime.now())
    if job is None:
        return
    owner = users.get_user(job.owner_id)
    function = HANDLERS.get(job.kind)
    if owner is None or not owner.active or function is None:
        repository.fail(job_id, datetime.now(), "The person who started this job can no longer run it.")
        db.commit()
        return
    # The organisation acted for, as when they started it (decision 0081): a co-operative's job
    # must not run as the authority its owner is based in.
    organisation = owner.organisation
    user = SignedInUser(
        owner.id,
        owner.name,
        owner.email,
        owner.role,
        owner.authority_code,
        owner.authority.name,
        organisation.code if organisation is not None else owner.authority_code,
        organisation.name if organisation is not None else owner.authority.name,
    )

    def progress(per_cent: int, message: str) -> None:
        repository.record_progress(job_id, datetime.now(), max(0, min(99, per_cent)), message)
        db.commit()

    try:
        outcome = function(user, dict(job.params or {}), progress)
    except InvalidInput as problem:
        db.rollback()
        found = list(problem.problems) or ["The input has problems."]
        summary = found[0] if len(found) == 1 else f"{len(found)} problems were found (listed below)."
        repository.fail(job_id, datetime.now(), summary, found)
        db.commit()
        return
    except Exception as error:  # any failure: nothing of the job's own work is kept
        db.rollback()
        # The type only: messages can carry the data being worked on, and logs must hold no child's data.
        log.error("job %s (%s) failed: %s", job_id, job.kind, type(error).__name__)
        repository.fail(job_id, datetime.now(), f"The job stopped with an error ({type(error).__name__}).")
        db.commit()
        return
    repository.finish(job_id, datetime.now(), outcome.result, outcome.file)
    db.commit()


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    kind_words: str
    status: str
    status_words: str
    progress: int
    message: str
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    has_file: bool
    filename: str | None
    problems: list[str]  # a job refused for its input: every problem found
    # Where the finished job's result is shown (endpoint and arguments), if it has a page of its own.
    result_page: tuple[str, dict[str, Any]] | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


def _owned(user: SignedInUser, job_id: int) -> Job:
    job = repository.get_job(job_id)
    if job is None or job.owner_id != user.id:
        raise NotFound(str(job_id))  # another person's job is not found, as another authority's record
    return job


def _notice_a_silent_worker() -> None:
    silent = int(current_app.config.get("JOB_SILENT_SECONDS", 600))
    now = datetime.now()
    if repository.fail_silent(now - timedelta(seconds=silent), now, STOPPED):
        db.commit()


def view(user: SignedInUser, job_id: int) -> JobView:
    """A job of the user's, as its page and the API show it."""
    _notice_a_silent_worker()
    return _view_of(_owned(user, job_id))


def _view_of(job: Job) -> JobView:
    page = RESULT_PAGES.get(job.kind)
    return JobView(
        job.id,
        job.kind,
        KIND_WORDS.get(job.kind, job.kind),
        job.status,
        STATUS_WORDS.get(job.status, job.status),
        job.progress,
        job.message,
        job.error,
        job.created_at,
        job.finished_at,
        job.result_file is not None,
        job.result_filename,
        list((job.result or {}).get("problems") or []) if job.status == "failed" else [],
        page(job.id, dict(job.result or {})) if page and job.status == "done" else None,
    )


def result(user: SignedInUser, job_id: int, kind: str) -> dict[str, Any]:
    """A finished job's stored result (aggregates), for the page of its kind."""
    job = _owned(user, job_id)
    if job.kind != kind or job.status != "done" or job.result is None:
        raise NotFound(str(job_id))
    return dict(job.result)


def result_summary(user: SignedInUser, job_id: int) -> dict[str, Any]:
    """A finished job's result as the API gives it (aggregates and ids; files are fetched on their page)."""
    job = _owned(user, job_id)
    return dict(job.result or {})


def params(user: SignedInUser, job_id: int) -> dict[str, Any]:
    return dict(_owned(user, job_id).params or {})


def file(user: SignedInUser, job_id: int) -> tuple[str, str, bytes]:
    """A finished job's file (audited as an export when the handler said it is one)."""
    job = _owned(user, job_id)
    if job.status != "done" or job.result_file is None:
        raise NotFound(str(job_id))
    audit.record(user.id, "download", "job", str(job.id), detail=job.kind)
    db.commit()
    return job.result_filename or f"job-{job.id}", job.result_mimetype or "application/octet-stream", job.result_file


def again(user: SignedInUser, job_id: int) -> int:
    """Start a failed job again with the same input; the new job's id."""
    job = _owned(user, job_id)
    if job.status != "failed":
        raise InvalidInput(["Only a failed job can be started again"], {"job": "This job has not failed"})
    return start(user, job.kind, dict(job.params or {}))


def list_mine(user: SignedInUser) -> list[JobView]:
    """The user's most recent jobs: one look for silent workers, then one read of the list."""
    _notice_a_silent_worker()
    return [_view_of(job) for job in repository.list_jobs_of(user.id)]
