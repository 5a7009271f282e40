"""The commissioners' capacity review: where demand outruns supply, and for whom.

Commissioners hold the sufficiency duty (Children Act 1989 s22G). They see aggregates
only: counts of children, never a child's record, a reference or anything that leads
to one. Every count of children is a tally of records put through one protection
(`planner.disclosure`, cell-key perturbation): the same children give the same figure on
every page, filter and download, each figure is moved by a small secret amount so that
differences between filters give nothing back, and small counts show as `c`.
Counts of places (capacity, vacancies) describe placements, not children, and show as
they are, as the placement supply page shows them.

Who may see: commissioners and admins (`VIEW_ROLES`); everyone else is refused (403).
The review spans the whole consortium pool: a commissioner plans the region's supply.

Demand is the young people on open referrals; supply is the active placements. A young
person counts under a filter when their referral has not marked the setting unsuitable,
asks for the specialism (required or preferred) or they carry it as a risk, and their
age is in one of the age bands chosen. A placement counts when it is of the setting,
offers the specialism and takes some age in the bands. Authorities: demand by the
responsible authority, supply by where the placement is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from planner.capacity import (
    AGE_BAND_WORDS,
    AGE_BANDS,
    ETHNICITY_GROUPS,
    SEX_GROUPS,
    age_band,
    band_overlaps,
    ethnicity_group,
    quartiles,
    sex_group,
)
from planner.case import SETTINGS, SPECIALISMS
from planner.constraints import REASON_CODES
from planner.dfe import DFE_FAR_FROM_HOME_MILES, IN_AREA, miles_from_coordinates, placement_location
from planner.disclosure import SUPPRESSED, Disclosure, Tally
from planner.evaluation import evaluate_referral
from planner.explain import CODE_WORDS
from planner.wording import SETTING_WORDS, words
from web.accounts.services.accounts import SignedInUser
from web.capacity.repositories import capacity as repository
from web.capacity.services.capacity_england import latest_far, latest_outside
from web.capacity.services.capacity_figures import Split, combined, protection, threshold, total
from web.capacity.services.capacity_tables import (
    NOT_APPLICABLE_NOTE,
    PERTURBATION_NOTE,
    SUPPRESSION_NOTE,
    PublishedTable,
    table,
)
from web.matching.services import batch_case
from web.models import LocalAuthority, Placement, Referral
from web.shared.repositories import authorities as authority_repository
from web.shared.services.errors import Forbidden, InvalidInput
from web.shared.services.people import age_on

VIEW_ROLES = ("commissioner", "admin")
MAX_MONTHS = 60
DEFAULT_MONTHS = 12
DISTANCE_PARTS = ("Within 20 miles", "More than 20 miles", "Distance not known")
LOCATION_PARTS = ("Inside the authority", "Outside the authority", "Location not known")


def require_viewer(user: SignedInUser) -> None:
    if user.role not in VIEW_ROLES:
        raise Forbidden("the capacity review is for commissioners")


def notes() -> tuple[str, ...]:
    return (SUPPRESSION_NOTE.format(n=threshold()), PERTURBATION_NOTE, NOT_APPLICABLE_NOTE)


# --- filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    setting: str = ""
    specialism: str = ""
    bands: tuple[str, ...] = ()
    authority: str = ""
    months: int = DEFAULT_MONTHS

    def query(self) -> dict[str, Any]:
        """The filters as query-string arguments (for links to downloads and other pages)."""
        out: dict[str, Any] = {"months": self.months}
        if self.setting:
            out["setting"] = self.setting
        if self.specialism:
            out["specialism"] = self.specialism
        if self.bands:
            out["band"] = list(self.bands)
        if self.authority:
            out["authority"] = self.authority
        return out

    def describe(self, names: Mapping[str, str]) -> str:
        parts = []
        if self.setting:
            parts.append(SETTING_WORDS[self.setting].lower())
        if self.specialism:
            parts.append(f"specialism or risk: {words(self.specialism)}")
        if self.bands:
            parts.append("aged " + ", ".join(AGE_BAND_WORDS[b].lower() for b in self.bands))
        if self.authority:
            parts.append(names.get(self.authority, self.authority))
        return "; ".join(parts) if parts else "everyone and every placement"


# The views published for every child only, whatever filters are asked for (decision 0083): under
# the overview's filters their rows split the same few children into many overlapping cells, and
# an attack differencing them all recovered 1,192 of 1,235 hidden counts. Unfiltered, it recovers
# none. The trends keep their period (months), which the attack covers.
UNFILTERED_VIEWS = ("location", "equality", "trends")


def view_filters(view: str, f: Filters) -> Filters:
    """The filters `view` is published under: the overview's all of them, the others none."""
    return Filters(months=f.months) if view in UNFILTERED_VIEWS else f


