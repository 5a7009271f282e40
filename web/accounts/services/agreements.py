"""Co-operatives, their members and their data-sharing agreements: listed, added and ended.

An agreement belongs to the member that signs it: its administrator adds and ends it (the
access policy's "agreement" rule). The command line acts as the server's operator for any
member, as `import-data` does, and is audited under the member's code. Adding an agreement
makes the member a member of the co-operative; ending one stops the sharing at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from web import db
from web.models import (
    ORGANISATION_KINDS,
    SHARING_PURPOSES,
    Area,
    CooperativeMember,
    Group,
    Organisation,
    Placement,
    SharingAgreement,
)
from web.shared.repositories import agreements as repository
from web.shared.repositories import authorities, intelligence
from web.shared.repositories import imports as imports_repository
from web.shared.services import access_policy as policy
from web.shared.services import audit, date_input, sharing
from web.shared.services.errors import Conflict, Forbidden, InvalidInput, NotFound

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")
SIGNED_BY_MAX = 120
REASON_MAX = 200


@dataclass(frozen=True)
class AgreementRow:
    id: int
    cooperative_code: str
    cooperative: str
    member_code: str
    member: str
    purpose: str
    starts_on: date
    ends_on: date | None
    review_by: date
    signed_by: str
    status: str
    ended_on: date | None
    end_reason: str | None

    @property
    def stoppable(self) -> bool:
        return self.status not in ("ended", "expired")


@dataclass(frozen=True)
class NewAgreement:
    cooperative_code: str
    member_code: str
    purpose: str
    starts_on: date
    ends_on: date | None
    review_by: date
    signed_by: str


def _row(a: SharingAgreement, today: date) -> AgreementRow:
    return AgreementRow(
        a.id,
        a.cooperative_code,
        a.cooperative.name,
        a.member_code,
        a.member.name,
        a.purpose,
        a.starts_on,
        a.ends_on,
        a.review_by,
        a.signed_by,
        policy.status(sharing.terms(a), today),
        a.ended_on,
        a.end_reason,
    )


def _require(user: sharing.Person | None, action: str, member_code: str) -> None:
    if user is None:
        return  # the command line: the server's operator
    verdict = sharing.for_user(user).decide(action, "agreement", member_code)
    if not verdict.allowed:
        raise Forbidden(verdict.reason)


def list_agreements(user: sharing.Person | None, today: date | None = None) -> list[AgreementRow]:
    """The user's organisation's agreements (every one from the command line), ended ones too."""
    today = today or date.today()
    if user is not None:
        _require(user, policy.READ, user.authority_code)
    rows = repository.list_agreements()
    if user is not None:
        rows = [a for a in rows if a.member_code == user.authority_code]
    return [_row(a, today) for a in rows]


def cooperatives() -> list[Organisation]:
    return repository.list_cooperatives()


def add_organisation(code: str, name: str, kind: str) -> Organisation:
    """A co-operative, police force or return-home-interview provider (authorities come with the reference data)."""
    code = code.strip().upper()
    problems = {}
    if not CODE.match(code):
        problems["code"] = "Enter a code of 2 to 40 capital letters, digits and hyphens, like COOP-GM or E23000005"
    if not name.strip() or len(name.strip()) > 160:
        problems["name"] = "Enter a name of up to 160 characters"
    if kind not in ORGANISATION_KINDS or kind == "local_authority":
        problems["kind"] = "The kind must be cooperative, police_force or rhi_provider (authorities are loaded already)"
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    existing = authorities.get_organisation(code)
    if existing is not None and existing.kind == "local_authority":
        raise InvalidInput([f"{code} is a local authority"], {"code": f"{code} is a local authority"})
    organisation = Organisation(code=code, name=name.strip(), kind=kind)
    authorities.add_organisation(organisation)
    audit.record(None, "organisation_added", "organisation", code, kind, code)
    db.commit()
    return organisation


def add_agreement(user: sharing.Person | None, new: NewAgreement, now: datetime | None = None) -> AgreementRow:
    """Store a signed agreement (audited); the member joins the co-operative if it had not."""
    now = now or datetime.now()
    _require(user, policy.WRITE, new.member_code)
    problems: dict[str, str] = {}
    cooperative = authorities.get_organisation(new.cooperative_code)
    if cooperative is None or cooperative.kind != "cooperative":
        problems["cooperative"] = f"{new.cooperative_code} is not a co-operative"
    member = authorities.get_organisation(new.member_code)
    if member is None or member.kind == "cooperative":
        problems["member"] = f"{new.member_code} is not an authority, police force or provider"
    if new.purpose not in SHARING_PURPOSES:
        problems["purpose"] = "The purpose must be one of " + ", ".join(SHARING_PURPOSES)
    if new.ends_on is not None and new.ends_on < new.starts_on:
        problems["ends_on"] = "The end date must be on or after the start date"
    if new.review_by < new.starts_on:
        problems["review_by"] = "The review date must be on or after the start date"
    signed_by = new.signed_by.strip()
    if not signed_by or len(signed_by) > SIGNED_BY_MAX:
        problems["signed_by"] = (
            f"Enter the name and post of the officer who signed it (up to {SIGNED_BY_MAX} characters)"
        )
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    if repository.get_member(new.cooperative_code, new.member_code) is None:
        repository.add_member(
            CooperativeMember(
                cooperative_code=new.cooperative_code, member_code=new.member_code, joined_on=new.starts_on
            )
        )
    agreement = SharingAgreement(
        cooperative_code=new.cooperative_code,
        member_code=new.member_code,
        purpose=new.purpose,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        review_by=new.review_by,
        signed_by=signed_by,
        created_at=now,
    )
    repository.add_agreement(agreement)
    audit.record(
        user.id if user else None,
        "agreement_added",
        "agreement",
        str(agreement.id),
        f"{new.member_code} in {new.cooperative_code} for {new.purpose}",
        new.member_code,
    )
    db.commit()
    return _row(agreement, now.date())


def end_agreement(
    user: sharing.Person | None, agreement_id: int, reason: str, today: date | None = None
) -> AgreementRow:
    """End an agreement today: the member's records stop being shared for its purpose at once."""
    today = today or date.today()
    agreement = repository.get_agreement(agreement_id)
    if agreement is None or (user is not None and agreement.member_code != user.authority_code):
        raise NotFound(str(agreement_id))  # another member's agreement is not shown, so not found
    _require(user, policy.WRITE, agreement.member_code)
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput([f"Enter why it ends (up to {REASON_MAX} characters)"], {"reason": "Enter why it ends"})
    if policy.status(sharing.terms(agreement), today) in ("ended", "expired"):
        raise Conflict(f"agreement {agreement_id} is no longer in force")
    agreement.ended_on = today
    agreement.ended_by_id = user.id if user else None
    agreement.end_reason = reason
    audit.record(
        user.id if user else None, "agreement_ended", "agreement", str(agreement_id), agreement.purpose,
        agreement.member_code,
    )  # fmt: skip
    db.commit()
    return _row(agreement, today)


