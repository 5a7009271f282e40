"""The demo accounts: one per role in Manchester, and a placement officer and a social worker in Salford.

The two in Salford show that another authority's records are refused. Passwords are
random (they are reset by `flask demo-passwords`), so they are no part of the seeded world.
"""

from __future__ import annotations

import secrets

from web.accounts.services import accounts
from web.demo.services import names
from web.demo.services.agreements import COOPERATIVE
from web.demo.services.drawing import MANCHESTER, SALFORD

# The Greater Manchester co-operative's own people (docs/decisions/0082): its placement
# officer runs the regional panel, its commissioner reads capacity by member. Both are based
# in Manchester, which is no key to casework for them.
COOPERATIVE_STAFF: dict[str, str] = {
    "cooperative_officer": "Dana Whitfield",
    "cooperative_commissioner": "Rowan Achebe",
}


def make_users() -> int:
    """Make the demo accounts; returns how many."""
    made = 0
    for (role, slug), name in names.DEMO_STAFF.items():
        authority = MANCHESTER if slug == "manchester" else SALFORD
        email = f"{role.replace('_', '.')}@{slug}.demo"
        accounts.create_user(email, name, role, authority, secrets.token_urlsafe(12), is_demo=True)
        made += 1
    return made


def make_cooperative_users() -> int:
    """The co-operative's accounts (once the co-operative exists); returns how many."""
    made = 0
    for role, name in COOPERATIVE_STAFF.items():
        email = f"{role.replace('_', '.')}@coop-gm.demo"
        accounts.create_user(
            email, name, role, MANCHESTER, secrets.token_urlsafe(12), is_demo=True, organisation_code=COOPERATIVE
        )
        made += 1
    return made


# --- missing from care (decision 0085): the host force's co-ordinator and the interview provider's worker.
# Made after the co-operative's agreements, which add the force and the provider they act for.
PARTNER_STAFF = (
    ("missing_persons_coordinator", "missing.persons.coordinator@gmp.demo", "Dana Whitcombe", "E23000005"),
    ("rhi_worker", "rhi.worker@rhi-gm.demo", "Ellis Marchetti", "RHI-GM"),
)


def make_partner_users() -> int:
    """Make the demo accounts of the police force and the provider; returns how many."""
    for role, email, name, organisation in PARTNER_STAFF:
        # Based in Salford, where the demo places a Manchester child (shown, never a casework key).
        accounts.create_user(
            email, name, role, SALFORD, secrets.token_urlsafe(12), is_demo=True, organisation_code=organisation
        )
    return len(PARTNER_STAFF)