def parse_filters(args: Mapping[str, Any]) -> Filters:
    """Filters from the query string; a value that is not one of the choices is `InvalidInput`."""
    problems: dict[str, str] = {}
    setting = str(args.get("setting") or "")
    if setting and setting not in SETTINGS:
        problems["setting"] = "Choose a setting from the list"
    specialism = str(args.get("specialism") or "")
    if specialism and specialism not in SPECIALISMS:
        problems["specialism"] = "Choose a specialism from the list"
    raw_bands = args.get("band") or []
    bands = [raw_bands] if isinstance(raw_bands, str) else list(raw_bands)
    if any(b not in AGE_BAND_WORDS for b in bands):
        problems["band"] = "Choose age bands from the list"
    authority = str(args.get("authority") or "")
    if authority and authority_repository.get_authority(authority) is None:
        problems["authority"] = "Choose an authority from the list"
    months = DEFAULT_MONTHS
    raw_months = str(args.get("months") or "").strip()
    if raw_months:
        if not (raw_months.isascii() and raw_months.isdigit()) or not 1 <= int(raw_months) <= MAX_MONTHS:
            problems["months"] = f"Months must be a whole number from 1 to {MAX_MONTHS}"
        else:
            months = int(raw_months)
    if problems:
        raise InvalidInput(list(problems.values()), problems)
    ordered = tuple(key for key, *_ in AGE_BANDS if key in bands)
    return Filters(setting, specialism, ordered, authority, months)


def choices() -> dict[str, Any]:
    """What the filter form offers."""
    return {
        "settings": [(s, SETTING_WORDS[s]) for s in SETTINGS],
        "specialisms": [(s, words(s).capitalize()) for s in SPECIALISMS],
        "bands": [(key, text) for key, text, _, _ in AGE_BANDS],
        "authorities": [(a.gss_code, a.name) for a in _authorities_in_view()],
    }


# --- matching --------------------------------------------------------------------------


def _person_matches(f: Filters, referral: Referral, age: int, risks: Iterable[str]) -> bool:
    if f.authority and referral.authority_code != f.authority:
        return False
    if f.setting and (referral.settings or {}).get(f.setting, "suitable") == "unsuitable":
        return False
    if f.specialism:
        asked = set(referral.required_specialisms or []) | set(referral.preferred_specialisms or [])
        if f.specialism not in asked and f.specialism not in set(risks):
            return False
    return not f.bands or age_band(age) in f.bands


def _placement_matches(f: Filters, p: Placement, authority_filter: bool = True) -> bool:
    if authority_filter and f.authority and p.authority_code != f.authority:
        return False
    if f.setting and p.setting != f.setting:
        return False
    if f.specialism and f.specialism not in (p.specialisms or []):
        return False
    return not f.bands or any(band_overlaps(b, p.age_min, p.age_max) for b in f.bands)


def _authorities_in_view() -> list[LocalAuthority]:
    """Authorities with a referral, a placement or an imported SSDA903 return: the consortium and its pool."""
    codes = {p.authority_code for p in repository.active_placements() if p.authority_code}
    codes |= {r.authority_code for r in repository.open_referrals()}
    codes |= repository.imported_episode_authorities()
    found = [a for a in authority_repository.list_authorities() if a.gss_code in codes]
    return sorted(found, key=lambda a: (a.region_name, a.name))


# --- the engine's view of open referrals ---------------------------------------------------


@dataclass(frozen=True)
class EngineView:
    """Each open referral's safe options against the live pool, and the rules that bind."""

    options: dict[str, int]  # qualified referral id (authority/reference) -> feasible placements
    binding: dict[str, tuple[str, ...]]  # for referrals with none: rules that alone removed the last options


def engine_view(
    referrals: Sequence[Referral], today: date, authority_code: str, user_id: int | None = None
) -> EngineView:
    """Rank every referral against the pool the viewer's authority may use (the same rules as a
    ranking), keeping counts only."""
    if not referrals:
        return EngineView({}, {})
    # Several authorities' referrals meet here, and references are unique only within an
    # authority: the case names each "authority/reference" (batch_case.qualified).
    built = batch_case.build_case(list(referrals), today, batch=True, authority_code=authority_code, qualify=True)
    # The view judged referrals against what other owners share: audited like a ranking.
    batch_case.audit_shared(built, user_id, "capacity", "engine view")
    options: dict[str, int] = {}
    binding: dict[str, tuple[str, ...]] = {}
    for parsed in built.parsed.referrals:
        found = evaluate_referral(built.world, parsed, built.policy)
        options[parsed.id] = len(found.feasible)
        if not len(found.feasible):
            failing = np.zeros(len(built.world), dtype=np.int64)
            for code in REASON_CODES:
                failing += found.fails[code]
            binding[parsed.id] = tuple(
                code for code in REASON_CODES if bool((found.fails[code] & (failing == 1)).any())
            ) or ("two_or_more",)
    return EngineView(options, binding)


