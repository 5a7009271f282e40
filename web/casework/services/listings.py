"""Lists and single records as the JSON API serves them, under the pages' rules.

Young people, referrals and intelligence areas are casework: commissioners are
refused (`Forbidden`), and another authority's child or referral is not found.
Placements are places, not children, so anyone signed in may list them. A
child's whole record is `web.casework.services.young_people.view` (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from web import db
from web.accounts.services.accounts import SignedInUser
from web.casework.repositories import listings
from web.casework.repositories import referrals as referral_repository
from web.casework.repositories import young_people as young_people_repository
from web.casework.services.referrals import require_casework
from web.models import Area, Placement
from web.shared.services import sharing
from web.shared.services.errors import NotFound
from web.shared.services.people import age_on

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and how many items the whole list has."""

    items: list[T]
    total: int


@dataclass(frozen=True)
class YoungPersonRow:
    reference: str
    age: int
    sex: str
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class ReferralRow:
    reference: str
    status: str
    needed_by: str
    young_people: list[str]
    created_at: datetime
    updated_at: datetime | None


def _offset(page: int, page_size: int) -> int:
    return (page - 1) * page_size


def list_young_people(user: SignedInUser, page: int, page_size: int) -> Page[YoungPersonRow]:
    """The user's authority's young people, by reference (not audited: a list shows no record)."""
    require_casework(user)
    total = young_people_repository.count_for_authority(user.authority_code)
    offset = _offset(page, page_size)
    if offset >= total:
        return Page([], total)
    today = date.today()
    rows = [
        YoungPersonRow(p.reference, age_on(p.date_of_birth, today), p.sex, p.created_at, p.updated_at)
        for p in young_people_repository.list_for_authority(user.authority_code, "", offset, page_size)
    ]
    return Page(rows, total)


def list_referrals(
    user: SignedInUser, page: int, page_size: int, status: str | None = None, needed_by: str | None = None
) -> Page[ReferralRow]:
    """The user's authority's referrals, most urgent first, then oldest; every status unless filtered."""
    require_casework(user)
    found = referral_repository.list_referrals(
        user.authority_code, status, urgencies=[needed_by] if needed_by is not None else None
    )
    offset = _offset(page, page_size)
    rows = [
        ReferralRow(
            r.reference, r.status, r.needed_by, [p.reference for p in r.young_people], r.created_at, r.updated_at
        )
        for r in found[offset : offset + page_size]
    ]
    return Page(rows, len(found))


def list_placements(
    user: SignedInUser,
    page: int,
    page_size: int,
    setting: str | None = None,
    authority_code: str | None = None,
    has_vacancy: bool | None = None,
    status: str | None = None,
) -> Page[Placement]:
    """The placements the user's authority may see (its own, and those shared with it for
    placement finding), by code: any signed-in role."""
    access = sharing.for_user(user)
    owners = access.readable_owner_codes("placement")
    total = listings.count_placements(setting, authority_code, has_vacancy, status, owners)
    offset = _offset(page, page_size)
    if offset >= total:
        return Page([], total)
    found = listings.placements_page(offset, page_size, setting, authority_code, has_vacancy, status, owners)
    access.audit_shared("placement", [p.owner_code for p in found], "placement_list", f"page {page}")
    db.commit()
    return Page(found, total)


def get_placement(user: SignedInUser, code: str) -> Placement:
    access = sharing.for_user(user)
    placement = listings.get_placement(code)
    if placement is None or not access.may_read("placement", placement.owner_code).allowed:
        raise NotFound(code)  # another owner's unshared placement is not there for this user
    access.audit_shared("placement", [placement.owner_code], "placement", code)
    db.commit()
    return placement


def list_areas(user: SignedInUser, page: int, page_size: int) -> Page[Area]:
    """Gang-affected areas the user's authority may see (its own, and those shared with it for
    intelligence), by code: casework roles only."""
    require_casework(user)
    access = sharing.for_user(user)
    owners = access.readable_owner_codes("area")
    total = listings.count_areas(owners)
    offset = _offset(page, page_size)
    if offset >= total:
        return Page([], total)
    found = listings.areas_page(offset, page_size, owners)
    access.audit_shared("area", [a.owner_code for a in found], "area_list", f"page {page}")
    db.commit()
    return Page(found, total)
