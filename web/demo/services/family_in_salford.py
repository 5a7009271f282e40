"""One designed story: a Manchester child whose nan lives in Salford, placed near her.

Almost every Manchester child in the demo is linked to a group whose areas, or its rivals',
lie within the policy's 20 km of all of Salford, so the engine (rightly) offers them nothing
there. Regional mode is about placements across the border (issue 12): this story gives the
demo one child for whom Salford is the right answer, so a decision for them shows up in
Salford's Tasks as the reg 13 notice to the host authority.

Built after every seeded draw and with none of its own, so the rest of a seed's world stays
exactly as it was: the child, their referral and a Salford foster placement near their nan
are placed by rule (the Salford neighbourhood farthest from any high-severity area), not at
random.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from web.demo.services.builder import Builder, Child
from web.demo.services.drawing import ANCHOR, MANCHESTER, SALFORD, Point, km, move
from web.models import Placement, Referral, SupportLink, YoungPerson

# The referral's notes begin so; the demo's decisions take this referral first.
NOTES = "Nan in Salford is the adult they trust most"
AGE = 12
NAN_FROM_CARERS_KM = 1.2


def is_story(referral: Referral) -> bool:
    return referral.notes.startswith(NOTES)


def add_story(builder: Builder) -> None:
    """The child, their referral and the Salford carers, added to what the builder made."""
    carers_at = _quietest_point(builder, SALFORD)
    nan_at = move(carers_at, NAN_FROM_CARERS_KM, 0.0)
    home = min(builder.points[MANCHESTER], key=lambda p: (km(p, nan_at), p))
    carers = Placement(
        code=f"P-{len(builder.placements) + 1:04d}",
        label="Foster carers, Salford (In-house fostering service)",
        provider_name="In-house fostering service",
        postcode=None,
        status="active",
        setting="foster",
        place_code="U6",
        provider="PR1",
        urn=None,
        authority_code=SALFORD,
        lat=carers_at[0],
        lon=carers_at[1],
        vacancies=1,
        capacity=2,
        age_min=8,
        age_max=17,
        sexes=None,
        specialisms=["going_missing"],
        specialist=False,
        ofsted_rating=None,
        weekly_cost=610.0,
        # An in-house fostering service approves its own carers (reg 11(4) reads this).
        approved_by=SALFORD,
        updated_at=datetime.combine(ANCHOR - timedelta(days=12), time(10, 30)),
    )
    builder.placements.append(carers)
    builder.residents[carers.code] = []

    born = builder.today.replace(day=1) - timedelta(days=365 * AGE + 140)
    person = YoungPerson(
        reference=f"YP-{len(builder.children) + 1:04d}",
        date_of_birth=born,
        sex="1",
        ethnicity="WBRI",
        home_postcode=None,
        home_lat=home[0],
        home_lon=home[1],
        responsible_authority_code=MANCHESTER,
        risks=["going_missing"],
        created_at=datetime.combine(ANCHOR - timedelta(days=160), time(9, 45)),
        support_links=[
            SupportLink(
                label="Grandmother",
                kind="relative",
                lat=nan_at[0],
                lon=nan_at[1],
                importance="essential",
                visits_per_month=8.0,
            ),
            SupportLink(
                label="Mother",
                kind="parent",
                lat=home[0],
                lon=home[1],
                importance="important",
                visits_per_month=4.0,
            ),
        ],
    )
    builder.children.append(Child(person, AGE, "open", home))
    referral = Referral(
        reference=f"R-{len(builder.referrals) + 1:04d}",
        authority_code=MANCHESTER,
        status="open",
        needed_by="within_5_days",
        settings=dict.fromkeys(("residential", "supported", "secure"), "unsuitable") | {"foster": "preferred"},
        required_specialisms=[],
        preferred_specialisms=["going_missing"],
        solo=False,
        max_km_from_home=None,
        notes=f"{NOTES} and sees them twice a week; home is no longer safe after violence there. Not linked "
        "to any group. Foster carers near nan asked for, so school and contact can carry on.",
        created_at=datetime.combine(builder.today - timedelta(days=3), time(11, 0)),
        young_people=[person],
    )
    builder.referrals.append(referral)


def _quietest_point(builder: Builder, authority: str) -> Point:
    """The authority's neighbourhood farthest from every high-severity area (ties by place)."""

    def clearance(point: Point) -> float:
        high = [a for a in builder.areas if a.severity == "high"]
        return min((km(point, (a.lat, a.lon)) - a.radius_km for a in high), default=0.0)

    return max(builder.points[authority], key=lambda p: (clearance(p), p))
