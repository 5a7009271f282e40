"""Placement decisions: choosing an option, the care plan behind it, approvals and deadlines.

A social worker chooses an option from a stored ranking run and records the
care plan. Submitting takes the places in the same transaction as the decision
and the first care-plan version, with the placement row locked, so two people
cannot take the last place and a loser's attempt leaves nothing behind.

Approvals follow the Care Planning Regulations 2010: reg 11 (outside the area:
nominated officer; also at a distance: director) and reg 10 (a Key Stage 4
pupil's change of school: nominated officer). Amending the plan adds a version;
nothing is updated in place or deleted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from planner.authorities import approval_level
from planner.balance import ESSENTIAL_FURTHER
from planner.working_days import add_working_days
from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.services.referrals import get_for
from web.matching.repositories import decisions as decision_repository
from web.matching.repositories import ranking_runs as run_repository
from web.matching.services import care_plan
from web.matching.services.care_plan import SupportLinkRef
from web.matching.services.stored_cases import stored_case, stored_placements
from web.models import Approval, CarePlanVersion, CurrentResident, Decision, RankingRun, Referral
from web.shared.services import access_policy, audit, sharing
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

DECIDE_ROLES = ("social_worker",)
AMEND_ROLES = ("social_worker",)
APPROVER_ROLES = ("nominated_officer", "director")
STATUS_WORDS = {
    "awaiting_approval": "Awaiting approval",
    "approved": "Agreed",
    "refused": "Refused",
}
REQUIREMENT_TITLES = {
    "reg11": "Placement approval (reg 11)",
    "reg10": "Change of school for a Key Stage 4 pupil (reg 10)",
}
# What the approver confirms (reg 11(3), reg 10): each must be ticked to approve. Whether the
# host authority was notified or consulted is not ticked: the care plan records those dates, so
# the approval form shows them (`host_record`) and approving checks them (`_precondition_problems`).
CONFIRMATIONS = {
    "reg11": {
        "wishes_heard": "The child's wishes and feelings have been heard and taken into account",
        "most_appropriate": "This is the most appropriate placement available",
        "relatives_and_iro_consulted": "Relatives and the independent reviewing officer were consulted",
    },
    "reg10": {
        "education_arrangements": "Educational provision has been secured that meets the child's needs",
        "teacher_and_iro_consulted": "The designated teacher and the independent reviewing officer were consulted",
    },
}
EARLIEST_START_DAYS = 14  # a decision recorded after an emergency move may start up to two weeks back


@dataclass(frozen=True)
class Choice:
    """What the decision form needs: the chosen option as the run saw it."""

    referral: Referral
    run: RankingRun
    option: dict[str, Any]
    placement: dict[str, Any]
    support: list[SupportLinkRef]
    approval_level: str
    emergency_default: bool
    existing_decision_id: int | None
    # The options page's warning that this option is much further from an essential
    # person than another safe option; the form then asks why.
    closer_warning: str | None = None
    approval_rule: str | None = None


def _approver_role(level: str | None) -> str:
    # An authority outside the 153 (approval unknown) gets the most senior sign-off.
    return level if level in ("none", "nominated_officer") else "director"


def choice(user: SignedInUser, reference: str, run_id: int, placement_code: str) -> Choice:
    """The option `placement_code` of run `run_id`, for the decision form."""
    referral = get_for(user, reference)
    run = run_repository.get_run(run_id)
    if run is None or run.referral_id != referral.id:
        raise NotFound(str(run_id))
    result = json.loads(run.result_json)
    option = next((o for o in result["options"] if o["placement_id"] == placement_code), None)
    if option is None:
        raise NotFound(placement_code)
    case = stored_case(run)
    placement = stored_placements(run)[placement_code]
    support = [
        SupportLinkRef(s["id"], s["label"], person["id"])
        for person in case["referral"]["young_people"]
        for s in person.get("support", [])
    ]
    existing = decision_repository.active_decision(referral.id)
    return Choice(
        referral,
        run,
        option,
        placement,
        support,
        _approver_role(option["facts"].get("approval")),
        referral.needed_by == "today",
        existing.id if existing else None,
        closer_warning(result, placement_code),
        option["facts"].get("approval_rule"),
    )


def closer_warning(result: Mapping[str, Any], placement_code: str) -> str | None:
    """The run's warning that `placement_code` is much further from an essential person than
    another safe option, or None (runs made before the warning existed have none)."""
    for warning in result.get("warnings", []):
        if warning["code"] == ESSENTIAL_FURTHER and warning.get("placement_id") == placement_code:
            return str(warning["detail"])
    return None


def decision_closer_warning(decision: Decision) -> str | None:
    """`closer_warning` for the option a decision chose, from the run it was chosen from."""
    return closer_warning(json.loads(decision.ranking_run.result_json), decision.placement.code)


def record_form_opened(user: SignedInUser, chosen: Choice) -> None:
    """Audit that the decision form was shown: it shows the child's casework and the option."""
    detail = f"decision form: run {chosen.run.id}, placement {chosen.placement['id']}"
    audit.record(user.id, "view", "referral", chosen.referral.reference, detail=detail[:200])
    db.commit()


