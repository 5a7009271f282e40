"""Scenarios: what more places, of a kind and where, would change for the children waiting now.

The batch allocation (`planner.assign`, CP-SAT) is run twice over every open referral
in the consortium: against the live pool as it is ("before"), and with the extra
places added ("after"). Each extra place sits at a postcode from the offline lookup,
or, without one, at the authority's neighbourhood farthest from the gang-affected
areas (`planner.siting`; its reference point where the table has no neighbourhoods).
Foster and supported places are single-place households or flats (the usual fostering
limit makes a five-place foster home no answer); a children's home or secure home line
is one home with that many places.

Nothing is stored: a scenario is asked, answered and gone (only an audit event that
one was run, with the number of lines). The figures are counts of children, so they
go through the same protection as every other count on these pages (the same children
give the same figure here as on the overview).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from planner.assign import Assignment, assign
from planner.case import EXPLOITATION_RISKS, SETTINGS, SPECIALISMS, Area
from planner.constraints import REASON_CODES
from planner.dfe import DFE_FAR_FROM_HOME_MILES, IN_AREA, miles_from_coordinates, placement_location
from planner.disclosure import SUPPRESSED, Disclosure, Tally
from planner.evaluation import evaluate_referral
from planner.explain import CODE_WORDS
from planner.siting import neighbourhood_points, safest_point
from planner.wording import SETTING_WORDS, words
from web import db
from web.accounts.services.accounts import SignedInUser
from web.capacity.repositories import capacity as repository
from web.capacity.services.capacity import notes, require_viewer
from web.capacity.services.capacity_figures import Split, combined, protection
from web.capacity.services.capacity_tables import PublishedTable, table
from web.jobs.services import jobs
from web.matching.services import batch_case
from web.shared.repositories import authorities as authority_repository
from web.shared.services import audit, postcodes
from web.shared.services.errors import InvalidInput, NotFound

LINES = 4
MAX_PLACES = 50
_SINGLE_PLACE_SETTINGS = ("foster", "supported")
NEW_PREFIX = "NEW"


@dataclass(frozen=True)
class ExtraLine:
    places: int
    setting: str
    specialisms: tuple[str, ...]
    authority: str
    postcode: str
    age_min: int
    age_max: int
    lat: float
    lon: float
    sited: bool = False  # placed at the authority's point farthest from the gang-affected areas

    def describe(self, names: Mapping[str, str]) -> str:
        kind = SETTING_WORDS[self.setting].lower()
        offering = f", offering {', '.join(words(s) for s in self.specialisms)}" if self.specialisms else ""
        if self.postcode:
            where = f"at {postcodes.display(self.postcode)}"
        elif self.sited:
            where = "at its neighbourhood farthest from the gang-affected areas"
        else:
            where = "at its reference point"
        return (
            f"{self.places} {kind} place{'s' if self.places != 1 else ''} for ages {self.age_min} to "
            f"{self.age_max}{offering}, in {names.get(self.authority, self.authority)} ({where})"
        )


def empty_form() -> dict[str, Any]:
    return {f"line-{i}-{k}": v for i in range(1, LINES + 1) for k, v in (("age_min", "0"), ("age_max", "17"))}


def parse_lines(form: Mapping[str, Any]) -> list[ExtraLine]:
    """The extra capacity asked for; every problem is named by its field id at once."""
    problems: dict[str, str] = {}
    known = {a.gss_code: a for a in authority_repository.list_authorities()}
    lines: list[ExtraLine] = []
    for i in range(1, LINES + 1):
        key = f"line-{i}-"
        raw_places = str(form.get(key + "places") or "").strip()
        if not raw_places:
            continue
        label = f"Line {i}"
        places = 0
        if not (raw_places.isascii() and raw_places.isdigit()) or not 1 <= int(raw_places) <= MAX_PLACES:
            problems[key + "places"] = f"{label}: places must be a whole number from 1 to {MAX_PLACES}"
        else:
            places = int(raw_places)
        setting = str(form.get(key + "setting") or "")
        if setting not in SETTINGS:
            problems[key + "setting"] = f"{label}: choose a setting"
        raw_specialisms = form.get(key + "specialisms") or []
        specialisms = [raw_specialisms] if isinstance(raw_specialisms, str) else list(raw_specialisms)
        if any(s not in SPECIALISMS for s in specialisms):
            problems[key + "specialisms"] = f"{label}: choose specialisms from the list"
        authority = str(form.get(key + "authority") or "")
        if authority not in known:
            problems[key + "authority"] = f"{label}: choose an authority"
        ages: list[int] = []
        for bound in ("age_min", "age_max"):
            raw = str(form.get(key + bound) or "").strip()
            if not (raw.isascii() and raw.isdigit()) or not 0 <= int(raw) <= 17:
                problems[key + bound] = f"{label}: {'youngest' if bound == 'age_min' else 'eldest'} age must be 0 to 17"
            else:
                ages.append(int(raw))
        if len(ages) == 2 and ages[0] > ages[1]:
            problems[key + "age_max"] = f"{label}: the eldest age cannot be below the youngest"
        postcode = str(form.get(key + "postcode") or "").strip()
        point: tuple[float, float] | None = None
        if postcode:
            if not postcodes.is_well_formed(postcode):
                problems[key + "postcode"] = f"{label}: enter a postcode like M1 1AE, or leave it empty"
            else:
                point = postcodes.resolve(postcode)
                if point is None:
                    problems[key + "postcode"] = (
                        f"{label}: postcode {postcodes.display(postcode)} is not in the postcode lookup; leave it "
                        "empty to use the authority's reference point"
                    )
        elif authority in known:
            point = (known[authority].lat, known[authority].lon)
        if (
            point is not None
            and places
            and setting in SETTINGS
            and len(ages) == 2
            and key + "authority" not in problems
        ):
            lines.append(
                ExtraLine(
                    places,
                    setting,
                    tuple(s for s in SPECIALISMS if s in specialisms),
                    authority,
                    postcodes.compact(postcode) if postcode else "",
                    ages[0],
                    ages[1],
                    point[0],
                    point[1],
                )
            )
    if not problems and not lines:
        problems["line-1-places"] = "Add places on at least one line"
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    return lines


def _sited(line: ExtraLine, areas: Sequence[Area], today: date) -> ExtraLine:
    """A line without a postcode goes where a commissioner would look: away from the areas."""
    if line.postcode:
        return line
    point = safest_point(neighbourhood_points(line.authority), areas, today)
    if point is None:
        return line
    return replace(line, lat=point[0], lon=point[1], sited=True)


def extra_placements(lines: Sequence[ExtraLine]) -> list[dict[str, Any]]:
    """The lines as placements in the case format (ids NEW-<line>-<n>)."""
    out: list[dict[str, Any]] = []
    for i, line in enumerate(lines, start=1):
        homes = [1] * line.places if line.setting in _SINGLE_PLACE_SETTINGS else [line.places]
        for n, size in enumerate(homes, start=1):
            out.append(
                {
                    "id": f"{NEW_PREFIX}-{i}-{n}",
                    "label": f"Scenario place {i}.{n}",
                    "setting": line.setting,
                    "lat": line.lat,
                    "lon": line.lon,
                    "vacancies": size,
                    "capacity": size,
                    "age_min": line.age_min,
                    "age_max": line.age_max,
                    "specialisms": list(line.specialisms),
                    "specialist": bool(EXPLOITATION_RISKS.intersection(line.specialisms)),
                    "residents": [],
                    "la_code": line.authority,
                }
            )
    return out


@dataclass(frozen=True)
class Outcome:
    """One allocation, counted: young people placed or not, by authority; distances of those placed."""

    status: str
    seconds: float
    # Young people by responsible authority, split into placed and not placed.
    by_authority: dict[str, Split]
    referrals_placed: Tally
    # Those placed: distance (within 20 miles, further) and location (inside, outside, not known).
    placed: Split
    total_miles: float
    new_places_used: Tally


def _outcome(document: dict[str, Any], result: Assignment, dz: Disclosure) -> Outcome:
    placements = {p["id"]: p for p in document["placements"]}
    chosen = {m.referral_id: m.placement_id for m in result.matches}
    by_authority: dict[str, Split] = {}
    placed = Split((2, 3))
    referrals_placed = used = Tally()
    total_miles = 0.0
    for referral in document["referrals"]:
        authority = referral.get("la_code") or ""
        split = by_authority.setdefault(authority, Split((2,)))
        where = chosen.get(referral["id"])
        if where is not None:
            referrals_placed += dz.one("referral", referral["id"])
        for person in referral["young_people"]:
            child = dz.one("young_person", person["id"])
            if where is None:
                split.add(child, (1,))
                continue
            split.add(child, (0,))
            p = placements[where]
            miles = miles_from_coordinates(person["home"]["lat"], person["home"]["lon"], p["lat"], p["lon"])
            total_miles += miles
            location = 2
            if p.get("la_code") and authority:
                location = 0 if placement_location(authority, p["la_code"]) == IN_AREA else 1
            placed.add(child, (1 if miles > DFE_FAR_FROM_HOME_MILES else 0, location))
            if where.startswith(NEW_PREFIX + "-"):
                used += child
    return Outcome(result.status, result.solve_seconds, by_authority, referrals_placed, placed, total_miles, used)


@dataclass(frozen=True)
class SummaryRow:
    measure: str
    before: str
    after: str
    change: str


@dataclass(frozen=True)
class ScenarioResult:
    lines: list[str]
    summary: list[SummaryRow]
    by_authority: PublishedTable
    suits: PublishedTable
    before_status: str
    after_status: str
    before_seconds: float
    after_seconds: float
    time_limit: float
    places_added: int
    notes: tuple[str, ...]


def _published(dz: Disclosure, tally: Tally) -> float:
    """The published count as a number (0 where hidden: a change is then `c` anyway)."""
    return float(dz.value(tally) or 0)


def _change(before: str, after: str, b: float, a: float, digits: int = 0) -> str:
    if SUPPRESSED in (before, after) or "z" in (before, after):
        return SUPPRESSED if SUPPRESSED in (before, after) else "z"
    delta = round(a - b, digits)
    text = f"{delta:+,.{digits}f}" if digits else f"{int(delta):+,}"
    return "0" if delta == 0 else text


def run_scenario(user: SignedInUser, form: Mapping[str, Any], today: date | None = None) -> ScenarioResult:
    """Allocate every open referral before and after adding the lines' places; counts only."""
    require_viewer(user)
    lines = parse_lines(form)
    today = today or date.today()
    dz = protection()
    names = {a.gss_code: a.name for a in authority_repository.list_authorities()}
    referrals = repository.open_referrals()
    if not referrals:
        raise InvalidInput(["There are no open referrals to allocate"], {"line-1-places": "No open referrals"})
    outcomes = []
    policy_limit = 0.0
    before_case = batch_case.build_case(referrals, today, batch=True, authority_code=user.authority_code)
    lines = [_sited(line, before_case.parsed.areas, today) for line in lines]
    extra = extra_placements(lines)
    for added in ([], extra):
        built = (
            before_case
            if not added
            else batch_case.build_case(
                referrals, today, batch=True, extra_placements=added, authority_code=user.authority_code
            )
        )
        policy_limit = built.policy.time_limit_seconds
        allocation = assign(built.world, built.parsed.referrals, built.policy)
        outcomes.append(_outcome(built.document, allocation, dz))
    suits = _who_the_places_suit(built, dz)
    before, after = outcomes
    audit.record(
        user.id, "run", "capacity_scenario", "consortium", detail=f"{len(lines)} lines, {len(extra)} placements"
    )
    db.commit()

    codes = sorted(set(before.by_authority) | set(after.by_authority), key=lambda c: names.get(c, c))
    none = Split((2,))
    befores = [before.by_authority.get(c, none) for c in codes]
    afters = [after.by_authority.get(c, none) for c in codes]
    rows = [
        (
            names.get(c, c),
            dz.text(b.total),
            b.text(dz, 0, 0),
            a.text(dz, 0, 0),
            _change(b.text(dz, 0, 0), a.text(dz, 0, 0), _published(dz, b.parts[0][0]), _published(dz, a.parts[0][0])),
        )
        for c, b, a in zip(codes, befores, afters, strict=True)
    ]
    everyone_before, everyone_after = combined(befores, (2,)), combined(afters, (2,))
    totals = (
        "All",
        dz.text(everyone_before.total),
        everyone_before.text(dz, 0, 0),
        everyone_after.text(dz, 0, 0),
        _change(
            everyone_before.text(dz, 0, 0),
            everyone_after.text(dz, 0, 0),
            _published(dz, everyone_before.parts[0][0]),
            _published(dz, everyone_after.parts[0][0]),
        ),
    )
    by_authority = table(
        "scenario_authorities",
        "Young people placed by the allocation, by responsible authority",
        ("Responsible authority", "Young people waiting", "Placed before", "Placed after", "Change"),
        rows,
        totals=totals,
        notes=notes(),
    )

    summary: list[SummaryRow] = []
    sides = []
    for everyone, o in ((everyone_before, before), (everyone_after, after)):
        placed = everyone.parts[0][0]
        shown_placed = dz.value(placed)
        sides.append(
            {
                "placed": (dz.text(placed), _published(dz, placed)),
                "unplaced": (everyone.text(dz, 0, 1), _published(dz, everyone.parts[0][1])),
                "far": (o.placed.text(dz, 0, 1), _published(dz, o.placed.parts[0][1])),
                "far_rate": (dz.rate(o.placed.parts[0][1], placed), 0.0),
                "outside": (o.placed.text(dz, 1, 1), _published(dz, o.placed.parts[1][1])),
                "outside_rate": (dz.rate(o.placed.parts[1][1], placed), 0.0),
                "mean": (
                    SUPPRESSED
                    if shown_placed is None
                    else ("z" if not placed.n else f"{o.total_miles / placed.n:.1f}"),
                    o.total_miles / placed.n if placed.n else 0.0,
                ),
                "referrals_placed": (dz.text(o.referrals_placed), _published(dz, o.referrals_placed)),
                "used": (dz.text(o.new_places_used), _published(dz, o.new_places_used)),
            }
        )
    for key, measure, digits in (
        ("referrals_placed", "Referrals placed", 0),
        ("placed", "Young people placed", 0),
        ("unplaced", "Young people with no placement", 0),
        ("far", "Placed more than 20 miles from home", 0),
        ("far_rate", "Placed more than 20 miles from home (% of those placed)", -1),
        ("outside", "Placed outside their authority", 0),
        ("outside_rate", "Placed outside their authority (% of those placed)", -1),
        ("mean", "Mean distance from home of those placed (miles)", 1),
        ("used", "Young people placed in the added places", 0),
    ):
        b, a = sides[0][key], sides[1][key]
        if digits < 0:
            change = "z" if "z" in (b[0], a[0]) else (SUPPRESSED if SUPPRESSED in (b[0], a[0]) else _points(b[0], a[0]))
        else:
            change = _change(b[0], a[0], b[1], a[1], digits)
        summary.append(SummaryRow(measure, b[0], a[0], change))
    return ScenarioResult(
        [line.describe(names) for line in lines],
        summary,
        by_authority,
        suits,
        before.status,
        after.status,
        round(before.seconds, 2),
        round(after.seconds, 2),
        policy_limit,
        sum(line.places for line in lines),
        (
            "The batch allocation places as many young people as it can, most urgent first, then by the best "
            "total score; every hard rule of a ranking applies. Optimal: proven the best allocation. Feasible: "
            "the best found within the time limit, not proven.",
            *notes(),
        ),
    )


