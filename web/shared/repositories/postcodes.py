"""The postcode lookup table (ONS Postcode Directory extract)."""

from __future__ import annotations

from web.db import session
from web.models import Postcode


def get_postcode(compact: str) -> Postcode | None:
    """The row for a postcode written upper case without spaces, or None."""
    return session().get(Postcode, compact)


def add_postcode(postcode: Postcode) -> None:
    session().add(postcode)
