"""A differencing attack over every filter combination of the demo's capacity review recovers nothing.

The attack the review was broken by: download the same table under many filters and
subtract. Here the attacker gets every figure of young people waiting that the overview
publishes under every combination of setting, specialism, age bands and authority (the
authority table with its total, the co-operative's by-member total, the regions, the age bands with their total, the
settings, the specialisms, the headline), knows exactly how the protection works (the
threshold and the largest adjustment, `Disclosure.bounds`), and even knows which kinds of
child exist: every group of children who fall in exactly the same cells is an unknown
count. For each figure shown as `c`, integer programming (CP-SAT) finds the smallest and
largest number of children it can hold given everything published. A cell is recovered
when the two are equal. None may be.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Any

import pytest
from flask import Flask
from ortools.sat.python import cp_model

from planner.capacity import AGE_BANDS, months_back
from planner.case import SETTINGS, SPECIALISMS
from planner.disclosure import Disclosure, Tally
from tests.conftest import make_app
from web import db
from web.accounts.repositories import users
from web.accounts.services import accounts
from web.capacity.repositories import capacity as capacity_repository
from web.capacity.services import capacity, capacity_members, capacity_trends
from web.capacity.services.capacity_figures import protection, total
from web.demo.services import world as demo_world
from web.demo.services.agreements import COOPERATIVE, MEMBERS
from web.matching.services import batch_case
from web.shared.repositories import authorities as authority_repository
from web.shared.services.people import age_on

BAND_KEYS = [key for key, *_ in AGE_BANDS]
# The demo's members with a sufficiency agreement: the by-member view shows these.
SHARING_SUFFICIENCY = MEMBERS[:-1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo world (seed 1) that `make run` shows, on SQLite."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('attack') / 'planner.db'}")
    with app.app_context():
        demo_world.generate(1)
    yield app


def _filter_combinations(authorities: list[str]) -> Iterator[capacity.Filters]:
    bands = [()] + [combo for k in range(1, len(BAND_KEYS) + 1) for combo in combinations(BAND_KEYS, k)]
    for setting in ("", *SETTINGS):
        for specialism in ("", *SPECIALISMS):
            for chosen in bands:
                for authority in ("", *authorities):
                    yield capacity.Filters(setting, specialism, tuple(chosen), authority)


def _published_cells(app: Flask) -> tuple[dict[frozenset[str], str], int]:
    """Every distinct set of children the overview publishes a waiting count of, with the figure shown."""
    cells: dict[frozenset[str], str] = {}
    with app.app_context():
        dz = protection()
        today = date.today()
        referrals = capacity_repository.open_referrals()
        names = {a.gss_code: a for a in authority_repository.list_authorities()}
        codes = sorted({r.authority_code for r in referrals})
        combos = 0
        for f in _filter_combinations(codes):
            combos += 1
            found = capacity.demand(f, referrals, today)
            groups: list[list[str]] = []
            groups += found.waiting.values()  # authority rows
            regions: dict[str, list[str]] = defaultdict(list)
            for code, refs in found.waiting.items():
                regions[names[code].region_name if code in names else "Unknown"] += refs
            groups += regions.values()
            groups += [[r for refs in found.waiting.values() for r in refs]]  # the totals and the headline
            # The co-operative commissioner's view by member (decision 0082): each member's row is
            # already an authority row above; its total over the members sharing is a cell too.
            groups += [[r for code in SHARING_SUFFICIENCY for r in found.waiting.get(code, [])]]
            groups += found.by_band.values()
            groups += found.by_setting.values()
            groups += found.by_specialism.values()
            for refs in groups:
                members = frozenset(refs)
                if members and members not in cells:
                    cells[members] = dz.text(total(dz.one("young_person", r) for r in members))
    return cells, combos


def _attack(
    cells: dict[frozenset[str], str], app: Flask, someone: frozenset[frozenset[str]] = frozenset()
) -> tuple[int, list[tuple[int, int, int]]]:
    """For each `c` cell: (true count, fewest, most) the published figures allow; and the number of unknowns.

    `someone`: cells a table shows only when they hold at least one record (a row left out
    says "none"), which the attacker uses too.
    """
    with app.app_context():
        dz = protection()
    signature: dict[str, list[int]] = defaultdict(list)
    ordered = list(cells)
    for i, members in enumerate(ordered):
        for ref in members:
            signature[ref].append(i)
    atoms: dict[tuple[int, ...], int] = {}
    for where in signature.values():
        atoms.setdefault(tuple(where), len(atoms))
    atom_of = {ref: atoms[tuple(where)] for ref, where in signature.items()}
    model = cp_model.CpModel()
    x = [model.new_int_var(0, len(signature), f"x{a}") for a in range(len(atoms))]
    sums = []
    for members in ordered:
        in_cell = sorted({atom_of[r] for r in members})
        expression = sum(x[a] for a in in_cell)
        low, high = dz.bounds(cells[members])
        if members in someone:
            low = max(low, 1)
        model.add(expression >= low)
        model.add(expression <= high)
        sums.append(expression)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    results = []
    for i, members in enumerate(ordered):
        if cells[members] != "c":
            continue
        bounds = []
        for sense in (model.minimize, model.maximize):
            sense(sums[i])
            status = solver.solve(model)
            assert status == cp_model.OPTIMAL, "the published figures must be consistent with some population"
            bounds.append(round(solver.objective_value))
        results.append((len(members), bounds[0], bounds[1]))
    return len(atoms), results


def _pinned_groups(
    cells: dict[frozenset[str], str], app: Flask, someone: frozenset[frozenset[str]]
) -> tuple[set[frozenset[str]], dict[frozenset[str], int]]:
    """The attacker's unknowns (groups of records falling in exactly the same cells), and those
    whose count the published figures pin to one value."""
    with app.app_context():
        dz = protection()
    signature: dict[str, list[int]] = defaultdict(list)
    for i, members in enumerate(cells):
        for ref in members:
            signature[ref].append(i)
    groups: dict[tuple[int, ...], set[str]] = defaultdict(set)
    for ref, where in signature.items():
        groups[tuple(where)].add(ref)
    atoms = [frozenset(g) for g in groups.values()]
    atom_of = {ref: a for a, g in enumerate(atoms) for ref in g}
    model = cp_model.CpModel()
    x = [model.new_int_var(0, len(signature), f"x{a}") for a in range(len(atoms))]
    for members, shown in cells.items():
        expression = sum(x[a] for a in sorted({atom_of[r] for r in members}))
        low, high = dz.bounds(shown)
        model.add(expression >= (max(low, 1) if members in someone else low))
        model.add(expression <= high)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    pinned = {}
    for a, group in enumerate(atoms):
        bounds = []
        for sense in (model.minimize, model.maximize):
            sense(x[a])
            assert solver.solve(model) == cp_model.OPTIMAL
            bounds.append(round(solver.objective_value))
        if bounds[0] == bounds[1]:
            pinned[group] = bounds[0]
    return set(atoms), pinned


def test_differencing_every_filter_combination_recovers_no_hidden_count(demo: Flask) -> None:
    """Every `c` of the demo's waiting figures, under every filter combination, still has more than one value."""
    cells, combos = _published_cells(demo)
    unknowns, hidden = _attack(cells, demo)
    recovered = [(true, low, high) for true, low, high in hidden if low == high]
    print(  # the figures for docs/decisions/0051 (pytest -s shows them)
        f"{combos} filter combinations, {len(cells)} distinct cells, {unknowns} unknowns, "
        f"{len(hidden)} hidden cells, {len(recovered)} recovered"
    )
    assert combos > 5_000 and hidden, "the attack must see the whole review and some hidden cells"
    assert all(low <= true <= high for true, low, high in hidden), "the attack's model must hold the truth"
    assert recovered == []


