"""How the API answers a request that started a job: 202, the job, and where to follow it.

On the shared floor because any group's API may start a job (a large panel, an export).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from marshmallow import Schema, fields

from web.jobs.services import jobs
from web.shared.api.common import current_api_user


class JobSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "panel, capacity_scenario or export"})
    status = fields.String(required=True, metadata={"description": "queued, running, done or failed"})
    progress = fields.Integer(required=True, metadata={"description": "per cent"})
    message = fields.String(required=True)
    error = fields.String(allow_none=True, metadata={"description": "why a failed job stopped"})
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    result = fields.Dict(allow_none=True, metadata={"description": "what a finished job made, e.g. panel_run_id"})


def job_body(view: jobs.JobView) -> dict[str, Any]:
    """The job as JobSchema reads it (not yet serialised)."""
    result = jobs.result_summary(current_api_user(), view.id) if view.status == "done" else None
    fields_of = ("id", "kind", "status", "progress", "message", "error", "created_at", "finished_at")
    return {name: getattr(view, name) for name in fields_of} | {"result": result}


def accepted(job_id: int) -> Response:
    """The 202 answer to a request that started a job: the job, and where to follow it."""
    response = jsonify(JobSchema().dump(job_body(jobs.view(current_api_user(), job_id))))
    response.status_code = 202
    response.headers["Location"] = url_for("api_jobs.get_job", job_id=job_id)
    return response