def _decided_id(d: repository.DecisionRow, i: int) -> str:
    """A young person placed by a decision, as a record: the decision and the child."""
    person = d.person_references[i] if i < len(d.person_references) else i
    return f"{d.decision_id}:{person}"


# --- the overview ------------------------------------------------------------------------


@dataclass(frozen=True)
class GapBar:
    authority: str
    waiting: int | None  # None when suppressed
    waiting_text: str
    vacancies: int


@dataclass(frozen=True)
class MapPoint:
    code: str
    name: str
    lat: float
    lon: float
    waiting: int | None  # None when suppressed
    waiting_text: str
    vacancies: int


@dataclass(frozen=True)
class Overview:
    filters: Filters
    described: str
    headline: dict[str, str]
    tables: dict[str, PublishedTable]
    bars: list[GapBar]
    map_points: list[MapPoint]


def _supply_and_decided(
    f: Filters, placements: Iterable[Placement], decisions: Iterable[repository.DecisionRow], dz: Disclosure
) -> tuple[Counter[str], Counter[str], defaultdict[str, Tally]]:
    """Places and vacancies located in each authority, and the tally placed by each one's decisions."""
    places: Counter[str] = Counter()
    vacancies: Counter[str] = Counter()
    for p in placements:
        if p.authority_code and _placement_matches(f, p):
            places[p.authority_code] += p.capacity
            vacancies[p.authority_code] += p.vacancies

    decided: defaultdict[str, Tally] = defaultdict(Tally)
    for d in decisions:
        if f.authority and d.referral_authority != f.authority:
            continue
        if f.setting and d.placement_setting != f.setting:
            continue
        for i, (dob, risks, _, _) in enumerate(d.young_people):
            age = age_on(dob, d.decided_at.date())
            if f.bands and age_band(age) not in f.bands:
                continue
            if f.specialism and f.specialism not in set(d.asked_specialisms) | set(risks):
                continue
            decided[d.referral_authority] += dz.one("placed_by_decision", _decided_id(d, i))
    return places, vacancies, decided


@dataclass(frozen=True)
class MemberFigures:
    """The demand-against-supply table for some authorities: the same cells as the overview's."""

    table: PublishedTable
    bars: list[GapBar]


def gap_for(f: Filters, codes: Sequence[str], today: date) -> MemberFigures:
    """The overview's "demand against supply by authority" for `codes` only, with their total.

    Every row is the overview's own cell for that authority (the same children, so the same
    record keys and the same perturbed figure), so showing it again reveals nothing new; the
    total is a cell of its own (decision 0051). The caller decides whose rows may be seen.
    """
    dz = protection()
    names = {a.gss_code: a for a in authority_repository.list_authorities()}
    since = datetime.combine(today, datetime.min.time()) - timedelta(days=round(f.months * 30.4375))
    found = demand(f, repository.open_referrals(), today)
    waiting = _tallies(found.waiting, dz)
    places, vacancies, decided = _supply_and_decided(
        f, repository.active_placements(), repository.decisions_since(since), dz
    )
    ordered = sorted(
        codes, key=lambda c: (names[c].region_name if c in names else "", names[c].name if c in names else c)
    )
    table_, bars, _points = _gap_table(f, ordered, names, waiting, decided, places, vacancies, dz)
    return MemberFigures(table_, bars)


