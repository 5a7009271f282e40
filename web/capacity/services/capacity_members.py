"""The co-operative commissioner's capacity review: demand against supply by member.

Only members with a sufficiency agreement in force with the co-operative are shown (the access
policy's `sufficiency_figures` rule, shared with the co-operative only), each with the very
figures its own commissioners see (decision 0051: the same children, the same record keys, the
same perturbed count), and a total over them that is a cell of its own. Each member's figures
read is audited with the agreement that allowed it (docs/decisions/0082).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from web import db
from web.accounts.services.accounts import SignedInUser
from web.capacity.services.capacity import Filters, MemberFigures, gap_for
from web.shared.repositories import agreements as agreement_repository
from web.shared.services import sharing
from web.shared.services.errors import Forbidden

ROLES = ("cooperative_commissioner",)
KIND = "sufficiency_figures"


@dataclass(frozen=True)
class MemberShare:
    code: str
    name: str
    shown: bool
    words: str


@dataclass(frozen=True)
class MembersView:
    cooperative: str
    members: list[MemberShare]
    figures: MemberFigures | None  # None when no member shares its figures


def members_view(user: SignedInUser, f: Filters, today: date | None = None) -> MembersView:
    """The by-member table of the members sharing for sufficiency; refused to every other role."""
    if user.role not in ROLES:
        raise Forbidden("the capacity review by member is for a co-operative's commissioners")
    access = sharing.for_user(user, today)
    rows = agreement_repository.list_members(user.organisation_code)
    names = access.names([r.member_code for r in rows] + [user.organisation_code])
    shares = []
    for row in rows:
        verdict = access.may_read(KIND, row.member_code)
        words = (
            f"sufficiency agreement {', '.join(str(i) for i in verdict.agreements)} in force"
            if verdict.allowed
            else "no sufficiency agreement in force with the co-operative: not shown"
        )
        shares.append(MemberShare(row.member_code, names.get(row.member_code, row.member_code), verdict.allowed, words))
    shares.sort(key=lambda m: m.name)
    shown = [m.code for m in shares if m.shown]
    # A filter naming an authority not shown would publish nothing of it anyway; keep to members.
    if f.authority and f.authority not in shown:
        shown = []
    elif f.authority:
        shown = [f.authority]
    figures = gap_for(f, shown, access.today) if shown else None
    access.audit_shared(KIND, shown, "capacity_members", user.organisation_code)
    db.commit()
    return MembersView(names.get(user.organisation_code, user.organisation_code), shares, figures)
