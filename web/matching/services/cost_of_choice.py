"""What choosing one of a referral's top options would cost the authority's other open referrals.

For each of the top options of a stored ranking run, the batch of the authority's
open referrals is allocated twice (`planner.cost_to_others`): free, and with this
referral fixed to that option. The difference is said in words: "taking this place
leaves referral R-0042 (needed today) with no safe option". It is worked out from the
records as they are now, which may differ from when the run was made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from planner.cost_to_others import costs_to_others
from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import referrals as referral_repository
from web.casework.services.referrals import get_for
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services.batch_case import audit_shared, build_case
from web.matching.services.stored_cases import stored_placements
from web.shared.services import audit
from web.shared.services.errors import Conflict, NotFound

TOP_OPTIONS = 3


@dataclass(frozen=True)
class OptionCost:
    rank: int
    placement_id: str
    label: str
    score: float
    summary: str
    effects: list[dict[str, Any]]
    urgency_points_lost: int | None
    free_status: str | None
    fixed_status: str | None
    best_for_batch: bool  # the free optimum puts this referral here


@dataclass(frozen=True)
class CostView:
    reference: str
    run_id: int
    others: int
    options: list[OptionCost]


def cost_of_top_options(user: SignedInUser, reference: str, run_id: int, as_of: date | None = None) -> CostView:
    """The cost to the others of each of the run's top options; the view is audited."""
    referral = get_for(user, reference)
    run = run_repository.get_run(run_id)
    if run is None or run.referral_id != referral.id:
        raise NotFound(str(run_id))
    if referral.status != "open":
        raise Conflict(f"Referral {reference} is {referral.status}: only an open referral's choice affects the others.")
    result = json.loads(run.result_json)
    labels = {code: p["label"] for code, p in stored_placements(run).items()}
    batch = [referral] + [
        r for r in referral_repository.list_referrals(user.authority_code, "open") if r.reference != reference
    ]
    built = build_case(batch, as_of or date.today(), batch=True)
    top = result["options"][:TOP_OPTIONS]
    in_pool = [o["placement_id"] for o in top if o["placement_id"] in built.world.index_of]
    # One free solve for all the top options (costs_to_others), then one fixed solve each.
    found = dict(
        zip(
            in_pool,
            (
                c.to_dict()
                for c in costs_to_others(built.world, built.parsed.referrals, built.policy, reference, in_pool)
            ),
            strict=True,
        )
    )
    costs = []
    for option in top:
        code = option["placement_id"]
        label = labels.get(code, code)
        if code not in found:
            summary = f"{label} has left the pool since this run was made."
            costs.append(OptionCost(option["rank"], code, label, option["score"], summary, [], None, None, None, False))
            continue
        cost = found[code]
        own = cost["free_placement"]
        costs.append(
            OptionCost(
                option["rank"],
                code,
                label,
                option["score"],
                cost["summary"],
                cost["effects"],
                cost["urgency_points_lost"],
                cost["free"]["status"],
                cost["fixed"]["status"],
                own is not None and own["placement_id"] == code,
            )
        )
    audit.record(user.id, "view", "cost_to_others", f"{reference}/{run_id}", f"{len(batch) - 1} other referrals")
    audit_shared(built, user.id, "cost_to_others", f"{reference}/{run_id}")
    db.commit()
    return CostView(reference, run_id, len(batch) - 1, costs)
