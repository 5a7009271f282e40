"""The co-operative commissioner's capacity review by member.

Only members with a sufficiency agreement in force with the co-operative are shown (the access
policy's `sufficiency_figures` rule, shared with the co-operative only). Four views, each a set
of published tables by member (docs/decisions/0082 and 0083):

- demand against supply (`gap`): the overview's "by authority" table for the sharing members;
- placement location (`location`): where each member's children live now, distance and inside
  or outside the authority, by member and by member and setting;
- trends (`trends`): placements started, by member over the period and by month and member;
- equality monitoring (`equality`): waiting and placed children by ethnicity group, sex and age
  band within each member.

Every count of children goes through the same protection as the single-authority review
(decision 0051): a member's cell holds the same children as the cell its own commissioners see
under the authority filter, so it has the same record keys and the same perturbed figure; a
total over the sharing members is a cell of its own with its own noise. Each view's read is
audited per member with the agreement that allowed it; a download is audited as an export too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from planner.capacity import month_words, months_back
from planner.case import SETTINGS
from planner.disclosure import Disclosure, Tally
from planner.wording import SETTING_WORDS
from web import db
from web.accounts.services.accounts import SignedInUser
from web.capacity.repositories import capacity as repository
from web.capacity.services import capacity_trends
from web.capacity.services.capacity import (
    DIMENSIONS,
    LOCATION_HEADINGS,
    Filters,
    MemberFigures,
    Placed,
    demand,
    engine_view,
    gap_for,
    group_of,
    location_rows,
    notes,
    placed_children,
    view_filters,
)
from web.capacity.services.capacity_figures import Split, combined, protection
from web.capacity.services.capacity_tables import PublishedTable, table
from web.matching.services import batch_case
from web.shared.repositories import agreements as agreement_repository
from web.shared.services import audit, sharing
from web.shared.services.errors import Forbidden, InvalidInput
from web.shared.services.people import age_on

ROLES = ("cooperative_commissioner",)
KIND = "sufficiency_figures"
# The views by member, in the order of the sub-navigation, with the words it shows.
VIEWS = {
    "gap": "Demand against supply",
    "location": "Placement location",
    "trends": "Trends",
    "equality": "Equality monitoring",
}
MEMBER_NOTE = (
    "Each member's figures are the ones its own commissioners see on the capacity review filtered to "
    "their authority; a total over the sharing members is a figure of its own, adjusted separately, so "
    "the members' rows need not add up to it."
)


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


@dataclass(frozen=True)
class MemberTables:
    """One view by member: the published tables (none when no member shares its figures)."""

    cooperative: str
    members: list[MemberShare]
    view: str
    described: str
    tables: dict[str, PublishedTable]


@dataclass(frozen=True)
class _Sharing:
    cooperative: str
    members: list[MemberShare]
    shown: list[str]  # the members shown under the filters, in the order of their names
    names: dict[str, str]
    access: sharing.Access


def require_commissioner(user: SignedInUser) -> None:
    if user.role not in ROLES:
        raise Forbidden("the capacity review by member is for a co-operative's commissioners")


def _sharing(user: SignedInUser, f: Filters, today: date | None) -> _Sharing:
    """Who shares sufficiency figures with the user's co-operative today, and who is shown."""
    require_commissioner(user)
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
    if f.authority:
        shown = [f.authority] if f.authority in shown else []
    return _Sharing(names.get(user.organisation_code, user.organisation_code), shares, shown, dict(names), access)


def _audit(user: SignedInUser, found: _Sharing, view: str) -> None:
    # The gap view's events name the co-operative alone, as they did before the other views came.
    ref = user.organisation_code if view == "gap" else f"{user.organisation_code}/{view}"
    found.access.audit_shared(KIND, found.shown, "capacity_members", ref)
    db.commit()


def members_view(user: SignedInUser, f: Filters, today: date | None = None) -> MembersView:
    """The by-member table of the members sharing for sufficiency; refused to every other role."""
    found = _sharing(user, f, today)
    figures = gap_for(f, found.shown, found.access.today) if found.shown else None
    _audit(user, found, "gap")
    return MembersView(found.cooperative, found.members, figures)


def member_tables(user: SignedInUser, view: str, f: Filters, today: date | None = None) -> MemberTables:
    """One view by member, every figure protected as on the capacity review; audited per member."""
    if view not in VIEWS:
        raise InvalidInput([f"There is no view by member called {view}"], {"view": "Unknown view"})
    f = view_filters(view, f)
    found = _sharing(user, f, today)
    tables: dict[str, PublishedTable] = {}
    if found.shown:
        tables = _BUILDERS[view](user, f, found, found.access.today)
    _audit(user, found, view)
    return MemberTables(found.cooperative, found.members, view, f.describe(found.names), tables)


def member_table(user: SignedInUser, view: str, key: str, f: Filters, today: date | None = None) -> PublishedTable:
    """One table of a view by member, exactly as its page shows it, for a download (audited as an export)."""
    found = member_tables(user, view, f, today)
    if key not in found.tables:
        raise InvalidInput([f"There is no table called {key} in the {view} view"], {"table": "Unknown table"})
    return found.tables[key]