def _start_date(value: str, today: date) -> tuple[date | None, str | None]:
    try:
        start = date.fromisoformat(value.strip())
    except ValueError:
        return None, "Enter the placement start date as a real date, like 2026-11-25"
    if start < today - timedelta(days=EARLIEST_START_DAYS):
        return None, f"The start date must be within the last {EARLIEST_START_DAYS} days or in the future"
    if start > today + timedelta(days=365):
        return None, "The start date must be within a year"
    return start, None


def decide(
    user: SignedInUser,
    reference: str,
    run_id: int,
    placement_code: str,
    start_date: str,
    emergency: bool,
    plan: Mapping[str, Any],
    today: date | None = None,
) -> int:
    """Record the decision and the first care-plan version and take the places; the decision id.

    Raises InvalidInput (nothing written) for a bad plan, Conflict when the
    places are gone or the referral already has a live decision.
    """
    if user.role not in DECIDE_ROLES:
        raise Forbidden("only a social worker records a placement decision")
    today = today or date.today()
    chosen = choice(user, reference, run_id, placement_code)
    content, problems = care_plan.check(plan, chosen.option["rank"], chosen.support, today, chosen.closer_warning)
    start, start_problem = _start_date(start_date, today)
    if start_problem:
        problems = {"start_date": start_problem, **problems}
    if problems or start is None:
        raise InvalidInput(list(problems.values()), problems)

    referral = chosen.referral
    places = len(referral.young_people)
    try:
        decision_repository.lock_referral(referral.id)
        if decision_repository.active_decision(referral.id) is not None:
            raise Conflict(f"Referral {referral.reference} already has a placement decision.")
        if referral.status != "open":
            raise Conflict(f"Referral {referral.reference} is {referral.status}: only an open referral can be decided.")
        placement = decision_repository.lock_placement(placement_code)
        if placement is not None:
            # The run may be older than an agreement's end: the sharing has stopped at once.
            shared = sharing.for_user(user, today).decide(access_policy.TAKE_PLACE, "placement", placement.owner_code)
            if not shared.allowed:
                raise Conflict(
                    f"{chosen.placement['label']} can no longer be chosen: {shared.reason}. Nothing was saved. "
                    "Run the ranking again and choose another option."
                )
        if placement is None or placement.status != "active" or placement.vacancies < places:
            raise Conflict(
                f"{chosen.placement['label']} no longer has {'a place' if places == 1 else f'{places} places'}: "
                "someone else took it after this ranking was run. Nothing was saved. "
                "Run the ranking again and choose another option."
            )
        placement.vacancies -= places
        out_of_area = (placement.authority_code or "") != referral.authority_code
        decision = Decision(
            referral_id=referral.id,
            ranking_run_id=chosen.run.id,
            placement_id=placement.id,
            option_rank=chosen.option["rank"],
            places=places,
            approval_level=chosen.approval_level,
            approval_rule=chosen.approval_rule,
            needs_education_approval=bool(
                content["education_key_stage_4"] and content["education_school"] == "new_school"
            ),
            emergency=emergency,
            out_of_area=out_of_area,
            # Where the placement is, whatever approval it needs: a reg 11(4) exception at a
            # distance is still at a distance (the host authority is still consulted).
            at_a_distance=approval_level(referral.authority_code, placement.authority_code) == "director"
            or chosen.approval_level == "director",
            start_date=start,
            status="awaiting_approval",
            decided_by_id=user.id,
            decided_at=datetime.now(),
        )
        decision_repository.add_decision(decision)
        decision_repository.add_version(
            CarePlanVersion(
                decision_id=decision.id,
                number=1,
                content=content,
                change_note="First version, with the decision.",
                written_by_id=user.id,
                written_at=decision.decided_at,
            )
        )
        if not requirements_of(decision):
            _agree(decision, referral)
        audit.record(
            user.id, "decide", "referral", referral.reference, f"decision {decision.id}, option {placement.code}"
        )
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return decision.id


