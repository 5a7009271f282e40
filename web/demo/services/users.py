"""The demo accounts: one per role in Manchester, and a placement officer and a social worker in Salford.

The two in Salford show that another authority's records are refused. Passwords are
random (they are reset by `flask demo-passwords`), so they are no part of the seeded world.
"""

from __future__ import annotations

import secrets

from web.accounts.services import accounts
from web.demo.services import names
from web.demo.services.drawing import MANCHESTER, SALFORD


def make_users() -> int:
    """Make the demo accounts; returns how many."""
    made = 0
    for (role, slug), name in names.DEMO_STAFF.items():
        authority = MANCHESTER if slug == "manchester" else SALFORD
        email = f"{role.replace('_', '.')}@{slug}.demo"
        accounts.create_user(email, name, role, authority, secrets.token_urlsafe(12), is_demo=True)
        made += 1
    return made
