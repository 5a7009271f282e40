"""Telling the host police force, in the product, that a child is placed in its area.

Sent with the reg 13 notice to the host authority (`host_notifications.send`), to the force
whose area the host authority lies in (`police_areas`), when that force is an organisation
in the product. The basis is expected practice, not an agreement: statutory guidance on
children who run away or go missing from home or care (2014) expects the placing authority
to tell the host police of a child placed in their area, and it is the placing authority's
own one-off disclosure (docs/decisions/0085). The force's missing-persons co-ordinator sees
who is coming (a pseudonymous reference, age, sex and known risks: never a name or date of
birth), where and from when, and acknowledges it; each view is audited with the basis.
What follows (missing episodes, where found) reaches the force only under an agreement for
missing from care (`web/relocation/services/missing_from_care.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from web import db
from web.accounts.services.accounts import SignedInUser
from web.matching.repositories import police_notifications as repository
from web.models import Decision, HostNotification, PoliceNotification
from web.shared.repositories import authorities
from web.shared.services import access_policy, audit, police_areas
from web.shared.services.errors import Conflict, Forbidden, NotFound
from web.shared.services.people import SEX_WORDS, age_on

BASIS = "expected practice: host police told of a child placed in its area (missing from care guidance 2014)"
ROLE = "missing_persons_coordinator"


@dataclass(frozen=True)
class ChildSummary:
    reference: str  # pseudonymous: lets the co-ordinator tell later episodes apart, never a name
    age: int
    sex: str
    risks: list[str]


@dataclass(frozen=True)
class PoliceView:
    notification: PoliceNotification
    force: str
    placing_authority: str
    host_authority: str
    state: str  # waiting | acknowledged | withdrawn
    children: list[ChildSummary]
    placement_label: str
    provider_name: str
    postcode: str | None
    start_date: date
    emergency: bool


def force_of(decision: Decision) -> str | None:
    """The force the product can tell of this placement: the host area's, if it is an organisation here."""
    force = police_areas.force_for(decision.placement.authority_code)
    if force is None:
        return None
    found = authorities.get_organisation(force)
    return force if found is not None and found.kind == "police_force" else None


def notify(host_notice: HostNotification, decision: Decision, user_id: int, now: datetime) -> PoliceNotification | None:
    """Add the force's notice beside the host authority's (the caller commits); None if no force."""
    force = force_of(decision)
    if force is None or any(n.force_code == force for n in repository.for_decision(decision.id)):
        return None
    notice = PoliceNotification(
        decision_id=decision.id,
        host_notification_id=host_notice.id,
        placing_authority_code=host_notice.placing_authority_code,
        host_authority_code=host_notice.host_authority_code,
        force_code=force,
        basis=BASIS,
        sent_by_id=user_id,
        sent_at=now,
    )
    repository.add(notice)
    return notice


def state(notification: PoliceNotification) -> str:
    if notification.decision.status == "refused":
        return "withdrawn"
    return "acknowledged" if notification.acknowledged_at is not None else "waiting"


def _name(code: str) -> str:
    return authorities.organisation_names({code}).get(code, code)


def _verdict(user: SignedInUser, action: str, notification: PoliceNotification) -> access_policy.Verdict:
    organisation = user.organisation_code or user.authority_code
    return access_policy.decide(
        access_policy.Actor(organisation, user.role),
        action,
        "police_notification",
        notification.placing_authority_code,
        (),
        date.today(),
        named=notification.force_code,
    )


def for_decision(decision: Decision) -> list[PoliceNotification]:
    """The placing authority's view of what it sent (the caller checked access to the decision)."""
    return repository.for_decision(decision.id)


def to_my_force(user: SignedInUser) -> list[PoliceNotification]:
    """Notices to the co-ordinator's force (for Tasks): the waiting ones first."""
    if user.role != ROLE or not user.organisation_code:
        return []
    return repository.to_force(user.organisation_code)


def names_of(notices: list[PoliceNotification]) -> dict[str, str]:
    """Organisation code -> name for the authorities the notices name."""
    return authorities.organisation_names(
        {n.placing_authority_code for n in notices} | {n.host_authority_code for n in notices}
    )


def view(user: SignedInUser, notification_id: int) -> PoliceView:
    """One notice, for the force it names or the placing authority's casework users; audited."""
    notification = repository.get(notification_id)
    if notification is None or not _verdict(user, access_policy.READ, notification).allowed:
        raise NotFound(str(notification_id))
    detail = f"police notification {notification.id}"
    if (user.organisation_code or user.authority_code) == notification.force_code:
        detail += f" from {notification.placing_authority_code}; basis: {notification.basis}"
    audit.record(
        user.id,
        "view",
        "police_notification",
        notification.decision.referral.reference,
        detail,
    )
    db.commit()
    return _view(notification)


def _view(notification: PoliceNotification) -> PoliceView:
    decision = notification.decision
    on = decision.start_date
    children = [
        ChildSummary(
            p.reference, age_on(p.date_of_birth, on), SEX_WORDS.get(p.sex, "not recorded"), list(p.risks or [])
        )
        for p in decision.referral.young_people
    ]
    return PoliceView(
        notification=notification,
        force=_name(notification.force_code),
        placing_authority=_name(notification.placing_authority_code),
        host_authority=_name(notification.host_authority_code),
        state=state(notification),
        children=children,
        placement_label=decision.placement.label,
        provider_name=decision.placement.provider_name,
        postcode=decision.placement.postcode,
        start_date=decision.start_date,
        emergency=decision.emergency,
    )


def acknowledge(user: SignedInUser, notification_id: int) -> None:
    """The force's co-ordinator acknowledges; a second acknowledgement is a Conflict (the first stands)."""
    if user.role != ROLE:
        raise Forbidden("only the force's missing-persons co-ordinator acknowledges this notification")
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
        "police_notification",
        notification.decision.referral.reference,
        f"police notification {notification.id} from {notification.placing_authority_code}; "
        f"basis: {notification.basis}",
    )
    db.commit()


def summary(notification: PoliceNotification) -> dict[str, object]:
    """The notice's own facts and state, as the API lists them."""
    return {
        "id": notification.id,
        "placing_authority_code": notification.placing_authority_code,
        "host_authority_code": notification.host_authority_code,
        "force_code": notification.force_code,
        "basis": notification.basis,
        "sent_at": notification.sent_at,
        "acknowledged_at": notification.acknowledged_at,
        "state": state(notification),
    }
