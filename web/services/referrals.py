"""Referrals as placement teams and social workers see them: own authority only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from web import db
from web.models import Referral
from web.repositories import referrals as referral_repository
from web.services import audit
from web.services.accounts import CASEWORK_ROLES, SignedInUser
from web.services.case_builder import SEX_WORDS, age_on
from web.services.errors import Forbidden, NotFound


@dataclass(frozen=True)
class ReferralRow:
    reference: str
    needed_by: str
    young_people: int
    ages: str
    created: date
    status: str


def require_casework(user: SignedInUser) -> None:
    if user.role not in CASEWORK_ROLES:
        raise Forbidden("commissioners see aggregates only, not children's records")


def list_open(user: SignedInUser) -> list[ReferralRow]:
    require_casework(user)
    today = date.today()
    return [
        ReferralRow(
            r.reference,
            r.needed_by,
            len(r.young_people),
            ", ".join(str(age_on(p.date_of_birth, today)) for p in r.young_people),
            r.created_at.date(),
            r.status,
        )
        for r in referral_repository.list_referrals(user.authority_code)
    ]


def get_for(user: SignedInUser, reference: str) -> Referral:
    """The referral if the user may see it; another authority's is not found (404, not 403)."""
    require_casework(user)
    referral = referral_repository.get_referral(reference)
    if referral is None or referral.authority_code != user.authority_code:
        raise NotFound(reference)
    return referral


def view(user: SignedInUser, reference: str) -> Referral:
    """The referral for display, with the view audited."""
    referral = get_for(user, reference)
    audit.record(user.id, "view", "referral", referral.reference)
    for person in referral.young_people:
        audit.record(user.id, "view", "young_person", person.reference)
    db.commit()
    return referral


def sex_words(code: str) -> str:
    return SEX_WORDS.get(code, "not recorded")