ROLE_WORDS = {"nominated_officer": "the nominated officer", "director": "the director"}


def waiting_for(decision: Decision) -> list[str]:
    """The roles whose answer a decision awaiting approval still needs, most senior last."""
    if decision.status != "awaiting_approval":
        return []
    roles = {role for key, role in requirements_of(decision) if _answered(decision, key) is None}
    return [role for role in ("nominated_officer", "director") if role in roles]


def holding_words(decision: Decision) -> str:
    """'holds P-0338, awaiting the nominated officer'; 'holds P-0338, agreed'."""
    roles = waiting_for(decision)
    if decision.status == "approved":
        state = "agreed"
    elif roles:
        state = "awaiting " + " and ".join(ROLE_WORDS[r] for r in roles)
    else:
        state = "awaiting approval"
    return f"holds {decision.placement.code}, {state}"


def live_decisions(authority_code: str) -> dict[str, Decision]:
    """The live decision of each open referral of the authority, by referral reference.

    Live: awaiting approval or agreed, on a referral still open. Such a decision holds
    its places already (they were taken when it was recorded), so the referral is not
    looking for another one.
    """
    return {
        d.referral.reference: d
        for d in decision_repository.list_live_for_authority(authority_code)
        if d.referral.status == "open"
    }


def live_decision(referral: Referral) -> Decision | None:
    """The referral's decision awaiting approval or agreed, if it has one."""
    return decision_repository.active_decision(referral.id)


def requirements_of(decision: Decision) -> list[tuple[str, str]]:
    """(requirement, role) pairs this decision needs approved."""
    needed = []
    if decision.approval_level != "none":
        needed.append(("reg11", decision.approval_level))
    if decision.needs_education_approval:
        needed.append(("reg10", "nominated_officer"))
    return needed


def _agree(decision: Decision, referral: Referral) -> None:
    decision.status = "approved"
    referral.status = "placed"
    for person in referral.young_people:
        decision_repository.add_resident(
            CurrentResident(
                placement_id=decision.placement_id, person_reference=person.reference, since=decision.start_date
            )
        )


@dataclass(frozen=True)
class Requirement:
    key: str
    title: str
    role: str
    approval: Approval | None

    @property
    def state(self) -> str:
        return "waiting" if self.approval is None else self.approval.outcome


@dataclass(frozen=True)
class Deadline:
    what: str
    law: str
    due: date
    done_on: date | None

    def state(self, today: date) -> str:
        if self.done_on is not None:
            return "done late" if self.done_on > self.due else "done"
        return "overdue" if today > self.due else "due"


def deadlines(decision: Decision, content: Mapping[str, Any]) -> list[Deadline]:
    """The statutory deadlines that follow from a decision and where its care plan says they stand."""

    def done(key: str) -> date | None:
        value = content.get(key)
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    start = decision.start_date
    # Before the placement, or within 5 working days of an emergency one (reg 13(4)).
    notify_by = add_working_days(start, 5) if decision.emergency else start
    found = [Deadline("Placement plan agreed", "reg 9", add_working_days(start, 5), done("placement_plan_agreed_on"))]
    if decision.out_of_area:
        found.append(Deadline("Host authority notified", "reg 13(4)", notify_by, done("host_authority_notified_on")))
        found.append(Deadline("Host police notified", "expected practice", notify_by, done("host_police_notified_on")))
    # Reg 11's consultation of the host does not apply where reg 11(4) exempts the placement.
    if decision.at_a_distance and not (decision.approval_rule or "").startswith("reg_11_4"):
        found.append(Deadline("Host authority consulted", "reg 11", notify_by, done("host_consulted_on")))
        found.append(Deadline("Care plan sent to the host", "reg 11", notify_by, done("care_plan_sent_to_host_on")))
    return found


@dataclass(frozen=True)
class RecordedStep:
    """A step the care plan records by date, shown to the approver instead of a tick."""

    what: str
    done_on: date | None
    needed_before_approval: bool