def _who_the_places_suit(built: batch_case.BuiltCase, dz: Disclosure) -> PublishedTable:
    """For how many open referrals some added place passes every hard rule, and what rules out the rest."""
    added = np.array([i for i, p in enumerate(built.world.placements) if p.id.startswith(NEW_PREFIX + "-")])
    suited = Tally()
    excluding: dict[str, Tally] = {}
    for referral in built.parsed.referrals:
        found = evaluate_referral(built.world, referral, built.policy)
        record = dz.one("referral", referral.id)
        if np.isin(found.feasible, added).any():
            suited += record
            continue
        for code in REASON_CODES:
            if bool(found.fails[code][added].all()):
                excluding[code] = excluding.get(code, Tally()) + record
    rows = [("Some added place passes every hard rule", dz.text(suited))]
    rows += [
        (f"Every added place excluded by: {CODE_WORDS[code]}", dz.text(excluding[code]))
        for code in REASON_CODES
        if code in excluding
    ]
    return table(
        "scenario_suits",
        "Open referrals the added places would suit",
        ("Added places and the open referrals", "Referrals"),
        rows,
        notes=(
            "Each open referral checked against the added places alone, by the hard rules of a ranking. A referral "
            "counts under every rule that excludes all the added places for it. The allocation may still place a "
            "referral elsewhere when an added place suits it.",
            *notes(),
        ),
    )