# --- the co-operative commissioner's views by member (decision 0083) ------------------------

Cell = frozenset[str]  # records as "kind:id", so each figure is worked out with the record keys it has
ATTACK_COMMISSIONER = "attack@coop.test"


class _Published:
    """Every cell published anywhere, each with its figure, and the cells whose row says "someone"."""

    def __init__(self, dz: Disclosure) -> None:
        self.dz = dz
        self.cells: dict[Cell, str] = {}
        self.someone: set[Cell] = set()
        self.by_member: set[Cell] = set()  # cells the views by member publish
        self.single: set[Cell] = set()  # cells the single-authority review publishes
        self.member_view = False  # what `add` is adding now

    def add(self, records: Iterable[str], someone: bool = False) -> str:
        members = frozenset(records)
        if not members:
            return self.dz.text(Tally())
        (self.by_member if self.member_view else self.single).add(members)
        if members not in self.cells:
            self.cells[members] = self.dz.text(total(self.dz.one(*r.split(":", 1)) for r in members))
        if someone:
            self.someone.add(members)
        return self.cells[members]

    def parts(self, records: list[tuple[str, int, int]], someone: bool = False) -> str:
        """A row of the location and trends tables: everyone, and by distance and by location."""
        shown = self.add((r for r, _, _ in records), someone)
        for k in (0, 1):
            self.add(r for r, distance, _ in records if distance == k)
            self.add(r for r, _, location in records if location == k)
        return shown


