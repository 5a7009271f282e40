"""The demo's missing-from-care sharing: Greater Manchester Police's co-ordinator and a
return-home-interview provider commissioned across Greater Manchester (decision 0085).

Four of the five member authorities sign for missing from care; Stockport has not, so the
co-ordinator's map says its children are not shown. The force and the provider sign too, and
the provider is commissioned for every authority in the force's area. Runs after
`agreements.seed` (which adds the co-operative and the force), in the builder's transaction.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from web import db
from web.accounts.repositories import users
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import referrals as referral_repository
from web.demo.services import decisions as demo_decisions
from web.demo.services.agreements import COOPERATIVE, MEMBERS, POLICE, REVIEW_BY, STARTS
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services import decisions, host_notifications, ranking_runs
from web.matching.services.stored_cases import stored_case
from web.models import CooperativeMember, MissingEpisode, Organisation, RhiCommission, SharingAgreement
from web.relocation.repositories import missing_from_care as commissions
from web.shared.repositories import agreements, authorities
from web.shared.services import police_areas
from web.shared.services.errors import Conflict, InvalidInput

PROVIDER = "RHI-GM"
PROVIDER_NAME = "Greater Manchester Return Home Interviews (demo)"
NOT_SIGNED = "E08000007"  # Stockport: shows what a missing agreement hides
SIGNERS = {
    **{m: "Director of Children's Services (demo)" for m in MEMBERS if m != NOT_SIGNED},
    POLICE: "Head of Public Protection (demo)",
    PROVIDER: "Service Manager (demo)",
}


def seed(today: date) -> dict[str, int]:
    authorities.add_organisation(Organisation(code=PROVIDER, name=PROVIDER_NAME, kind="rhi_provider"))
    agreements.add_member(CooperativeMember(cooperative_code=COOPERATIVE, member_code=PROVIDER, joined_on=STARTS))
    now = datetime.combine(today, datetime.min.time())
    for member, signed_by in SIGNERS.items():
        agreements.add_agreement(
            SharingAgreement(
                cooperative_code=COOPERATIVE,
                member_code=member,
                purpose="missing_from_care",
                starts_on=STARTS,
                ends_on=None,
                review_by=REVIEW_BY,
                signed_by=signed_by,
                created_at=now,
            )
        )
    covered = sorted(a for a in police_areas.authorities_of(POLICE) if authorities.get_authority(a) is not None)
    for authority in covered:
        commissions.add_commission(RhiCommission(provider_code=PROVIDER, authority_code=authority, starts_on=STARTS))
    return {"missing-from-care agreements": len(SIGNERS), "interview commissions": len(covered)}


SOCIAL_WORKER = "social.worker@manchester.demo"
TRIES = 6  # referrals ranked at most, looking for an option in the force's area
FOUND_OFFSET = 0.012  # degrees north of the placement: where the demo child was found (synthetic)


def place_in_force_area(today: date | None = None) -> int:
    """A Manchester child placed elsewhere in Greater Manchester a week ago, through the real
    workflow, the host and its police told; then a return from a missing episode since (found near
    the placement, no interview yet), so the co-ordinator's map and the provider's tasks have work
    on them. Returns 1 if made, else 0 (no option in the force's area).

    Runs after the demo decisions, like them as the Manchester demo social worker.
    """
    today = today or date.today()
    user = users.find_user_by_email(SOCIAL_WORKER)
    if user is None:
        return 0
    worker = SignedInUser(user.id, user.name, user.email, user.role, user.authority_code, user.authority.name)
    elsewhere = police_areas.authorities_of(POLICE) - {user.authority_code}
    tried = 0
    for referral in referral_repository.list_referrals(user.authority_code):
        if tried >= TRIES:
            break
        if len(referral.young_people) != 1 or referral.status != "open" or referral.needed_by == "today":
            continue
        tried += 1
        run_id = ranking_runs.run_ranking(worker, referral.reference, as_of=today)
        run = run_repository.get_run(run_id)
        assert run is not None
        result = json.loads(run.result_json)
        case = stored_case(run)
        where = {p["id"]: p.get("la_code") for p in case["placements"]}
        for option in result["options"]:
            if where.get(option["placement_id"]) not in elsewhere:
                continue
            level = option["facts"].get("approval") or "none"
            try:
                decision_id = decisions.decide(
                    worker,
                    referral.reference,
                    run_id,
                    option["placement_id"],
                    (today - timedelta(days=7)).isoformat(),
                    False,
                    demo_decisions._plan(case, today, level),
                    today=today,
                )
            except (Conflict, InvalidInput):
                continue
            host_notifications.send(worker, referral.reference, decision_id, today=today)
            placement = next(p for p in case["placements"] if p["id"] == option["placement_id"])
            went = datetime.combine(today - timedelta(days=3), time(21, 0))
            referral.young_people[0].missing_episodes.append(
                MissingEpisode(
                    kind="M",
                    start=went,
                    end=went + timedelta(hours=14),
                    where_found="Near the bus station (demo)",
                    found_lat=round(placement["lat"] + FOUND_OFFSET, 4),
                    found_lon=round(placement["lon"], 4),
                    reported_by="carer",
                )
            )
            db.commit()
            return 1
    return 0
