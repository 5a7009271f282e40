"""The signed-in user's tasks: approvals waiting, notifications and placement plans due, interviews overdue.

Everything here is worked out from the records when the page is shown, so a
task disappears as soon as the care plan or the missing episode records that
it was done; there is no separate task list to fall out of step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.services.referrals import require_casework
from web.casework.services.young_people import due_words, rhi_clock, when_words
from web.matching.repositories import decisions as decision_repository
from web.matching.services import host_notifications
from web.matching.services.decisions import REQUIREMENT_TITLES, deadlines, requirements_of
from web.models import HostNotification
from web.relocation.repositories import tasks as task_repository
from web.relocation.services.relocation import ReviewRow
from web.relocation.services.relocation import open_for_tasks as open_reviews
from web.shared.services import audit


@dataclass(frozen=True)
class ApprovalTask:
    referral: str
    decision_id: int
    title: str
    role: str
    placement: str
    waiting_since: datetime
    yours: bool


@dataclass(frozen=True)
class DeadlineTask:
    referral: str
    decision_id: int
    what: str
    law: str
    due: date
    state: str  # due | overdue
    placement: str


@dataclass(frozen=True)
class InterviewTask:
    young_person: str
    returned: datetime
    due: datetime
    state: str  # due | overdue
    returned_words: str  # "time not known" where only the day is
    due_words: str


@dataclass(frozen=True)
class Tasks:
    approvals: list[ApprovalTask]
    notifications: list[DeadlineTask]
    placement_plans: list[DeadlineTask]
    interviews: list[InterviewTask]
    relocations: list[ReviewRow]
    # Children another authority placed in this one (reg 13), acknowledged or not.
    placed_here: list[HostNotification] = field(default_factory=list)

    @property
    def to_acknowledge(self) -> list[HostNotification]:
        return [n for n in self.placed_here if n.acknowledged_at is None and n.decision.status != "refused"]

    @property
    def count(self) -> int:
        return (
            len(self.approvals)
            + len(self.notifications)
            + len(self.placement_plans)
            + len(self.interviews)
            + len(self.relocations)
            + len(self.to_acknowledge)
        )


def for_user(user: SignedInUser, now: datetime | None = None) -> Tasks:
    """Open tasks in the user's authority; approvals first those the user's role can give."""
    require_casework(user)
    now = now or datetime.now()
    today = now.date()
    approvals: list[ApprovalTask] = []
    notifications: list[DeadlineTask] = []
    plans: list[DeadlineTask] = []
    for decision in decision_repository.list_live_for_authority(user.authority_code):
        answered = {a.requirement for a in decision.approvals}
        reference = decision.referral.reference
        if decision.status == "awaiting_approval":
            for key, role in requirements_of(decision):
                if key not in answered:
                    approvals.append(
                        ApprovalTask(
                            reference,
                            decision.id,
                            REQUIREMENT_TITLES[key],
                            role,
                            decision.placement.label,
                            decision.decided_at,
                            role == user.role and decision.decided_by_id != user.id,
                        )
                    )
        for deadline in deadlines(decision, decision.versions[-1].content):
            state = deadline.state(today)
            if state not in ("due", "overdue"):
                continue
            task = DeadlineTask(
                reference, decision.id, deadline.what, deadline.law, deadline.due, state, decision.placement.label
            )
            (plans if deadline.law == "reg 9" else notifications).append(task)
    interviews = []
    for episode in task_repository.returns_without_interview(user.authority_code):
        clock = rhi_clock(episode, now)
        if clock.status in ("due", "overdue") and episode.end is not None and clock.due is not None:
            interviews.append(
                InterviewTask(
                    episode.young_person.reference,
                    episode.end,
                    clock.due,
                    clock.status,
                    when_words(episode.end, episode.end_time_known),
                    due_words(clock.due, episode.end_time_known),
                )
            )
    approvals.sort(key=lambda t: (not t.yours, t.waiting_since))
    by_due = {"overdue": 0, "due": 1}
    notifications.sort(key=lambda t: (by_due[t.state], t.due))
    plans.sort(key=lambda t: (by_due[t.state], t.due))
    interviews.sort(key=lambda t: (by_due[t.state], t.due))
    audit.record(user.id, "view", "tasks", user.authority_code)
    db.commit()
    placed_here = host_notifications.to_my_authority(user)
    return Tasks(approvals, notifications, plans, interviews, open_reviews(user), placed_here)
