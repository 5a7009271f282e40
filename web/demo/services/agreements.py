"""The demo's co-operative: Greater Manchester's ten authorities and its police share under agreements.

The demo world was one consortium sharing one pool and one intelligence map. With owners
and agreements (decision 0080) that becomes a co-operative whose members each signed an
agreement for placement finding and for intelligence, so a Manchester ranking still sees the
consortium's placements and areas, now because the agreements allow it. Owners: a
placement in a member authority is that authority's (it lists it); one elsewhere is the
co-operative's (contracted regionally); an area is the member's it lies in, else the police
force's (county-lines destinations the force mapped); groups and rivalries are the force's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from web.matching.repositories import placements
from web.models import CooperativeMember, Organisation, SharingAgreement
from web.shared.repositories import agreements, authorities, intelligence

COOPERATIVE = "COOP-GM"
COOPERATIVE_NAME = "Greater Manchester regional care co-operative"
POLICE = "E23000005"
POLICE_NAME = "Greater Manchester Police"
MEMBERS = ("E08000003", "E08000006", "E08000009", "E08000007", "E08000008")  # the demo's consortium
# The other five Greater Manchester authorities are members too. They own none of the demo's
# records (its placements elsewhere are the co-operative's), so what they sign changes no
# ranking; they show an agreement for each state: Bolton shares intelligence only, and Bury's
# placement-finding agreement has expired (so Bury does not consent to the regional panel).
OTHER_MEMBERS = ("E08000001", "E08000002", "E08000004", "E08000005", "E08000010")
INTELLIGENCE_ONLY = "E08000001"  # Bolton
EXPIRED = "E08000002"  # Bury: placement finding ended on EXPIRED_ON
EXPIRED_ON = date(2026, 9, 30)
# Members that consent to the regional panel (a placement-finding agreement in force).
CONSENTING = (*MEMBERS, "E08000004", "E08000005", "E08000010")
STARTS = date(2026, 4, 1)
REVIEW_BY = date(2027, 3, 31)
SIGNED_BY = "Director of Children's Services (demo)"


def seed(today: date, area_authority: Mapping[str, str]) -> dict[str, int]:
    """Add the co-operative, the force, their agreements, and owners for the demo's records.

    `area_authority` is the builder's area code -> the authority the area lies in. Runs in
    the builder's transaction; returns counts for the seeding summary.
    """
    authorities.add_organisation(Organisation(code=COOPERATIVE, name=COOPERATIVE_NAME, kind="cooperative"))
    authorities.add_organisation(Organisation(code=POLICE, name=POLICE_NAME, kind="police_force"))
    now = datetime.combine(today, datetime.min.time())
    signed = 0
    for member, purposes in [
        # All but the last member share sufficiency figures, so the co-operative commissioner's
        # view by member shows one member left out (docs/decisions/0082).
        *[(m, ("placement_finding", "intelligence", "sufficiency")) for m in MEMBERS[:-1]],
        (MEMBERS[-1], ("placement_finding", "intelligence")),
        (POLICE, ("intelligence",)),
        (INTELLIGENCE_ONLY, ("intelligence",)),
        (EXPIRED, ("placement_finding", "intelligence")),
        *[(m, ("placement_finding", "intelligence")) for m in OTHER_MEMBERS if m not in (INTELLIGENCE_ONLY, EXPIRED)],
    ]:
        agreements.add_member(CooperativeMember(cooperative_code=COOPERATIVE, member_code=member, joined_on=STARTS))
        for purpose in purposes:
            agreements.add_agreement(
                SharingAgreement(
                    cooperative_code=COOPERATIVE,
                    member_code=member,
                    purpose=purpose,
                    starts_on=STARTS,
                    ends_on=EXPIRED_ON if (member, purpose) == (EXPIRED, "placement_finding") else None,
                    review_by=REVIEW_BY,
                    signed_by=SIGNED_BY if member != POLICE else "Head of Public Protection (demo)",
                    created_at=now,
                )
            )
            signed += 1
    for placement in placements.list_unowned():
        placement.owner_code = placement.authority_code if placement.authority_code in MEMBERS else COOPERATIVE
    for area in intelligence.list_areas():
        if area.owner_code is None:
            lies_in = area_authority.get(area.code)
            area.owner_code = lies_in if lies_in in MEMBERS else POLICE
    for group in intelligence.list_groups():
        group.owner_code = group.owner_code or POLICE
    for rivalry in intelligence.list_rivalries():
        rivalry.owner_code = rivalry.owner_code or POLICE
    return {"data-sharing agreements": signed}