def _points(before: str, after: str) -> str:
    b, a = float(before.rstrip("%")), float(after.rstrip("%"))
    delta = a - b
    if math.isclose(delta, 0.0):
        return "0 points"
    return f"{delta:+.0f} points"


SCENARIO_TABLES = ("summary", "suits", "by_authority")


def scenario_table(result: ScenarioResult, key: str) -> PublishedTable:
    """One of the scenario's tables as published, for a CSV or Excel download (same protection)."""
    if key == "summary":
        return table(
            "summary",
            f"Allocation of every open referral, before and after adding {result.places_added} places",
            ("Measure", "Before", "After", "Change"),
            [(r.measure, r.before, r.after, r.change) for r in result.summary],
            notes=(*result.lines, *result.notes),
        )
    if key == "suits":
        return result.suits
    if key == "by_authority":
        return result.by_authority
    raise NotFound(key)


def result_to_dict(result: ScenarioResult) -> dict[str, Any]:
    """A scenario's result as JSON (aggregates only, already protected), to keep on its job."""
    return asdict(result)


def result_from_dict(data: Mapping[str, Any]) -> ScenarioResult:
    def published(t: Mapping[str, Any]) -> PublishedTable:
        return table(
            t["key"],
            t["title"],
            t["headings"],
            t["rows"],
            labels=t["labels"],
            totals=t["totals"],
            notes=t["notes"],
        )

    return ScenarioResult(
        list(data["lines"]),
        [SummaryRow(**row) for row in data["summary"]],
        published(data["by_authority"]),
        published(data["suits"]),
        data["before_status"],
        data["after_status"],
        data["before_seconds"],
        data["after_seconds"],
        data["time_limit"],
        data["places_added"],
        tuple(data["notes"]),
    )


@jobs.handler(
    "capacity_scenario",
    "Capacity scenario",
    result_page=lambda job_id, _result: ("capacity.scenario_result", {"job_id": job_id}),
)
def scenario_job(user: SignedInUser, params: dict[str, Any], progress: jobs.Progress) -> jobs.Outcome:
    """A scenario as a job: two allocations of every open referral, then the published tables."""
    progress(5, "Allocating every open referral, before and after")
    return jobs.Outcome(result=result_to_dict(run_scenario(user, params)))


def start_scenario(user: SignedInUser, form: Mapping[str, Any]) -> int:
    """Check the lines (a problem is `InvalidInput` naming the field, nothing queued), then queue the scenario."""
    require_viewer(user)
    parse_lines(form)
    return jobs.start(user, "capacity_scenario", {k: v for k, v in form.items() if k != "csrf_token"})


def stored_result(user: SignedInUser, job_id: int) -> ScenarioResult:
    require_viewer(user)
    return result_from_dict(jobs.result(user, job_id, "capacity_scenario"))
