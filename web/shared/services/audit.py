"""Recording who did what to which record, and from where. Never personal data in logs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import has_request_context, request

from web.models import AuditEvent
from web.shared.repositories import audit as audit_repository


def record(
    user_id: int | None,
    action: str,
    object_type: str,
    object_ref: str,
    detail: str | None = None,
    authority_code: str | None = None,
) -> None:
    """Add an audit event to the current transaction (the caller commits).

    `authority_code` is for events with no user (the command line): the authority the
    command acted for, whose administrators then see the event. Events with neither (a
    failed sign-in for an unknown email) are seen by every administrator.
    """
    audit_repository.add_event(
        AuditEvent(
            at=datetime.now(),
            user_id=user_id,
            action=action,
            object_type=object_type,
            object_ref=object_ref,
            remote_addr=request.remote_addr if has_request_context() else None,
            detail=detail,
            authority_code=authority_code if user_id is None else None,
        )
    )


def record_shared_read(
    user_id: int | None,
    reader: str,
    owner: str,
    kind: str,
    agreements: Iterable[int],
    object_type: str,
    object_ref: str,
) -> None:
    """A read of another owner's records under agreements, in both parties' audit logs.

    The reader's `shared_read` names the owner and the agreements; the owner's administrators
    see `read_under_agreement`, naming the reader and the agreements but not the reader's
    record (a referral's reference is the reader's own business). The caller commits.
    """
    ids = ",".join(str(i) for i in agreements)
    record(user_id, "shared_read", object_type, object_ref, f"{kind}s of {owner} under agreement {ids}", reader)
    record(
        None,
        "read_under_agreement",
        "agreement",
        ids[:60],
        f"{kind}s of {owner} read by {reader} for {object_type.replace('_', ' ')}"[:200],
        owner,
    )
