"""Telling the host authority, in the product, that a child is placed in its area (reg 13).

The placing authority's social worker sends the notification from the decision; the
care plan then records the date it was sent (a new version, so nothing is overwritten). The
host authority's casework users see it in their Tasks with what they need: who is coming
(ages and needs, no names), the placement and its start, why this placement, and the care
plan; they acknowledge it, and the placing authority sees when. A refused decision shows
the notification as withdrawn. Reading one is a cross-authority read allowed by the law,
not by a data-sharing agreement: each view is audited with that basis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from web import db
from web.accounts.services.accounts import CASEWORK_ROLES, SignedInUser
from web.casework.services.referrals import get_for
from web.matching.repositories import decisions as decision_repository
from web.matching.repositories import host_notifications as repository
from web.matching.services import care_plan
from web.models import CarePlanVersion, Decision, HostNotification
from web.shared.repositories import authorities
from web.shared.services import access_policy, audit
from web.shared.services.errors import Conflict, Forbidden, NotFound
from web.shared.services.people import SEX_WORDS, age_on

SEND_ROLES = ("social_worker",)
LAW = "reg 13(4)"
BASIS = "reg 13 notification to the host authority"


@dataclass(frozen=True)
class ChildSummary:
    age: int
    sex: str
    risks: list[str]


@dataclass(frozen=True)
class NotificationView:
    """What the host authority reads (and the placing authority sees of it)."""

    notification: HostNotification
    placing_authority: str
    host_authority: str
    state: str  # waiting | acknowledged | withdrawn
    children: list[ChildSummary]
    placement_label: str
    provider_name: str
    setting: str
    start_date: date
    emergency: bool
    needs: list[str]
    reasons: list[str]
    care_plan_rows: list[tuple[str, str]]
    care_plan_number: int


def _host_of(decision: Decision) -> str | None:
    """The authority the placement is in, when it is not the placing authority's own."""
    host = decision.placement.authority_code
    if host is None or host == decision.referral.authority_code:
        return None
    return host


def _state(notification: HostNotification) -> str:
    if notification.decision.status == "refused":
        return "withdrawn"
    return "acknowledged" if notification.acknowledged_at is not None else "waiting"


def _name(code: str) -> str:
    found = authorities.get_authority(code)
    return found.name if found is not None else code


def summary(notification: HostNotification) -> dict[str, Any]:
    """The notification's own facts and state, as the API lists them."""
    return {
        "id": notification.id,
        "placing_authority_code": notification.placing_authority_code,
        "host_authority_code": notification.host_authority_code,
        "law": notification.law,
        "sent_at": notification.sent_at,
        "acknowledged_at": notification.acknowledged_at,
        "state": _state(notification),
    }


def may_send(decision: Decision) -> bool:
    """Whether a notification can be sent for the decision (out of area, not refused, not yet sent)."""
    host = _host_of(decision)
    if host is None or decision.status == "refused":
        return False
    return all(n.host_authority_code != host for n in repository.for_decision(decision.id))


def send(user: SignedInUser, reference: str, decision_id: int, today: date | None = None) -> int:
    """Send the reg 13 notification for a decision and record the date on the care plan; its id.

    Raises Forbidden (not a social worker), NotFound (not this authority's decision) and
    Conflict (in area, refused, or already sent).
    """
    if user.role not in SEND_ROLES:
        raise Forbidden("only a social worker sends the host authority's notification")
    today = today or date.today()
    referral = get_for(user, reference)
    decision = decision_repository.get_decision(decision_id)
    if decision is None or decision.referral_id != referral.id:
        raise NotFound(str(decision_id))
    host = _host_of(decision)
    if host is None:
        raise Conflict("This placement is inside your authority's area: there is no host authority to notify.")
    if decision.status == "refused":
        raise Conflict("This decision was refused: there is no placement to notify the host authority of.")
    now = datetime.now()
    notification = HostNotification(
        decision_id=decision.id,
        placing_authority_code=referral.authority_code,
        host_authority_code=host,
        law=LAW,
        sent_by_id=user.id,
        sent_at=now,
    )
    try:
        repository.add(notification)
        current = decision.versions[-1]
        if not current.content.get("host_authority_notified_on"):
            decision_repository.add_version(
                CarePlanVersion(
                    decision_id=decision.id,
                    number=current.number + 1,
                    content={**current.content, "host_authority_notified_on": today.isoformat()},
                    change_note=f"{_name(host)} notified through the planner ({LAW}), notification {notification.id}.",
                    written_by_id=user.id,
                    written_at=now,
                )
            )
        audit.record(user.id, "notify_host", "decision", referral.reference, f"decision {decision.id}, host {host}")
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"{_name(host)} has already been notified of this placement.") from None
    return notification.id