def _shown(f: capacity.Filters) -> list[str]:
    """The members the views by member show under a filter (sharing, or the one asked for)."""
    if f.authority:
        return [f.authority] if f.authority in SHARING_SUFFICIENCY else []
    return list(SHARING_SUFFICIENCY)


def _safe_options(referrals: list[Any], today: date) -> dict[str, dict[str, bool]]:
    """Each authority's pool: whether each open referral has a safe option in it (as each views it)."""
    codes = sorted({r.authority_code for r in referrals})
    return {
        code: {ref: n > 0 for ref, n in capacity.engine_view(referrals, today, code).options.items()} for code in codes
    }


def _published_under(view: str, authorities: list[str]) -> list[capacity.Filters]:
    """The distinct filters `view` publishes its tables under, over every combination a person can ask
    for: the product's own `view_filters` decides (location, trends and equality: none, decision 0083)."""
    bands = [()] + [combo for k in range(1, len(BAND_KEYS) + 1) for combo in combinations(BAND_KEYS, k)]
    asked = (
        capacity.Filters(setting, specialism, tuple(chosen), authority)
        for setting in ("", *SETTINGS)
        for specialism in ("", *SPECIALISMS)
        for chosen in bands
        for authority in ("", *authorities)
    )
    return sorted({capacity.view_filters(view, f) for f in asked}, key=repr)


def _waiting_cells(out: _Published, referrals: list[Any], today: date, authorities: list[str]) -> None:
    """Equality's waiting tables, single-authority (any viewer's pool) and by member (each member's pool)."""
    options = _safe_options(referrals, today)
    for f in _published_under("equality", authorities):
        found = capacity.demand(f, referrals, today)
        matched = {ref for refs in found.waiting.values() for ref in refs}
        people = [
            (
                f"young_person:{yp.reference}",
                r.authority_code,
                yp,
                batch_case.qualified(r.authority_code, r.reference),
            )
            for r in found.referrals
            for yp in r.young_people
            if yp.reference in matched
        ]
        for key, _, groups in capacity.DIMENSIONS:

            def group(yp: Any, key: str = key) -> str:
                return capacity.group_of(key, yp.ethnicity, yp.sex, age_on(yp.date_of_birth, today))

            for g in [*groups, None]:
                within = [p for p in people if g is None or group(p[2]) == g]
                # The single-authority review, as a commissioner of each authority sees it.
                out.member_view = False
                out.add(r for r, *_ in within)
                for pool in options.values():
                    out.add(r for r, _, _, q in within if pool.get(q))
                    out.add(r for r, _, _, q in within if not pool.get(q))
                # By member: each member's pool for its own referrals; and all sharing together.
                out.member_view = True
                # By member: each member's own pool for its own referrals.
                for code in _shown(f):
                    theirs = [p for p in within if p[1] == code]
                    out.add(r for r, *_ in theirs)
                    out.add(r for r, a, _, q in theirs if options[a].get(q))
                    out.add(r for r, a, _, q in theirs if not options[a].get(q))


def _placed_cells(out: _Published, today: date, authorities: list[str]) -> None:
    """Placement location and equality's placed tables: single-authority and by member."""
    dz = out.dz
    rows = capacity_repository.current_placements()
    for f in _published_under("location", authorities):
        placed = capacity.placed_children(rows, f, today, dz)

        def records(group: Iterable[capacity.Placed]) -> list[tuple[str, int, int]]:
            return [(f"young_person:{p.reference}", p.distance, p.location) for p in group]

        out.member_view = False
        out.parts(records(placed))
        # Rows shown only for authorities and settings with someone placed (the location page).
        for code in {p.responsible for p in placed}:
            out.parts(records(p for p in placed if p.responsible == code), someone=True)
        for s in {p.setting for p in placed}:
            out.parts(records(p for p in placed if p.setting == s), someone=True)
        for key, _, groups in capacity.DIMENSIONS:
            for g in groups:
                out.parts(records(p for p in placed if capacity.group_of(key, p.ethnicity, p.sex, p.age) == g))
        out.member_view = True
        shown = _shown(f)
        # The sharing members together: the total of the table by member.
        out.parts(records(p for p in placed if p.responsible in shown))
        for code in shown:
            theirs = [p for p in placed if p.responsible == code]
            out.parts(records(theirs))
            for s in SETTINGS:
                out.parts(records(p for p in theirs if p.setting == s))
            for key, _, groups in capacity.DIMENSIONS:
                for g in groups:
                    out.parts(records(p for p in theirs if capacity.group_of(key, p.ethnicity, p.sex, p.age) == g))