def overview(user: SignedInUser, f: Filters, today: date | None = None) -> Overview:
    """Demand against supply under the filters, with the engine's view of what binds."""
    require_viewer(user)
    today = today or date.today()
    dz = protection()
    names = {a.gss_code: a for a in authority_repository.list_authorities()}
    referrals = repository.open_referrals()
    placements = repository.active_placements()
    since = datetime.combine(today, datetime.min.time()) - timedelta(days=round(f.months * 30.4375))
    decisions = repository.decisions_since(since)

    found = demand(f, referrals, today)
    waiting = _tallies(found.waiting, dz)
    by_band = _tallies(found.by_band, dz)
    by_setting = _tallies(found.by_setting, dz)
    by_specialism = _tallies(found.by_specialism, dz)
    matched_referrals = found.referrals

    places, vacancies, decided = _supply_and_decided(f, placements, decisions, dz)

    codes = sorted(
        set(waiting) | set(places) | set(decided),
        key=lambda c: (names[c].region_name if c in names else "", names[c].name if c in names else c),
    )
    tables: dict[str, PublishedTable] = {}
    tables["gap"], bars, points = _gap_table(f, codes, names, waiting, decided, places, vacancies, dz)
    tables["regions"] = _region_table(codes, names, waiting, places, vacancies, dz)
    tables["age_bands"] = _dimension_table(
        "age_bands",
        "Young people waiting and places by age band",
        "Age band",
        [(key, text) for key, text, _, _ in AGE_BANDS],
        by_band,
        lambda key: [
            p for p in placements if _placement_matches(Filters(f.setting, f.specialism, (key,), f.authority), p)
        ],
        dz,
        partition=True,
    )
    tables["settings"] = _dimension_table(
        "settings",
        "Young people for whom each setting is suitable, and places in it",
        "Setting",
        [(s, SETTING_WORDS[s]) for s in SETTINGS],
        by_setting,
        lambda s: [p for p in placements if _placement_matches(Filters(s, f.specialism, f.bands, f.authority), p)],
        dz,
        partition=False,
    )
    shown_specialisms = [
        s for s in SPECIALISMS if by_specialism[s].n or any(s in (p.specialisms or []) for p in placements)
    ]
    tables["specialisms"] = _dimension_table(
        "specialisms",
        "Young people asking for or at risk of each specialism, and places offering it",
        "Specialism",
        [(s, words(s).capitalize()) for s in shown_specialisms],
        by_specialism,
        lambda s: [p for p in placements if _placement_matches(Filters(f.setting, s, f.bands, f.authority), p)],
        dz,
        partition=False,
    )
    tables["specialist_foster"] = _specialist_foster_table(f, placements, names)
    view = engine_view(matched_referrals, today, user.authority_code, user.id)
    tables["options"], tables["binding"], no_option = _engine_tables(view, matched_referrals, dz)
    tables["timing"] = _timing_table(f, decisions, dz)

    headline = {
        "waiting": dz.text(total(waiting.values())),
        "referrals": dz.text(total(dz.one("referral", r.reference) for r in matched_referrals)),
        "no_option": dz.text(no_option),
        "vacancies": f"{sum(vacancies.values()):,}",
        "places": f"{sum(places.values()):,}",
    }
    return Overview(f, f.describe({c: a.name for c, a in names.items()}), headline, tables, bars, points)


@dataclass(frozen=True)
class Demand:
    """The young people waiting under the filters: their references in each published cell."""

    waiting: dict[str, list[str]]  # responsible authority -> young people
    by_band: dict[str, list[str]]
    by_setting: dict[str, list[str]]  # a young person counts under every setting not unsuitable
    by_specialism: dict[str, list[str]]  # ... and every specialism asked for or risk carried
    referrals: list[Referral]


def demand(f: Filters, referrals: Sequence[Referral], today: date) -> Demand:
    """Who is waiting under the filters, cell by cell (the records the published counts tally)."""
    waiting: defaultdict[str, list[str]] = defaultdict(list)
    by_band: defaultdict[str, list[str]] = defaultdict(list)
    by_setting: defaultdict[str, list[str]] = defaultdict(list)
    by_specialism: defaultdict[str, list[str]] = defaultdict(list)
    matched_referrals: list[Referral] = []
    for referral in referrals:
        matched = False
        for yp in referral.young_people:
            age = age_on(yp.date_of_birth, today)
            if not _person_matches(f, referral, age, yp.risks or []):
                continue
            matched = True
            waiting[referral.authority_code].append(yp.reference)
            by_band[age_band(age)].append(yp.reference)
            for s in SETTINGS:
                if (referral.settings or {}).get(s, "suitable") != "unsuitable":
                    by_setting[s].append(yp.reference)
            asked = set(referral.required_specialisms or []) | set(referral.preferred_specialisms or [])
            for s in sorted(asked | set(yp.risks or [])):
                by_specialism[s].append(yp.reference)
        if matched:
            matched_referrals.append(referral)
    return Demand(dict(waiting), dict(by_band), dict(by_setting), dict(by_specialism), matched_referrals)


def _tallies(cells: Mapping[str, list[str]], dz: Disclosure) -> defaultdict[str, Tally]:
    out: defaultdict[str, Tally] = defaultdict(Tally)
    for key, references in cells.items():
        out[key] = total(dz.one("young_person", r) for r in references)
    return out


