"""A demo relocation review, opened the way a real one is: by new intelligence about a child.

After the demo decisions, the Manchester social worker records a new risk location
for a young person near where they now live (a place they were found while missing,
as the police told the worker). Saving it re-checks their placement, and the
relocation review opens with alternatives, as it would for a user.
"""

from __future__ import annotations

from web.accounts.repositories import users
from web.accounts.services.accounts import SignedInUser
from web.casework.services import young_people
from web.relocation.repositories import relocation as relocation_repository

SOCIAL_WORKER = "social.worker@manchester.demo"
KM_PER_DEG_LAT = 111.32
DISTANCE_KM = 2.0


def seed() -> int:
    """Open one relocation review through the real services; returns how many opened (0 or 1)."""
    user = users.find_user_by_email(SOCIAL_WORKER)
    if user is None:
        return 0
    worker = SignedInUser(user.id, user.name, user.email, user.role, user.authority_code, user.authority.name)
    housed = relocation_repository.housed(authority_code=user.authority_code)
    if not housed:
        return 0
    # Prefer a child the product placed (the review then goes to the worker who decided).
    with_decision = [(p, pl) for p, pl in housed if relocation_repository.decision_behind(p.id, pl.id)]
    person, placement = (with_decision or housed)[0]
    lat = placement.lat + DISTANCE_KM / KM_PER_DEG_LAT
    lon = placement.lon
    young_people.add_part(
        worker,
        person.reference,
        "risk-locations",
        {
            "label": "Found while missing (police report)",
            "location-lat": f"{lat:.5f}",
            "location-lon": f"{lon:.5f}",
            "radius_km": "0.5",
            "source": "Police missing person co-ordinator",
        },
    )
    return len(relocation_repository.open_reviews_of(person.id, placement.id))