def record_export(user: SignedInUser, view: str, key: str, kind: str) -> None:
    """Audit a download: which view and table, which format (never a figure)."""
    audit.record(user.id, "export", "capacity_members_table", f"{user.organisation_code}/{view}/{key}", detail=kind)
    db.commit()


# --- demand against supply ---------------------------------------------------------------


def _gap(user: SignedInUser, f: Filters, found: _Sharing, today: date) -> dict[str, PublishedTable]:
    return {"gap": gap_for(f, found.shown, today).table}


# --- placement location ------------------------------------------------------------------


def placed_by_member(f: Filters, shown: Sequence[str], today: date, dz: Disclosure) -> dict[str, list[Placed]]:
    """The children living in a placement now, by the sharing member responsible for them."""
    out: dict[str, list[Placed]] = {code: [] for code in shown}
    for p in placed_children(repository.current_placements(), f, today, dz):
        if p.responsible in out:
            out[p.responsible].append(p)
    return out


def _location(user: SignedInUser, f: Filters, found: _Sharing, today: date) -> dict[str, PublishedTable]:
    dz = protection()
    by_member = placed_by_member(f, found.shown, today, dz)
    labels = [found.names.get(c, c) for c in found.shown]
    rows, totals, _ = location_rows(labels, [by_member[c] for c in found.shown], dz)
    note = (
        "Children living in a placement now, by the member responsible for them. Distance: the straight line "
        "from home to the placement in miles, as DfE's PL_DISTANCE. Inside or outside: DfE's PL_LOCATION.",
        MEMBER_NOTE,
        *notes(),
    )
    # Every setting for every member, even with nobody in it: a row left out would say "none".
    # No block for the sharing members together: each row here is the member's own cell, so the
    # table publishes nothing its members' commissioners do not already see (decision 0083).
    setting_rows: list[tuple[str, ...]] = []
    for code in found.shown:
        groups = [[p for p in by_member[code] if p.setting == s] for s in SETTINGS]
        member_rows, member_total, _ = location_rows([SETTING_WORDS[s] for s in SETTINGS], groups, dz)
        label = found.names.get(code, code)
        setting_rows += [(label, *r) for r in member_rows]
        setting_rows.append((label, *member_total))
    return {
        "location_members": table(
            "location_members",
            "Where children are placed, by member",
            ("Member", *LOCATION_HEADINGS),
            rows,
            totals=totals,
            notes=note,
        ),
        "location_members_settings": table(
            "location_members_settings",
            "Where children are placed, by member and setting",
            ("Member", "Setting", *LOCATION_HEADINGS),
            setting_rows,
            labels=2,
            notes=note,
        ),
    }


# --- trends --------------------------------------------------------------------------------


def trend_months(f: Filters, today: date) -> list[str]:
    """The months the trends show: the last `f.months`, at least 6, as the capacity review's trends."""
    return months_back(today, max(6, f.months))


def _trend_tables(
    source: str,
    title: str,
    started: Sequence[capacity_trends.Started],
    months: list[str],
    found: _Sharing,
    dz: Disclosure,
    extra_notes: tuple[str, ...],
) -> dict[str, PublishedTable]:
    by_member: dict[str, Split] = {c: Split((3, 3)) for c in found.shown}
    by_month: dict[tuple[str, str], Split] = defaultdict(lambda: Split((3, 3)))
    for s in started:
        if s.authority in by_member:
            by_member[s.authority].add(s.record, (s.distance, s.location))
            by_month[(s.authority, s.month)].add(s.record, (s.distance, s.location))
    labels = [found.names.get(c, c) for c in found.shown]
    rows = [capacity_trends.trend_row(label, by_member[c], dz) for label, c in zip(labels, found.shown, strict=True)]
    everyone = combined(by_member.values(), (3, 3))
    summary = table(
        f"trends_members_{source}",
        f"{title}, by member (last {len(months)} months)",
        ("Member", *capacity_trends.HEADINGS[1:]),
        rows,
        totals=capacity_trends.trend_row("All", everyone, dz),
        notes=(*extra_notes, MEMBER_NOTE, *notes()),
    )
    monthly_rows = []
    for month in months:
        cells = [by_month.get((c, month)) or Split((3, 3)) for c in found.shown]
        monthly_rows.append((month_words(month), *(dz.text(c.total) for c in cells)))
    monthly = table(
        f"trends_members_{source}_monthly",
        f"{title}: placements started by month and member",
        ("Month", *labels),
        monthly_rows,
        totals=("All months", *(dz.text(by_member[c].total) for c in found.shown)),
        notes=(*extra_notes, MEMBER_NOTE, *notes()),
    )
    return {summary.key: summary, monthly.key: monthly}