def for_decision(decision: Decision) -> list[NotificationView]:
    """The notifications of one of the placing authority's own decisions (the caller checked access)."""
    return [_view(n) for n in repository.for_decision(decision.id)]


def _view(notification: HostNotification) -> NotificationView:
    decision = notification.decision
    referral = decision.referral
    current = decision.versions[-1]
    result: dict[str, Any] = json.loads(decision.ranking_run.result_json)
    option = next((o for o in result.get("options", []) if o["placement_id"] == decision.placement.code), None)
    reasons = [r["text"] if isinstance(r, dict) else str(r) for r in (option or {}).get("reasons", [])]
    on = decision.start_date
    children = [
        ChildSummary(age_on(p.date_of_birth, on), SEX_WORDS.get(p.sex, "not recorded"), list(p.risks or []))
        for p in referral.young_people
    ]
    needs = sorted(set(referral.required_specialisms or []))
    return NotificationView(
        notification=notification,
        placing_authority=_name(notification.placing_authority_code),
        host_authority=_name(notification.host_authority_code),
        state=_state(notification),
        children=children,
        placement_label=decision.placement.label,
        provider_name=decision.placement.provider_name,
        setting=decision.placement.setting,
        start_date=decision.start_date,
        emergency=decision.emergency,
        needs=needs,
        reasons=reasons,
        care_plan_rows=care_plan.readable(current.content),
        care_plan_number=current.number,
    )


def _verdict(user: SignedInUser, action: str, notification: HostNotification) -> access_policy.Verdict:
    """The access policy's answer for this user and notification (owner: the placing authority)."""
    return access_policy.decide(
        access_policy.Actor(user.authority_code, user.role),
        action,
        "host_notification",
        notification.placing_authority_code,
        (),
        date.today(),
        named=notification.host_authority_code,
    )


def _require_host_casework(user: SignedInUser) -> None:
    if user.role not in CASEWORK_ROLES:
        raise Forbidden("notifications of children placed in your area are for casework roles")


def to_my_authority(user: SignedInUser) -> list[HostNotification]:
    """Notifications to the user's authority as host (for Tasks): the waiting ones first."""
    if user.role not in CASEWORK_ROLES:
        return []
    return repository.to_host(user.authority_code)


def view(user: SignedInUser, notification_id: int) -> NotificationView:
    """One notification, for the host authority's casework users or the placing authority's; audited."""
    _require_host_casework(user)
    notification = repository.get(notification_id)
    if notification is None or not _verdict(user, access_policy.READ, notification).allowed:
        raise NotFound(str(notification_id))
    detail = f"notification {notification.id}"
    if user.authority_code == notification.host_authority_code:
        # A read of another authority's casework: say what allowed it.
        detail += f" from {notification.placing_authority_code}; basis: {BASIS}"
    audit.record(user.id, "view", "host_notification", notification.decision.referral.reference, detail)
    db.commit()
    return _view(notification)


def acknowledge(user: SignedInUser, notification_id: int) -> None:
    """The host authority acknowledges; a second acknowledgement is a Conflict (the first stands)."""
    _require_host_casework(user)
    notification = repository.get(notification_id)
    if notification is None or not _verdict(user, access_policy.ACKNOWLEDGE, notification).allowed:
        raise NotFound(str(notification_id))
    if notification.decision.status == "refused":
        raise Conflict("This notification was withdrawn: the decision was refused.")
    if not repository.acknowledge(notification.id, user.id, datetime.now()):
        db.rollback()
        raise Conflict("This notification was already acknowledged.")
    audit.record(
        user.id,
        "acknowledge",
        "host_notification",
        notification.decision.referral.reference,
        f"notification {notification.id} from {notification.placing_authority_code}; basis: {BASIS}",
    )
    db.commit()
