"""Jobs: long work a worker runs off the web request, and what it left for the person who asked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from web.db import session
from web.models import Job, JobFile


def add_job(job: Job) -> Job:
    session().add(job)
    session().flush()
    return job


def get_job(job_id: int) -> Job | None:
    """The job as stored now (a worker may have changed it since this session last read it)."""
    return session().get(Job, job_id, populate_existing=True)


def claim(job_id: int, now: datetime) -> Job | None:
    """Mark a queued job running (one worker wins), or None when it is not queued any more."""
    claimed = session().execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now, attempts=Job.attempts + 1, progress=0)
    )
    session().commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    return get_job(job_id)


def record_progress(job_id: int, now: datetime, progress: int, message: str) -> None:
    session().execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running")
        .values(heartbeat_at=now, progress=progress, message=message[:200])
    )


def finish(
    job_id: int,
    now: datetime,
    result: dict[str, Any] | None,
    file: tuple[str, str, bytes] | None,
    message: str | None = None,
) -> None:
    # The last progress line ("Allocating ...") would read as still going: the summary, or "Finished".
    values: dict[str, Any] = {
        "status": "done",
        "finished_at": now,
        "progress": 100,
        "result": result,
        "message": (message or "Finished")[:200],
    }
    if file is not None:
        values |= {"result_filename": file[0], "result_mimetype": file[1], "result_file": file[2]}
    session().execute(update(Job).where(Job.id == job_id, Job.status == "running").values(**values))


def fail(job_id: int, now: datetime, reason: str, problems: list[str] | None = None) -> None:
    """Fail a job with the reason (and, for bad input, every problem found, to list on its page)."""
    session().execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(("queued", "running")))
        .values(
            status="failed", finished_at=now, error=reason[:500], result={"problems": problems} if problems else None
        )
    )


def fail_silent(since: datetime, now: datetime, reason: str) -> list[int]:
    """Fail running jobs whose worker has said nothing since `since`; their ids."""
    stale = list(
        session().scalars(select(Job.id).where(Job.status == "running", Job.heartbeat_at < since).order_by(Job.id))
    )
    for job_id in stale:
        fail(job_id, now, reason)
    return stale


def list_jobs_of(owner_id: int, limit: int = 20) -> list[Job]:
    """A person's most recent jobs, newest first."""
    query = select(Job).where(Job.owner_id == owner_id).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    return list(session().scalars(query))


def add_files(job_id: int, files: dict[str, tuple[str, bytes]]) -> None:
    """Keep the files a job reads ({name: (file name, content)}) until it finishes."""
    for name, (filename, content) in files.items():
        session().add(JobFile(job_id=job_id, name=name, filename=filename[:200], content=content))
    session().flush()


def files_of(job_id: int) -> dict[str, tuple[str, bytes]]:
    rows = session().execute(select(JobFile.name, JobFile.filename, JobFile.content).where(JobFile.job_id == job_id))
    return {name: (filename, content) for name, filename, content in rows}


def move_files(from_job_id: int, to_job_id: int) -> None:
    """Give a failed job's files to the job that starts it again (not copied: they may be large)."""
    session().execute(update(JobFile).where(JobFile.job_id == from_job_id).values(job_id=to_job_id))


def drop_files(job_id: int) -> None:
    session().execute(delete(JobFile).where(JobFile.job_id == job_id))


def drop_files_of_failed_before(before: datetime) -> int:
    """Delete the files of jobs that failed before `before`; how many were deleted."""
    failed = select(Job.id).where(Job.status == "failed", Job.finished_at < before)
    dropped = session().execute(delete(JobFile).where(JobFile.job_id.in_(failed)))
    return int(dropped.rowcount or 0)  # type: ignore[attr-defined]