def _gap_table(
    f: Filters,
    codes: list[str],
    names: Mapping[str, LocalAuthority],
    waiting: Mapping[str, Tally],
    decided: Mapping[str, Tally],
    places: Counter[str],
    vacancies: Counter[str],
    dz: Disclosure,
) -> tuple[PublishedTable, list[GapBar], list[MapPoint]]:
    nothing = Tally()
    rows = []
    bars = []
    points = []
    for code in codes:
        authority = names.get(code)
        name = authority.name if authority else code
        published_waiting = dz.value(waiting.get(code, nothing))
        rows.append(
            (
                authority.region_name if authority else "",
                name,
                dz.text(waiting.get(code, nothing)),
                dz.text(decided.get(code, nothing)),
                f"{places[code]:,}",
                f"{vacancies[code]:,}",
                SUPPRESSED if published_waiting is None else f"{published_waiting - vacancies[code]:,}",
            )
        )
        if waiting.get(code, nothing).n or vacancies[code]:
            bars.append(GapBar(name, published_waiting, rows[-1][2], vacancies[code]))
        if authority is not None:
            points.append(
                MapPoint(
                    code,
                    name,
                    authority.lat,
                    authority.lon,
                    published_waiting,
                    rows[-1][2],
                    vacancies[code],
                )
            )
    total_waiting = dz.value(total(waiting.get(c, nothing) for c in codes))
    totals = (
        "All",
        "",
        SUPPRESSED if total_waiting is None else f"{total_waiting:,}",
        dz.text(total(decided.get(c, nothing) for c in codes)),
        f"{sum(places[c] for c in codes):,}",
        f"{sum(vacancies[c] for c in codes):,}",
        SUPPRESSED if total_waiting is None else f"{total_waiting - sum(vacancies[c] for c in codes):,}",
    )
    published = table(
        "gap",
        "Demand against supply by authority",
        (
            "Region",
            "Authority",
            "Young people waiting",
            f"Placed by a decision (last {f.months} months)",
            "Places",
            "Vacancies",
            "Gap (waiting minus vacancies)",
        ),
        rows,
        labels=2,
        totals=totals,
        notes=(
            "Young people waiting: on open referrals, by responsible authority. Places and vacancies: "
            "active placements located in the authority. A negative gap is more vacancies than young people waiting.",
            *notes(),
        ),
    )
    return published, bars, points


def _region_table(
    codes: list[str],
    names: Mapping[str, LocalAuthority],
    waiting: Mapping[str, Tally],
    places: Counter[str],
    vacancies: Counter[str],
    dz: Disclosure,
) -> PublishedTable:
    regions: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        regions[names[code].region_name if code in names else "Unknown"].append(code)
    order = sorted(regions)
    values = [total(waiting.get(c, Tally()) for c in regions[r]) for r in order]
    rows = [
        (
            region,
            dz.text(values[i]),
            f"{sum(places[c] for c in regions[region]):,}",
            f"{sum(vacancies[c] for c in regions[region]):,}",
        )
        for i, region in enumerate(order)
    ]
    totals = (
        "All",
        dz.text(total(values)),
        f"{sum(places.values()):,}",
        f"{sum(vacancies.values()):,}",
    )
    return table(
        "regions",
        "Demand against supply by region",
        ("Region", "Young people waiting", "Places", "Vacancies"),
        rows,
        totals=totals,
        notes=notes(),
    )


def _dimension_table(
    key: str,
    title: str,
    label: str,
    members: list[tuple[str, str]],
    demand: Mapping[str, Tally],
    supply_of: Any,
    dz: Disclosure,
    partition: bool,
) -> PublishedTable:
    """Demand and supply by one dimension. Where every child falls in one row (`partition`),
    the column is shown with its total; otherwise rows overlap and no total is shown."""
    values = [demand.get(m, Tally()) for m, _ in members]
    rows = []
    for i, (member, text) in enumerate(members):
        supply = supply_of(member)
        rows.append(
            (
                text,
                dz.text(values[i]),
                f"{sum(p.capacity for p in supply):,}",
                f"{sum(p.vacancies for p in supply):,}",
            )
        )
    totals = ("All", dz.text(total(values)), "", "") if partition else None
    extra = () if partition else ("A young person or a placement can count in more than one row.",)
    return table(
        key,
        title,
        (label, "Young people waiting", "Places", "Vacancies"),
        rows,
        totals=totals,
        notes=(
            *extra,
            "Places: a placement counts in every age band it takes."
            if key == "age_bands"
            else "Places: active placements matching the other filters.",
            *notes(),
        ),
    )


