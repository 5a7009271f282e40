"""The access policy applied to stored records: loads the agreements, asks the policy, audits.

Services of every group read and write owned records through here (docs/decisions/0080),
so the rules are `access_policy`'s and the agreements are always the stored ones as of
the app's today. A read allowed only by agreements is audited (`audit_shared`) with the
agreements that allowed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from web.models import SharingAgreement
from web.shared.repositories import agreements as agreement_repository
from web.shared.repositories import authorities as authority_repository
from web.shared.services import access_policy as policy
from web.shared.services import audit

# Every role reads placements, areas, groups and rivalries (access_policy.RULES), so a service
# reading them for an authority as a whole (a ranking's world) asks as this one.
READER_ROLE = "social_worker"


class Person(Protocol):
    """What the policy needs of a signed-in user (accounts' SignedInUser fits)."""

    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def authority_code(self) -> str: ...


def terms(row: SharingAgreement) -> policy.Agreement:
    return policy.Agreement(
        row.id,
        row.cooperative_code,
        row.member_code,
        row.purpose,
        row.starts_on,
        row.ends_on,
        row.review_by,
        row.ended_on,
    )


@dataclass
class Access:
    """One actor's view of the stored agreements on one day: ask it, then audit what was shared."""

    actor: policy.Actor
    user_id: int | None
    today: date
    agreements: list[policy.Agreement]
    _names: dict[str, str] = field(default_factory=dict)

    def names(self, codes: Iterable[str | None]) -> dict[str, str]:
        """Organisation code -> name, for reasons and refusals people read."""
        wanted = {c for c in codes if c} - self._names.keys()
        if wanted:
            self._names.update(authority_repository.organisation_names(wanted))
        return self._names

    def decide(self, action: str, kind: str, owner: str | None) -> policy.Verdict:
        return policy.decide(self.actor, action, kind, owner, self.agreements, self.today, self.names([owner]))

    def decide_named(self, action: str, kind: str, owner: str | None, named: str | None) -> policy.Verdict:
        """For rules where the record names an organisation (read by law, recorded when commissioned)."""
        return policy.decide(
            self.actor, action, kind, owner, self.agreements, self.today, self.names([owner, named]), named
        )

    def may_write(self, kind: str, owner: str | None) -> policy.Verdict:
        return self.decide(policy.WRITE, kind, owner)

    def may_read(self, kind: str, owner: str | None) -> policy.Verdict:
        return self.decide(policy.READ, kind, owner)

    def readable_owner_codes(self, kind: str) -> set[str]:
        """Every owner whose records of `kind` this actor may read (unowned records aside)."""
        candidates = {self.actor.organisation}
        for a in self.agreements:
            candidates |= {a.member, a.cooperative}
        self.names(candidates)  # one query for every name the verdicts below may word
        return {c for c in candidates if self.may_read(kind, c).allowed}

    def audit_shared(self, kind: str, owners: Iterable[str | None], object_type: str, object_ref: str) -> None:
        """One `shared_read` event per other owner whose records of `kind` were read only under
        agreements, naming them (the caller commits)."""
        for owner in sorted({o for o in owners if o}):
            verdict = self.may_read(kind, owner)
            if verdict.shared:
                audit.record_shared_read(
                    self.user_id, self.actor.organisation, owner, kind, verdict.agreements, object_type, object_ref
                )


def for_organisation(organisation: str, role: str, user_id: int | None = None, today: date | None = None) -> Access:
    """Access for an organisation acting in a role (a command-line import: its authority as admin)."""
    rows = agreement_repository.list_agreements()
    return Access(policy.Actor(organisation, role), user_id, today or date.today(), [terms(r) for r in rows])


def for_user(user: Person, today: date | None = None) -> Access:
    # The organisation acted for: a co-operative's, police force's or provider's staff act for it.
    organisation = getattr(user, "organisation_code", "") or user.authority_code
    return for_organisation(organisation, user.role, user.id, today)
