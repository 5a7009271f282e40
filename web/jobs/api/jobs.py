"""Jobs: long work started through the API (a large panel) answers 202 with a job to follow here."""

from __future__ import annotations

from typing import Any

from web.jobs.services import jobs
from web.shared.api.common import API_PREFIX, ApiBlueprint, current_api_user
from web.shared.api.job_answers import JobSchema, job_body

blueprint = ApiBlueprint(
    "api_jobs",
    __name__,
    url_prefix=API_PREFIX + "/jobs",
    description=(
        "Jobs: long work run by a worker off the request (large panels). Starting one answers 202 with "
        "the job and a Location to follow; a finished job links to what it made. Only who started it sees it."
    ),
)
JOB_ID = "<int(max=2147483647):job_id>"


@blueprint.route(f"/{JOB_ID}")
@blueprint.errors(404)
@blueprint.response(200, JobSchema)
def get_job(job_id: int) -> Any:
    """Get a job

    Its status and progress; when done, what it made. Another person's job is 404.
    """
    return job_body(jobs.view(current_api_user(), job_id))
