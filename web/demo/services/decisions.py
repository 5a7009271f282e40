"""Demo decisions, made through the real workflow so the tasks and approval pages have work on them.

After the synthetic world is seeded, the Manchester demo social worker ranks a
few open referrals and records decisions for options that need different
approvals: one at a distance (director), one outside the area (nominated
officer, in Salford when the referral has an option there, the host told through the planner)
and one in area (agreed at once). Everything goes through
`ranking_runs.run_ranking` and `decisions.decide`, so the demo shows exactly
what a user would have made.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from web.accounts.repositories import users
from web.accounts.services.accounts import signed_in
from web.casework.repositories import referrals as referral_repository
from web.demo.services import family_in_salford
from web.demo.services.drawing import SALFORD
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services import decisions, host_notifications, ranking_runs
from web.matching.services.stored_cases import stored_case
from web.shared.services.errors import Conflict, InvalidInput

SOCIAL_WORKER = "social.worker@manchester.demo"
WANTED = ("director", "nominated_officer", "none")


def _plan(run_case: dict[str, Any], today: date, level: str) -> dict[str, Any]:
    contact = {
        s["id"]: {"frequency": "weekly", "supervision": "unsupervised", "travel": "Carer drives; bus pass"}
        for person in run_case["referral"]["young_people"]
        for s in person.get("support", [])
    }
    plan: dict[str, Any] = {
        "rationale": "Away from the areas linked to the groups the young person is exploited by; "
        "carers trained in criminal exploitation; keeps contact with the people who matter.",
        "why_not_top": "The higher-ranked options would have meant a change of school in the middle of the year.",
        "wishes_and_feelings": "Wants to be somewhere quiet, keep seeing their nan and keep playing football.",
        "risks_and_safety_plan": "Carers know the warning signs and the missing protocol; police told of the "
        "vehicles and phone numbers linked to the group; travel to school by taxi for the first month.",
        "education_school": "same_school",
        "education_detail": "Taxi to the current school arranged by the virtual school.",
        "health": "Stays with the current GP; health assessment booked.",
        "rhi_provider": "The host area's independent return home interview service",
        "contact": contact,
    }
    return plan


def seed(today: date | None = None) -> int:
    """Make up to three demo decisions; returns how many were made."""
    today = today or date.today()
    user = users.find_user_by_email(SOCIAL_WORKER)
    if user is None:
        return 0
    worker = signed_in(user)
    made = 0
    wanted = list(WANTED)
    # The child whose nan lives in Salford first: their decision is the demo's placement into Salford.
    found = referral_repository.list_referrals(user.authority_code)
    for referral in sorted(found, key=lambda r: not family_in_salford.is_story(r)):
        if not wanted:
            break
        if len(referral.young_people) != 1 or referral.needed_by == "today":
            continue
        run_id = ranking_runs.run_ranking(worker, referral.reference, as_of=today)
        run = run_repository.get_run(run_id)
        assert run is not None
        result = json.loads(run.result_json)
        case = stored_case(run)
        where = {p["id"]: p.get("la_code") for p in case["placements"]}
        # Salford first, so its demo users can see a child placed in their area in their Tasks.
        options = sorted(result["options"], key=lambda o: where.get(o["placement_id"]) != SALFORD)
        for option in options:
            level = option["facts"].get("approval")
            if level in wanted:
                try:
                    decision_id = decisions.decide(
                        worker,
                        referral.reference,
                        run_id,
                        option["placement_id"],
                        today.isoformat(),
                        False,
                        _plan(case, today, level),
                        today=today,
                    )
                except (Conflict, InvalidInput):
                    continue
                if level == "nominated_officer":
                    # Outside the area and planned: the host is told before approval (reg 13(4)).
                    host_notifications.send(worker, referral.reference, decision_id, today=today)
                wanted.remove(level)
                made += 1
                break
    return made
