"""Large imports as jobs: the request keeps the file and returns at once; a worker imports it.

The import itself is `imports.run_import`, unchanged: one transaction, every row or
none. A worker killed mid-import leaves that transaction uncommitted, so the database
keeps nothing of it; the job then falls silent and is failed with the reason (see
`web.jobs.services.jobs`), and "Start it again" runs the same file (kept with the job
until it finishes). What the import found (counts, and the problems by row and field,
never a value) is the job's result, shown on the imports pages as if run in the request.
See docs/decisions/0072-imports-and-rechecks-as-jobs.md.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from web.accounts.services.accounts import SignedInUser
from web.data_exchange.services import imports
from web.jobs.services import jobs
from web.relocation.services import relocation
from web.shared.services.errors import Forbidden, NotFound

# Uploads larger than this (all files together, bytes) import as a job. 500 kB is 3,000
# provider-list rows (about 0.3 s) or 5,000 areas, the slowest per byte with their
# re-check (about 3 s at 21.7 s for 35,000): inside the 10 s a request may take.
IMPORT_JOB_BYTES = 500_000
# Problems kept with the job for its page (the page shows 500 and counts the rest).
KEPT_PROBLEMS = 500


def runs_as_job(files: dict[str, tuple[str, bytes]]) -> bool:
    size = sum(len(content) for _name, content in files.values())
    return size > int(current_app.config.get("IMPORT_JOB_BYTES", IMPORT_JOB_BYTES))


def start(user: SignedInUser, kind: str, files: dict[str, tuple[str, bytes]], *, dry_run: bool) -> int:
    """Check the person may run this import (Forbidden), keep the files and queue it; the job's id."""
    importer = imports.importer_for(kind)
    if user.role not in importer.roles:
        raise Forbidden(f"the {user.role} role may not run the {kind} import")
    return jobs.start(user, "import", {"kind": kind, "dry_run": dry_run}, files)


@jobs.handler(
    "import",
    "Import",
    result_page=lambda job_id, result: ("imports.job_result", {"kind": result["kind"], "job_id": job_id}),
)
def import_job(user: SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
    """Run the import as the page would have, and keep what it found for the job's page."""
    kind, dry_run = str(params["kind"]), bool(params["dry_run"])
    files = jobs.files()
    size_mb = sum(len(content) for _name, content in files.values()) / 1e6
    # Said before the import's transaction opens: on SQLite that transaction holds the
    # write lock until it ends, so the job's own row cannot be updated while it runs.
    progress(10, f"{'Checking' if dry_run else 'Checking and importing'} {size_mb:,.1f} MB: every row or none")
    outcome = imports.run_import(kind, files, dry_run=dry_run, user=user)
    return jobs.Outcome(result=outcome_to_json(outcome), summary=outcome.summary())


def outcome_to_json(outcome: imports.Outcome) -> dict[str, Any]:
    """What the result page needs, as JSON: counts, the first problems (row and field, no value), reviews."""
    kept = outcome.problems[:KEPT_PROBLEMS]
    reviews = outcome.reviews
    return {
        "kind": outcome.kind,
        "dry_run": outcome.dry_run,
        "rows": outcome.rows,
        "added": dict(outcome.added),
        "skipped": dict(outcome.skipped),
        "import_id": outcome.import_id,
        "files": dict(outcome.files),
        "problems": [[p.file, p.row, p.field, p.message] for p in kept],
        "more_problems": outcome.more_problems + len(outcome.problems) - len(kept),
        "flags": None
        if outcome.flags is None
        else {
            "heading": outcome.flags.heading,
            "summary": list(outcome.flags.summary),
            "shown": outcome.flags.shown,
            "count": outcome.flags.count,
            "report_id": outcome.flags.report_id,
        },
        "reviews": None
        if reviews is None
        else {
            "yours": [[r.id, r.young_person, r.placement, list(r.reasons)] for r in reviews.yours],
            "elsewhere": dict(reviews.elsewhere),
            "not_reopened": reviews.not_reopened,
            "checked": reviews.checked,
        },
    }


def outcome_from_json(result: dict[str, Any]) -> imports.Outcome:
    problems = [imports.Problem(str(f), r, d, str(m)) for f, r, d, m in result.get("problems") or []]
    stored = result.get("reviews")
    reviews = None
    if stored is not None:
        reviews = relocation.Opened(
            [relocation.OpenedReview(int(i), str(y), str(p), list(w)) for i, y, p, w in stored["yours"]],
            {str(k): int(v) for k, v in stored["elsewhere"].items()},
            int(stored["not_reopened"]),
            int(stored["checked"]),
        )
    flags = result.get("flags")
    return imports.Outcome(
        str(result["kind"]),
        bool(result["dry_run"]),
        int(result["rows"]),
        {str(k): int(v) for k, v in result["added"].items()},
        problems,
        result.get("import_id"),
        int(result.get("more_problems") or 0),
        {str(k): str(v) for k, v in (result.get("files") or {}).items()},
        {str(k): int(v) for k, v in (result.get("skipped") or {}).items()},
        reviews,
        None
        if flags is None
        else imports.Flags(
            str(flags["heading"]),
            [str(line) for line in flags["summary"]],
            [list(row) for row in flags["shown"]],
            int(flags["count"]),
            flags.get("report_id"),
        ),
    )


def result(user: SignedInUser, job_id: int, kind: str) -> imports.Outcome:
    """A finished import job's outcome, for its page (another person's job, or another kind, is NotFound)."""
    found = jobs.result(user, job_id, "import")
    if found.get("kind") != kind:
        raise NotFound(str(job_id))
    return outcome_from_json(found)