def read_form(data: Mapping[str, Any], member_code: str) -> NewAgreement:
    """A new agreement from the page's form (three-box dates), every problem keyed by its field."""
    problems: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for prefix, label, required in (
        ("starts_on", "Start date", True),
        ("ends_on", "End date", False),
        ("review_by", "Review date", True),
    ):
        reading = date_input.read_date(data, prefix, label, required)
        if reading.field and reading.message:
            problems[reading.field] = reading.message
        dates[prefix] = reading.value
    cooperative = str(data.get("cooperative", "")).strip()
    purpose = str(data.get("purpose", "")).strip()
    if not cooperative:
        problems["cooperative"] = "Choose the co-operative"
    if purpose not in SHARING_PURPOSES:
        problems["purpose"] = "Choose what the agreement shares"
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    starts_on, review_by = dates["starts_on"], dates["review_by"]
    assert starts_on is not None and review_by is not None  # required, so read or reported above
    return NewAgreement(
        cooperative, member_code, purpose, starts_on, dates["ends_on"], review_by, str(data.get("signed_by", ""))
    )


def add_from_form(user: sharing.Person, data: Mapping[str, Any]) -> AgreementRow:
    """The page's form: may this user record agreements at all (403 before any 400), then read and add."""
    _require(user, policy.WRITE, user.authority_code)
    return add_agreement(user, read_form(data, user.authority_code))


OWNABLE = ("placement", "area", "group")


def give_owner(kind: str, code: str, owner_code: str) -> str:
    """Give a record that has no owner (stored before owners were known) its owner; the command
    line's, as the server's operator. An owned record keeps its owner: only it changes it.

    A group's unowned rivalries go with it. Audited under the new owner; returns a sentence.
    """
    if kind not in OWNABLE:
        raise InvalidInput([f"the kind must be one of {', '.join(OWNABLE)}"], {"kind": "Choose a kind"})
    owner = authorities.get_organisation(owner_code)
    if owner is None:
        raise InvalidInput([f"{owner_code} is not a known organisation"], {"owner": "Enter a known code"})
    record: Placement | Area | Group | None
    if kind == "placement":
        record = imports_repository.placements_by_code([code]).get(code)
    elif kind == "area":
        record = imports_repository.areas_by_code([code]).get(code)
    else:
        record = intelligence.get_group(code)
    if record is None:
        raise NotFound(code)
    if record.owner_code is not None:
        raise Conflict(f"{kind} {code} already belongs to {record.owner_code}: only they change it")
    record.owner_code = owner.code
    if isinstance(record, Group):
        for rivalry in intelligence.list_rivalries():
            if rivalry.owner_code is None and rivalry.group_id == record.id:
                rivalry.owner_code = owner.code
    audit.record(None, "give_owner", kind, code, owner.code, owner.code)
    db.commit()
    return f"{kind} {code} now belongs to {owner.name}."