def _specialist_foster_table(
    f: Filters, placements: list[Placement], names: Mapping[str, LocalAuthority]
) -> PublishedTable:
    """Specialist foster placements by authority: capacity and its use (places, not children)."""
    rows_by: dict[str, list[Placement]] = defaultdict(list)
    for p in placements:
        if (
            p.setting == "foster"
            and p.specialist
            and _placement_matches(Filters("", f.specialism, f.bands, f.authority), p)
        ):
            rows_by[p.authority_code or ""].append(p)
    rows = []
    for code in sorted(rows_by, key=lambda c: names[c].name if c in names else c):
        group = rows_by[code]
        capacity = sum(p.capacity for p in group)
        free = sum(p.vacancies for p in group)
        rows.append(
            (
                names[code].name if code in names else "Unknown",
                f"{len(group):,}",
                f"{capacity:,}",
                f"{capacity - free:,}",
                f"{free:,}",
                f"{round(100 * (capacity - free) / capacity)}%" if capacity else "z",
            )
        )
    capacity = sum(p.capacity for g in rows_by.values() for p in g)
    free = sum(p.vacancies for g in rows_by.values() for p in g)
    totals = (
        "All",
        f"{sum(len(g) for g in rows_by.values()):,}",
        f"{capacity:,}",
        f"{capacity - free:,}",
        f"{free:,}",
        f"{round(100 * (capacity - free) / capacity)}%" if capacity else "z",
    )
    return table(
        "specialist_foster",
        "Specialist foster capacity and its use",
        ("Authority", "Households", "Places", "Occupied", "Vacancies", "Occupied (% of places)"),
        rows,
        totals=totals,
        notes=(
            "Specialist foster placements for young people at risk of exploitation, filtered by specialism, "
            "age band and authority. Counts of places, as on the placement supply page.",
            NOT_APPLICABLE_NOTE,
        ),
    )


_OPTION_BANDS = (
    ("none", "No safe option", 0, 0),
    ("few", "1 or 2", 1, 2),
    ("some", "3 to 9", 3, 9),
    ("many", "10 or more", 10, 10**9),
)


def _engine_tables(
    view: EngineView, referrals: Sequence[Referral], dz: Disclosure
) -> tuple[PublishedTable, PublishedTable, Tally]:
    record = {batch_case.qualified(r.authority_code, r.reference): dz.one("referral", r.reference) for r in referrals}
    counts = [
        total(record[ref] for ref, v in view.options.items() if lo <= v <= hi and ref in record)
        for _, _, lo, hi in _OPTION_BANDS
    ]
    options = table(
        "options",
        "Open referrals by how many safe options the pool offers",
        ("Safe options", "Referrals"),
        [(text, dz.text(counts[i])) for i, (_, text, _, _) in enumerate(_OPTION_BANDS)],
        totals=("All", dz.text(total(counts))),
        notes=(
            "Each open referral checked against every active placement by the engine's hard rules, "
            "as a ranking does; vacancies shared with other referrals are not allocated here (see scenarios).",
            *notes(),
        ),
    )
    bound: defaultdict[str, Tally] = defaultdict(Tally)
    for ref, codes in view.binding.items():
        for code in codes:
            bound[code] += record.get(ref, Tally())
    order = [c for c in (*REASON_CODES, "two_or_more") if bound[c].n]
    binding = table(
        "binding",
        "Referrals with no safe option: the rules that removed the last options",
        ("Rule", "Referrals"),
        [
            (
                "Every placement breaks two rules or more" if code == "two_or_more" else CODE_WORDS[code].capitalize(),
                dz.text(bound[code]),
            )
            for code in order
        ],
        notes=(
            "A rule removed the last options when some placement fails that rule alone: relaxing it would give "
            "an option. A referral can count under more than one rule.",
            *notes(),
        ),
    )
    return options, binding, counts[0]


def _timing_table(f: Filters, decisions: list[repository.DecisionRow], dz: Disclosure) -> PublishedTable:
    days = []
    counted = Tally()
    for d in decisions:
        if f.authority and d.referral_authority != f.authority:
            continue
        if f.setting and d.placement_setting != f.setting:
            continue
        if f.specialism and not any(f.specialism in set(d.asked_specialisms) | set(r) for _, r, _, _ in d.young_people):
            continue
        if f.bands and not any(
            age_band(age_on(dob, d.decided_at.date())) in f.bands for dob, _, _, _ in d.young_people
        ):
            continue
        days.append((d.decided_at - d.referral_created_at).total_seconds() / 86400)
        counted += dz.one("decision", d.decision_id)
    hidden = dz.value(counted) is None
    if days and not hidden:
        q1, q2, q3 = quartiles(days)
        figures = (f"{q1:.1f}", f"{q2:.1f}", f"{q3:.1f}")
    else:
        figures = (SUPPRESSED,) * 3 if hidden else ("z",) * 3
    return table(
        "timing",
        f"Days from referral to decision (decisions in the last {f.months} months)",
        ("Decisions", "Lower quartile", "Median", "Upper quartile"),
        [(dz.text(counted), *figures)],
        labels=0,
        notes=("Quartiles and median are not shown for fewer decisions than the threshold.", *notes()),
    )