def host_record(decision: Decision, content: Mapping[str, Any]) -> list[RecordedStep]:
    """The host-authority steps reg 11 approval depends on, as the care plan records them."""

    def done(key: str) -> date | None:
        try:
            return date.fromisoformat(content[key]) if content.get(key) else None
        except ValueError:
            return None

    if decision.at_a_distance:
        return [
            RecordedStep("Host authority consulted", done("host_consulted_on"), True),
            RecordedStep("Care plan sent to the host authority", done("care_plan_sent_to_host_on"), True),
        ]
    if decision.out_of_area:
        # In an emergency the host may be notified up to 5 working days after the start (reg 13(4)).
        return [
            RecordedStep("Host authority notified", done("host_authority_notified_on"), not decision.emergency),
        ]
    return []


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    referral: Referral
    current: CarePlanVersion
    requirements: list[Requirement]
    deadlines: list[Deadline]
    host_steps: list[RecordedStep]

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.decision.status, self.decision.status)

    @property
    def closer_warning(self) -> str | None:
        """The run's warning about the chosen option, if it gave one: amendments keep asking why."""
        return decision_closer_warning(self.decision)


def _view(decision: Decision, referral: Referral) -> DecisionView:
    current = decision.versions[-1]
    given = {a.requirement: a for a in decision.approvals}
    requirements = [
        Requirement(key, REQUIREMENT_TITLES[key], role, given.get(key)) for key, role in requirements_of(decision)
    ]
    # A refused decision starts no placement, so nothing falls due.
    due = [] if decision.status == "refused" else deadlines(decision, current.content)
    return DecisionView(decision, referral, current, requirements, due, host_record(decision, current.content))


def _decision_for(user: SignedInUser, reference: str, decision_id: int) -> tuple[Decision, Referral]:
    referral = get_for(user, reference)
    decision = decision_repository.get_decision(decision_id)
    if decision is None or decision.referral_id != referral.id:
        raise NotFound(str(decision_id))
    return decision, referral


def get(user: SignedInUser, reference: str, decision_id: int) -> DecisionView:
    """A decision with its current care plan; the view is audited."""
    decision, referral = _decision_for(user, reference, decision_id)
    audit.record(user.id, "view", "decision", referral.reference, f"decision {decision.id}")
    db.commit()
    return _view(decision, referral)


def list_for_referral(user: SignedInUser, reference: str) -> list[Decision]:
    referral = get_for(user, reference)
    return decision_repository.list_for_referral(referral.id)


def _support_refs(decision: Decision) -> list[SupportLinkRef]:
    return [
        SupportLinkRef(entry["support_id"], entry["label"], entry["young_person"])
        for entry in decision.versions[-1].content.get("contact", [])
    ]


def amend(
    user: SignedInUser,
    reference: str,
    decision_id: int,
    plan: Mapping[str, Any],
    change_note: str,
    today: date | None = None,
) -> int:
    """Write a new care-plan version; returns its number. Earlier versions stay as they were."""
    if user.role not in AMEND_ROLES:
        raise Forbidden("only a social worker amends a care plan")
    today = today or date.today()
    decision, _referral = _decision_for(user, reference, decision_id)
    if decision.status == "refused":
        raise Conflict("This decision was refused; its care plan can no longer be amended.")
    content, problems = care_plan.check(
        plan, decision.option_rank, _support_refs(decision), today, decision_closer_warning(decision)
    )
    note = change_note.strip()
    if not note:
        problems = {"change_note": "Say what changed and why", **problems}
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    number = decision.versions[-1].number + 1
    try:
        decision_repository.add_version(
            CarePlanVersion(
                decision_id=decision.id,
                number=number,
                content=content,
                change_note=note[:2000],
                written_by_id=user.id,
                written_at=datetime.now(),
            )
        )
        audit.record(user.id, "amend", "decision", reference, f"decision {decision.id}, care plan version {number}")
        db.commit()
    except IntegrityError:
        # Someone else amended at the same moment: their version has this number.
        db.rollback()
        raise Conflict(
            "Someone else amended this care plan at the same time. Nothing was saved; reload and try again."
        ) from None
    return number