def _trend_cells(out: _Published, today: date, authorities: list[str]) -> None:
    """Trends by month: single-authority and by member, for every period of 6 to 60 months."""
    dz = out.dz
    longest = months_back(today, capacity.MAX_MONTHS)
    first = date(int(longest[0][:4]), int(longest[0][5:]), 1)
    for source in ("decisions", "episodes"):
        # SSDA903 episodes carry no specialism or age band: those filters do not apply to them.
        for f in _published_under("trends", authorities):
            if source == "decisions":
                started = capacity_trends.started_by_decision(f, first, dz)
                kind = "placed_by_decision"
            else:
                started = capacity_trends.started_in_episodes(f, first, today, dz)
                kind = "care_episode"
            shown = _shown(f)
            blocks = [[m] for m in shown]  # each month by member; no month for all together

            def records(group: Iterable[capacity_trends.Started]) -> list[tuple[str, int, int]]:
                return [(f"{kind}:{s.ident}", s.distance, s.location) for s in group]  # noqa: B023

            for month in longest:
                in_month = [s for s in started if s.month == month]
                out.member_view = False
                out.parts(records(in_month))
                out.member_view = True
                for block in blocks:
                    out.add(r for r, _, _ in records(s for s in in_month if s.authority in block))
            seen: set[frozenset[str]] = set()
            for k in range(6, capacity.MAX_MONTHS + 1):
                window = set(longest[-k:])
                within = [s for s in started if s.month in window]
                if frozenset(s.ident for s in within) in seen:
                    continue  # the same records as a shorter period: the same cells
                seen.add(frozenset(s.ident for s in within))
                out.member_view = False
                out.parts(records(within))
                out.member_view = True
                for block in [*blocks, shown]:  # each member and the sharing members' total
                    out.parts(records(s for s in within if s.authority in block))


def _anchor(out: _Published, app: Flask, today: date) -> int:
    """The attack's cells are the published ones: the service's own tables give the same figures."""
    checked = 0
    with app.app_context():
        stored = users.find_user_by_email(ATTACK_COMMISSIONER)
        assert stored is not None
        user = accounts.signed_in(stored)
        names = {a.gss_code: a.name for a in authority_repository.list_authorities()}
        rows = capacity_repository.current_placements()
        for asked in (capacity.Filters(), capacity.Filters("foster", "", ("14_15", "16_17"), "")):
            # What a person asks for, and what the view publishes under it (decision 0083).
            f = capacity.view_filters("location", asked)
            placed = capacity.placed_children(rows, f, today, out.dz)
            tables = capacity_members.member_tables(user, "location", asked, today).tables
            for row in tables["location_members"].rows:
                code = next(c for c in SHARING_SUFFICIENCY if names[c] == row[0])
                records = frozenset(f"young_person:{p.reference}" for p in placed if p.responsible == code)
                assert row[1] == (out.cells.get(records) or "c")
                checked += 1
            totals = tables["location_members"].totals
            assert totals is not None
            everyone = frozenset(f"young_person:{p.reference}" for p in placed if p.responsible in _shown(f))
            assert totals[1] == (out.cells.get(everyone) or "c")
    return checked


@pytest.fixture(scope="module")
def coop_commissioner(demo: Flask) -> Flask:
    with demo.app_context():
        accounts.create_user(
            ATTACK_COMMISSIONER,
            "Commissioner",
            "cooperative_commissioner",
            SHARING_SUFFICIENCY[0],
            "correct horse battery staple 1",
            organisation_code=COOPERATIVE,
        )
        db.commit()
    return demo


@dataclass(frozen=True)
class _Outcome:
    """The attack on everything published, and on the single-authority review alone."""

    cells: int
    by_member_only: int  # cells only the views by member publish
    unknowns: int
    hidden: dict[Cell, tuple[int, int, int]]  # every `c`: (true count, fewest, most)
    groups: set[Cell]  # the attacker's unknowns with the views by member
    groups_single: set[Cell]  # ... and from the single-authority review alone
    pinned: dict[Cell, int]  # unknowns whose count everything published pins
    pinned_single: dict[Cell, int]
    anchored: int