# --- placement location, as DfE reports it --------------------------------------------------


@dataclass(frozen=True)
class Placed:
    """One child's placement as the location and equality tables count it."""

    responsible: str
    age: int
    sex: str
    ethnicity: str
    distance: int  # index into DISTANCE_PARTS
    location: int  # index into LOCATION_PARTS
    setting: str
    miles: float
    record: Tally  # this child, as the published counts tally them
    reference: str = ""  # the child's reference (never published: for the disclosure tests' attack)


def placed_children(
    rows: Iterable[repository.CurrentPlacementRow], f: Filters, today: date, dz: Disclosure
) -> list[Placed]:
    out = []
    for row in rows:
        age = age_on(row.date_of_birth, today)
        if f.authority and row.responsible_authority != f.authority:
            continue
        if f.setting and row.setting != f.setting:
            continue
        if f.specialism and f.specialism not in row.specialisms and f.specialism not in row.risks:
            continue
        if f.bands and age_band(age) not in f.bands:
            continue
        miles = miles_from_coordinates(row.home_lat, row.home_lon, row.placement_lat, row.placement_lon)
        location = 2
        if row.placement_authority:
            location = 0 if placement_location(row.responsible_authority, row.placement_authority) == IN_AREA else 1
        out.append(
            Placed(
                row.responsible_authority,
                age,
                row.sex,
                row.ethnicity,
                1 if miles > DFE_FAR_FROM_HOME_MILES else 0,
                location,
                row.setting,
                miles,
                dz.one("young_person", row.person_reference),
                row.person_reference,
            )
        )
    return out


def _split(group: Sequence[Placed]) -> Split:
    """A group's children by distance (within, more than 20 miles, not known) and location."""
    split = Split((3, 3))
    for p in group:
        split.add(p.record, (p.distance, p.location))
    return split


def _location_row(label: str, split: Split, dz: Disclosure) -> tuple[str, ...]:
    return (
        label,
        dz.text(split.total),
        split.text(dz, 0, 0),
        split.text(dz, 0, 1),
        split.rate(dz, 0, 1),
        split.text(dz, 1, 0),
        split.text(dz, 1, 1),
        split.rate(dz, 1, 1),
    )


def location_rows(
    labels: list[str], groups: list[list[Placed]], dz: Disclosure
) -> tuple[list[tuple[str, ...]], tuple[str, ...], Split]:
    splits = [_split(g) for g in groups]
    rows = [_location_row(label, split, dz) for label, split in zip(labels, splits, strict=True)]
    everyone = combined(splits, (3, 3))
    return rows, _location_row("All", everyone, dz), everyone


LOCATION_HEADINGS = (
    "Children placed",
    "Within 20 miles of home",
    "More than 20 miles from home",
    "More than 20 miles (%)",
    "Inside the authority",
    "Outside the authority",
    "Outside the authority (%)",
)


@dataclass(frozen=True)
class Location:
    filters: Filters
    described: str
    tables: dict[str, PublishedTable]
    far_rate: str
    outside_rate: str
    # England's latest published figures (DfE, children looked after at 31 March) and what each is.
    england_far: tuple[str, str]
    england_outside: tuple[str, str]


def location(user: SignedInUser, f: Filters, today: date | None = None) -> Location:
    """Current placements by responsible authority and by setting: distance from home, inside or outside."""
    require_viewer(user)
    f = view_filters("location", f)
    today = today or date.today()
    dz = protection()
    names = {a.gss_code: a.name for a in authority_repository.list_authorities()}
    placed = placed_children(repository.current_placements(), f, today, dz)
    by_authority: dict[str, list[Placed]] = defaultdict(list)
    by_setting: dict[str, list[Placed]] = defaultdict(list)
    for p in placed:
        by_authority[p.responsible].append(p)
        by_setting[p.setting].append(p)
    codes = sorted(by_authority, key=lambda c: names.get(c, c))
    rows, totals, everyone = location_rows([names.get(c, c) for c in codes], [by_authority[c] for c in codes], dz)
    setting_codes = [s for s in SETTINGS if by_setting[s]]
    setting_rows, setting_totals, _ = location_rows(
        [SETTING_WORDS[s] for s in setting_codes], [by_setting[s] for s in setting_codes], dz
    )
    note = (
        "Children living in a placement now, by the authority responsible for them. Distance: the straight line "
        "from home to the placement in miles, as DfE's PL_DISTANCE (more than 20 miles is DfE's measure). "
        "Inside or outside: DfE's PL_LOCATION.",
        *notes(),
    )
    tables = {
        "location": table(
            "location",
            "Where children are placed, by responsible authority",
            ("Responsible authority", *LOCATION_HEADINGS),
            rows,
            totals=totals,
            notes=note,
        ),
        "location_settings": table(
            "location_settings",
            "Where children are placed, by setting",
            ("Setting", *LOCATION_HEADINGS),
            setting_rows,
            totals=setting_totals,
            notes=note,
        ),
    }
    return Location(
        f,
        f.describe(names),
        tables,
        everyone.rate(dz, 0, 1),
        everyone.rate(dz, 1, 1),
        latest_far(),
        latest_outside(),
    )