def _trends(user: SignedInUser, f: Filters, found: _Sharing, today: date) -> dict[str, PublishedTable]:
    dz = protection()
    months = trend_months(f, today)
    first = date(int(months[0][:4]), int(months[0][5:]), 1)
    base: tuple[str, ...] = (
        "More than 20 miles and outside the authority as DfE's PL_DISTANCE and PL_LOCATION; where either is "
        "not known the child counts in the placements started only.",
    )
    episode_notes = base
    if f.specialism or f.bands:
        episode_notes = (
            "SSDA903 episodes carry no specialism or age band here: those filters do not apply to them.",
            *base,
        )
    return {
        **_trend_tables(
            "decisions",
            "Placements started by decisions made in the planner",
            capacity_trends.started_by_decision(f, first, dz),
            months,
            found,
            dz,
            base,
        ),
        **_trend_tables(
            "episodes",
            "Placements started in imported SSDA903 episodes",
            capacity_trends.started_in_episodes(f, first, today, dz),
            months,
            found,
            dz,
            episode_notes,
        ),
    }


# --- equality monitoring ------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A young person waiting, as the equality tables count them."""

    member: str
    ethnicity: str
    sex: str
    age: int
    has_option: bool
    reference: str
    record: Tally


def waiting_by_member(
    user: SignedInUser, f: Filters, shown: Sequence[str], today: date, dz: Disclosure
) -> list[Waiting]:
    """Young people on the sharing members' open referrals, each with whether a safe option exists.

    A safe option is judged as the member's own review judges it: against the pool the member
    may use (its own placements and those shared with it), so a member's row is its own figure.
    """
    referrals = [r for r in repository.open_referrals() if r.authority_code in shown]
    found = demand(f, referrals, today)
    out = []
    matched = {ref for refs in found.waiting.values() for ref in refs}
    for code in shown:
        theirs = [r for r in found.referrals if r.authority_code == code]
        view = engine_view(theirs, today, code, user.id)
        for referral in theirs:
            has_option = view.options.get(batch_case.qualified(referral.authority_code, referral.reference), 0) > 0
            for yp in referral.young_people:
                if yp.reference not in matched:
                    continue  # not under the filters (another age band, say)
                age = age_on(yp.date_of_birth, today)
                out.append(
                    Waiting(
                        code,
                        yp.ethnicity,
                        yp.sex,
                        age,
                        has_option,
                        yp.reference,
                        dz.one("young_person", yp.reference),
                    )
                )
    return out


def _equality(user: SignedInUser, f: Filters, found: _Sharing, today: date) -> dict[str, PublishedTable]:
    dz = protection()
    waiting = waiting_by_member(user, f, found.shown, today, dz)
    placed = placed_by_member(f, found.shown, today, dz)
    tables: dict[str, PublishedTable] = {}
    for key, label, groups in DIMENSIONS:
        rows: list[tuple[str, ...]] = []
        placed_rows: list[tuple[str, ...]] = []
        # Member by member only: a block for the sharing members together would be a new cell for
        # every group under every filter, and those cells are what differencing feeds on (decision 0083).
        for block, codes in [(found.names.get(c, c), [c]) for c in found.shown]:
            splits = [Split((2,)) for _ in groups]
            for w in waiting:
                if w.member in codes:
                    splits[groups.index(group_of(key, w.ethnicity, w.sex, w.age))].add(
                        w.record, (0 if w.has_option else 1,)
                    )
            for group, sp in [*zip(groups, splits, strict=True), ("All", combined(splits, (2,)))]:
                rows.append((block, group, dz.text(sp.total), sp.text(dz, 0, 0), sp.text(dz, 0, 1), sp.rate(dz, 0, 1)))
            by_group: list[list[Placed]] = [[] for _ in groups]
            for code in codes:
                for p in placed[code]:
                    by_group[groups.index(group_of(key, p.ethnicity, p.sex, p.age))].append(p)
            member_rows, member_total, _ = location_rows(groups, by_group, dz)
            placed_rows += [(block, *r) for r in member_rows]
            placed_rows.append((block, *member_total))
        tables[f"waiting_{key}_members"] = table(
            f"waiting_{key}_members",
            f"Young people on open referrals by member and {label.lower()}: safe options",
            (
                "Member",
                label,
                "Young people waiting",
                "With a safe option",
                "With no safe option",
                "No safe option (%)",
            ),
            rows,
            labels=2,
            notes=(
                "A safe option: a placement passing every hard rule for their referral, in the pool the member "
                "may use (its own placements and those shared with it).",
                MEMBER_NOTE,
                *notes(),
            ),
        )
        tables[f"placed_{key}_members"] = table(
            f"placed_{key}_members",
            f"Children placed now by member and {label.lower()}: distance and location",
            ("Member", label, *LOCATION_HEADINGS),
            placed_rows,
            labels=2,
            notes=(MEMBER_NOTE, *notes()),
        )
    return tables


_BUILDERS: dict[str, Callable[[SignedInUser, Filters, _Sharing, date], dict[str, PublishedTable]]] = {
    "gap": _gap,
    "location": _location,
    "trends": _trends,
    "equality": _equality,
}
