"""Gunicorn's settings for `make run`, and a deployment's starting point.

    gunicorn -c config/gunicorn.conf.py wsgi:app

The timeout is the product's promise that no request runs longer than 10 s (issue "Fast at
regional scale", docs/decisions/0072-imports-and-rechecks-as-jobs.md). Work that grows with
the data (scenarios, exports, large panels, imports above IMPORT_JOB_BYTES, re-checking every
placement) runs as a job and the request only queues it, so nothing legitimate comes near
it; a request that still does is a defect, and the worker running it is stopped and
replaced rather than holding one of the few sync workers for minutes. The upload of a large
file is read inside the request too: in a deployment a proxy that buffers request bodies
(nginx does by default) keeps a slow connection from counting against it.
"""

from __future__ import annotations

import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
# Two sync workers on the 2-core development machine; the jobs worker runs beside them.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Seconds a sync worker may be busy on one request before it is stopped and replaced.
timeout = 10
# Ctrl-C or a deploy lets a request in flight finish, within the same bound.
graceful_timeout = 10
accesslog = "-"
# Method and path only (%U drops the query string, which can carry a reference); status; seconds.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(L)ss'