def _run(cells: dict[Cell, str], app: Flask, someone: set[Cell]) -> tuple[int, dict[Cell, tuple[int, int, int]]]:
    unknowns, results = _attack(cells, app, frozenset(someone & cells.keys()))
    hidden = [c for c, shown in cells.items() if shown == "c"]
    return unknowns, dict(zip(hidden, results, strict=True))


@pytest.fixture(scope="module")
def outcome(coop_commissioner: Flask) -> _Outcome:
    """Every cell the capacity review and the views by member publish, attacked with and without the latter."""
    app = coop_commissioner
    waiting_cells, _ = _published_cells(app)
    with app.app_context():
        dz = protection()
        today = date.today()
        out = _Published(dz)
        for members, shown in waiting_cells.items():
            cell = frozenset(f"young_person:{r}" for r in members)
            out.cells[cell] = shown
            out.single.add(cell)  # the overview's cells (the gap view's total included: see 0082)
        referrals = capacity_repository.open_referrals()
        codes = sorted({r.authority_code for r in referrals})
        _waiting_cells(out, referrals, today, codes)
        placed_codes = sorted({r.responsible_authority for r in capacity_repository.current_placements()})
        _placed_cells(out, today, placed_codes)
        _trend_cells(out, today, codes)
    anchored = _anchor(out, app, today)
    unknowns, hidden = _run(out.cells, app, out.someone)
    someone = frozenset(out.someone)
    groups, pinned = _pinned_groups(out.cells, app, someone)
    single = {c: out.cells[c] for c in out.cells if c in out.single}
    groups_single, pinned_single = _pinned_groups(single, app, someone & single.keys())
    print(  # the figures for docs/decisions/0083 (pytest -s shows them)
        f"{len(out.cells)} distinct cells ({len(out.cells.keys() - out.single)} by member only, "
        f"{len(out.someone)} shown only when someone is in them), {unknowns} unknowns, {len(hidden)} hidden, "
        f"{sum(1 for _, lo, hi in hidden.values() if lo == hi)} recovered; unknowns pinned: {len(pinned)} of "
        f"{len(groups)} with the views by member, {len(pinned_single)} of {len(groups_single)} from the "
        f"single-authority review alone; {anchored} rows anchored"
    )
    return _Outcome(
        len(out.cells),
        len(out.cells.keys() - out.single),
        unknowns,
        hidden,
        groups,
        groups_single,
        pinned,
        pinned_single,
        anchored,
    )


def test_the_views_by_member_reveal_nothing_the_single_authority_review_does_not(outcome: _Outcome) -> None:
    """Adding every table by member (pages and downloads) to what is published pins no further count.

    The attacker has every figure of children the capacity review and the co-operative's views
    by member publish (downloads are the same tables, built by the same function): waiting
    (overview and equality, safe options as each authority's pool judges them), placed now
    (location and equality, by authority, setting and group, within 20 miles or not, inside
    or outside), and placements started (trends from decisions and SSDA903 episodes, each
    month and every period of 6 to 60 months), each by member and for all sharing members, under
    every filter combination a person can ask for (which three of the views do not apply); and
    knows which rows a table leaves out when nobody is in them.
    What the attacker can learn is the count of each group of children falling in exactly the
    same cells: with the views by member it learns no group's count that the single-authority
    review does not already give (and, since decision 0083, the review gives none away: below).
    """
    assert outcome.hidden and outcome.anchored >= 2 * len(SHARING_SUFFICIENCY) and outcome.by_member_only
    assert all(low <= true <= high for true, low, high in outcome.hidden.values()), "the model must hold the truth"
    # The views by member split no group of children further (every figure of theirs is a cell
    # already published or a union of such groups), and pin no group's count that was not pinned.
    assert outcome.groups == outcome.groups_single
    assert outcome.pinned == outcome.pinned_single, "the views by member give away a count not given away before"


def test_differencing_across_every_view_recovers_no_hidden_count(outcome: _Outcome) -> None:
    """No `c` anywhere in the capacity review or the views by member can be worked out.

    It failed while location, trends and equality took the overview's filters: that attack
    recovered 1,212 of 1,255 hidden cells (1,192 of the single-authority review's 1,235 alone).
    Those views are now published for every child only (decision 0083)."""
    assert [c for c, (_, low, high) in outcome.hidden.items() if low == high] == []
