"""Ranking a case submitted whole (`placement-case/1`): nothing is read from or stored in the records.

The ranking itself is audited, because every ranking is; the audit names the
case by a hash, never by anything the caller wrote in it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import planner
from planner import CaseError
from web import db
from web.accounts.services.accounts import SignedInUser
from web.shared.services import audit, postcodes
from web.shared.services.errors import InvalidInput


def rank_submitted(user: SignedInUser, case: Any) -> dict[str, Any]:
    """The `placement-ranking/1` for `case`; raises `InvalidInput` with the engine's problems
    (one `path: message` line each) when the case is not valid."""
    try:
        result = planner.rank_case(case, postcodes=postcodes.resolve)
    except CaseError as error:
        raise InvalidInput(error.problems) from None
    digest = hashlib.sha256(json.dumps(case, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    audit.record(user.id, "rank", "submitted_case", digest[:32])
    db.commit()
    return result