# --- equality monitoring ------------------------------------------------------------------


@dataclass(frozen=True)
class Equality:
    filters: Filters
    described: str
    tables: dict[str, PublishedTable]


DIMENSIONS = (
    ("ethnicity", "Ethnicity group", list(ETHNICITY_GROUPS)),
    ("sex", "Sex", list(SEX_GROUPS)),
    ("age", "Age band", [text for _, text, _, _ in AGE_BANDS]),
)


def group_of(dimension: str, ethnicity: str, sex: str, age: int) -> str:
    if dimension == "ethnicity":
        return ethnicity_group(ethnicity)
    if dimension == "sex":
        return sex_group(sex)
    return AGE_BAND_WORDS[age_band(age)]


def equality(user: SignedInUser, f: Filters, today: date | None = None) -> Equality:
    """The same outcomes by ethnicity group, sex and age band, so disproportion shows."""
    require_viewer(user)
    f = view_filters("equality", f)
    today = today or date.today()
    dz = protection()
    names = {a.gss_code: a.name for a in authority_repository.list_authorities()}
    referrals = repository.open_referrals()
    waiting: list[tuple[str, str, int, bool, Tally]] = []  # ethnicity, sex, age, has a safe option, the child
    matched = []
    for referral in referrals:
        people = [
            (yp, age_on(yp.date_of_birth, today))
            for yp in referral.young_people
            if _person_matches(f, referral, age_on(yp.date_of_birth, today), yp.risks or [])
        ]
        if people:
            matched.append((referral, people))
    view = engine_view([r for r, _ in matched], today, user.authority_code, user.id)
    for referral, people in matched:
        has_option = view.options.get(batch_case.qualified(referral.authority_code, referral.reference), 0) > 0
        waiting.extend(
            (yp.ethnicity, yp.sex, age, has_option, dz.one("young_person", yp.reference)) for yp, age in people
        )
    placed = placed_children(repository.current_placements(), f, today, dz)
    tables: dict[str, PublishedTable] = {}
    for key, label, groups in DIMENSIONS:
        splits = [Split((2,)) for _ in groups]
        for ethnicity, sex, age, has_option, child in waiting:
            splits[groups.index(group_of(key, ethnicity, sex, age))].add(child, (0 if has_option else 1,))
        everyone = combined(splits, (2,))
        rows = [
            (g, dz.text(sp.total), sp.text(dz, 0, 0), sp.text(dz, 0, 1), sp.rate(dz, 0, 1))
            for g, sp in zip(groups, splits, strict=True)
        ]
        totals = (
            "All",
            dz.text(everyone.total),
            everyone.text(dz, 0, 0),
            everyone.text(dz, 0, 1),
            everyone.rate(dz, 0, 1),
        )
        tables[f"waiting_{key}"] = table(
            f"waiting_{key}",
            f"Young people on open referrals by {label.lower()}: safe options",
            (label, "Young people waiting", "With a safe option", "With no safe option", "No safe option (%)"),
            rows,
            totals=totals,
            notes=("A safe option: a placement passing every hard rule for their referral.", *notes()),
        )
        by_group: list[list[Placed]] = [[] for _ in groups]
        for p in placed:
            by_group[groups.index(group_of(key, p.ethnicity, p.sex, p.age))].append(p)
        placed_rows, placed_totals, _ = location_rows(groups, by_group, dz)
        tables[f"placed_{key}"] = table(
            f"placed_{key}",
            f"Children placed now by {label.lower()}: distance and location",
            (label, *LOCATION_HEADINGS),
            placed_rows,
            totals=placed_totals,
            notes=notes(),
        )
    return Equality(f, f.describe(names), tables)


__all__ = [
    "DEFAULT_MONTHS",
    "Filters",
    "choices",
    "equality",
    "location",
    "overview",
    "parse_filters",
]
