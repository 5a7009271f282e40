"""Downloads of the capacity review's tables: each exactly as its page shows it, audited.

Kept apart from `capacity` so that the pages' services (overview, location, equality in
`capacity`; trends in `capacity_trends` and the DfE-comparable figures in `capacity_dfe`, which build
on `capacity`) import one way only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from web import db
from web.accounts.services.accounts import SignedInUser
from web.capacity.services.capacity import Filters, equality, location, overview, require_viewer
from web.capacity.services.capacity_dfe import dfe_figures
from web.capacity.services.capacity_tables import PublishedTable
from web.capacity.services.capacity_trends import trends
from web.shared.services import audit
from web.shared.services.errors import InvalidInput

PAGES = ("overview", "location", "dfe", "trends", "equality")


def published_table(user: SignedInUser, page: str, key: str, f: Filters, today: date | None = None) -> PublishedTable:
    """One table of a page, exactly as the page shows it, for a download (audited as an export)."""
    require_viewer(user)
    found: Mapping[str, PublishedTable]
    if page == "overview":
        found = overview(user, f, today).tables
    elif page == "location":
        found = location(user, f, today).tables
    elif page == "dfe":
        found = dfe_figures(user, f, today).tables
    elif page == "equality":
        found = equality(user, f, today).tables
    elif page == "trends":
        found = trends(user, f, today).tables
    else:
        raise InvalidInput([f"There is no capacity page called {page}"], {"page": "Unknown page"})
    if key not in found:
        raise InvalidInput([f"There is no table called {key} on the {page} page"], {"table": "Unknown table"})
    return found[key]


def record_export(user: SignedInUser, page: str, key: str, kind: str) -> None:
    """Audit a download: which table, which format (never a figure)."""
    audit.record(user.id, "export", "capacity_table", f"{page}/{key}", detail=kind)
    db.commit()