def approve(
    user: SignedInUser,
    reference: str,
    decision_id: int,
    requirement: str,
    outcome: str,
    comment: str,
    confirmations: set[str],
    care_plan_number: int | None = None,
) -> str:
    """Record an approver's answer; a refusal gives the places back. The decision's status after it.

    `care_plan_number` is the version the approver read; if the plan has been
    amended since, nothing is recorded (Conflict), so an answer is always about
    the plan it names.
    """
    decision, referral = _decision_for(user, reference, decision_id)
    needed = dict(requirements_of(decision))
    if requirement not in needed:
        raise NotFound(requirement)
    if user.role != needed[requirement]:
        raise Forbidden(f"this needs a {needed[requirement].replace('_', ' ')}")
    if user.id == decision.decided_by_id:
        raise Forbidden("the person who made a decision cannot approve it")
    if decision.status != "awaiting_approval" or any(a.requirement == requirement for a in decision.approvals):
        raise Conflict("This has already been answered.")
    current_number = decision.versions[-1].number
    if care_plan_number is not None and care_plan_number != current_number:
        raise Conflict(
            f"The care plan was amended to version {current_number} after you opened version {care_plan_number}. "
            "Nothing was saved: read the new version and answer again."
        )
    problems: dict[str, str] = {}
    if outcome not in ("approved", "refused"):
        problems["outcome"] = "Select whether you approve or refuse"
    if not comment.strip():
        problems["comment"] = "Give the reasons for your answer"
    if outcome == "approved":
        for key, words in CONFIRMATIONS[requirement].items():
            if key not in confirmations:
                problems[f"confirm-{key}"] = f"Confirm: {words[0].lower() + words[1:]}"
        problems.update(_precondition_problems(decision, requirement))
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    try:
        decision_repository.add_approval(
            Approval(
                decision_id=decision.id,
                requirement=requirement,
                role_required=needed[requirement],
                outcome=outcome,
                comment=comment.strip()[:4000],
                care_plan_number=current_number,
                by_id=user.id,
                at=datetime.now(),
            )
        )
        if outcome == "refused":
            decision.status = "refused"
            placement = decision_repository.lock_placement(decision.placement.code)
            assert placement is not None
            placement.vacancies += decision.places
        elif all(key == requirement or _answered(decision, key) == "approved" for key in needed):
            _agree(decision, referral)
        action = "approve" if outcome == "approved" else "refuse"
        audit.record(user.id, action, "decision", reference, f"decision {decision.id}, {requirement}")
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict("Someone else answered this at the same time. Nothing was saved.") from None
    except BaseException:
        db.rollback()
        raise
    return str(decision.status)


def _answered(decision: Decision, requirement: str) -> str | None:
    return next((a.outcome for a in decision.approvals if a.requirement == requirement), None)


def _precondition_problems(decision: Decision, requirement: str) -> dict[str, str]:
    """What the care plan must record before reg 11 approval can be given."""
    if requirement != "reg11":
        return {}
    content = decision.versions[-1].content
    if decision.at_a_distance:
        if not content.get("host_consulted_on") or not content.get("care_plan_sent_to_host_on"):
            return {
                "outcome": "At a distance, the host authority must be consulted and sent the care plan before approval "
                "(reg 11): the social worker records both dates by amending the care plan"
            }
    elif decision.out_of_area and not decision.emergency and not content.get("host_authority_notified_on"):
        return {
            "outcome": "The host authority must be notified before a planned placement outside the area "
            "(reg 13(4)): the social worker records the date by amending the care plan"
        }
    return {}


@dataclass(frozen=True)
class History:
    view: DecisionView
    versions: list[CarePlanVersion]
    before: CarePlanVersion | None
    after: CarePlanVersion
    changes: list[care_plan.Change]


def history(user: SignedInUser, reference: str, decision_id: int, before: int | None, after: int | None) -> History:
    """Every version, and the differences between two of them (default: the last two)."""
    decision, referral = _decision_for(user, reference, decision_id)
    versions = list(decision.versions)
    by_number = {v.number: v for v in versions}
    newest = versions[-1]
    later = by_number.get(after) if after is not None else newest
    if later is None:
        raise NotFound(f"version {after}")
    if before is None:
        earlier = by_number.get(later.number - 1)
    else:
        earlier = by_number.get(before)
        if earlier is None:
            raise NotFound(f"version {before}")
    changes = care_plan.differences(earlier.content, later.content) if earlier is not None else []
    audit.record(user.id, "view", "care_plan_history", referral.reference, f"decision {decision.id}")
    db.commit()
    return History(_view(decision, referral), versions, earlier, later, changes)
