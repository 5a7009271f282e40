"""Trends by month: placements started, how many more than 20 miles from home, how many out of area.

Two sources, shown apart: decisions made in this product (by the month decided), and
SSDA903 episodes imported into it (by the month they started; those derived from a
decision are left out so nothing counts twice).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from planner.capacity import age_band, month_key, month_words, months_back
from planner.dfe import DFE_FAR_FROM_HOME_MILES, IN_AREA, OUT_OF_AREA, miles_from_coordinates, placement_location
from planner.disclosure import Disclosure, Tally
from web.accounts.services.accounts import SignedInUser
from web.capacity.repositories import capacity as repository
from web.capacity.services.capacity import Filters, notes, require_viewer, view_filters
from web.capacity.services.capacity_figures import Split, combined, protection
from web.capacity.services.capacity_tables import PublishedTable, table
from web.shared.repositories import authorities as authority_repository
from web.shared.services.people import age_on

# SSDA903 PLACE codes by the product's settings (for the setting filter on episodes).
_PLACE_SETTINGS = {
    "foster": ("U1", "U2", "U3", "U4", "U5", "U6"),
    "residential": ("K2", "R1", "R2", "R3", "R5", "S1"),
    "supported": ("K3", "H5"),
    "secure": ("K1",),
}
HEADINGS = (
    "Month",
    "Placements started",
    "More than 20 miles from home",
    "More than 20 miles (%)",
    "Outside the authority",
    "Outside the authority (%)",
)


@dataclass(frozen=True)
class Series:
    """One line of a chart: a value per month, None where suppressed or not applicable."""

    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Trends:
    filters: Filters
    described: str
    months: list[str]
    tables: dict[str, PublishedTable]
    started: list[Series]
    outside: list[Series]


@dataclass(frozen=True)
class Started:
    """One placement started, as the trends count it: whose, which month, how far, where."""

    authority: str  # the responsible (placing) authority
    month: str  # "YYYY-MM"
    distance: int  # 0 within 20 miles, 1 more than 20 miles, 2 not known
    location: int  # 0 inside the authority, 1 outside, 2 not known
    ident: str  # the record the count tallies (a child placed by a decision, or an episode)
    record: Tally


def started_by_decision(f: Filters, first: date, dz: Disclosure) -> list[Started]:
    """Each young person placed by a decision made since `first`, under the filters."""
    out = []
    for d in repository.decisions_since(datetime.combine(first, datetime.min.time())):
        if f.authority and d.referral_authority != f.authority:
            continue
        if f.setting and d.placement_setting != f.setting:
            continue
        for i, (dob, risks, home_lat, home_lon) in enumerate(d.young_people):
            if f.bands and age_band(age_on(dob, d.decided_at.date())) not in f.bands:
                continue
            if f.specialism and f.specialism not in set(d.asked_specialisms) | set(risks):
                continue
            miles = miles_from_coordinates(home_lat, home_lon, d.placement_lat, d.placement_lon)
            where = 2
            if d.placement_authority:
                where = 0 if placement_location(d.referral_authority, d.placement_authority) == IN_AREA else 1
            person = d.person_references[i] if i < len(d.person_references) else i
            ident = f"{d.decision_id}:{person}"
            out.append(
                Started(
                    d.referral_authority,
                    month_key(d.decided_at.date()),
                    1 if miles > DFE_FAR_FROM_HOME_MILES else 0,
                    where,
                    ident,
                    dz.one("placed_by_decision", ident),
                )
            )
    return out


def started_in_episodes(f: Filters, first: date, today: date, dz: Disclosure) -> list[Started]:
    """Each imported SSDA903 episode started from `first` to `today` (specialism and age do not apply)."""
    out = []
    for e in repository.care_episodes_between(first, today):
        if f.authority and e.authority != f.authority:
            continue
        if f.setting and e.place not in _PLACE_SETTINGS[f.setting]:
            continue
        distance = 2 if e.distance_miles is None else (1 if e.distance_miles > DFE_FAR_FROM_HOME_MILES else 0)
        where = {IN_AREA: 0, OUT_OF_AREA: 1}.get((e.location or "").upper(), 2)
        ident = str(e.episode_id)
        out.append(Started(e.authority, month_key(e.start), distance, where, ident, dz.one("care_episode", ident)))
    return out


def trend_row(label: str, split: Split, dz: Disclosure) -> tuple[str, ...]:
    """A trends row: placements started, more than 20 miles (count and rate), outside (count and rate)."""
    return (
        label,
        dz.text(split.total),
        split.text(dz, 0, 1),
        split.rate(dz, 0, 1),
        split.text(dz, 1, 1),
        split.rate(dz, 1, 1),
    )


def _rows(months: list[str], counts: dict[str, Split], dz: Disclosure) -> tuple[list[tuple[str, ...]], tuple[str, ...]]:
    splits = [counts.get(m) or Split((3, 3)) for m in months]
    rows = [trend_row(month_words(m), split, dz) for m, split in zip(months, splits, strict=True)]
    return rows, trend_row("All", combined(splits, (3, 3)), dz)


def _value(text: str) -> float | None:
    text = text.rstrip("%").replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def trends(user: SignedInUser, f: Filters, today: date | None = None) -> Trends:
    """The last `f.months` months (at least 6) of placements started, from both sources."""
    require_viewer(user)
    f = view_filters("trends", f)
    today = today or date.today()
    dz = protection()
    months = months_back(today, max(6, f.months))
    first = date(int(months[0][:4]), int(months[0][5:]), 1)
    names = {a.gss_code: a.name for a in authority_repository.list_authorities()}

    decided: dict[str, Split] = defaultdict(lambda: Split((3, 3)))
    for one in started_by_decision(f, first, dz):
        decided[one.month].add(one.record, (one.distance, one.location))
    episodes: dict[str, Split] = defaultdict(lambda: Split((3, 3)))
    for one in started_in_episodes(f, first, today, dz):
        episodes[one.month].add(one.record, (one.distance, one.location))

    decided_rows, decided_totals = _rows(months, decided, dz)
    episode_rows, episode_totals = _rows(months, episodes, dz)
    base_notes = (
        "More than 20 miles and outside the authority as DfE's PL_DISTANCE and PL_LOCATION; where either is "
        "not known the child counts in the placements started only.",
        *notes(),
    )
    episode_notes = base_notes
    if f.specialism or f.bands:
        episode_notes = (
            "SSDA903 episodes carry no specialism or age band here: those filters do not apply to them.",
            *base_notes,
        )
    tables = {
        "trends_decisions": table(
            "trends_decisions",
            "Placements started by decisions made in the planner, by month decided",
            HEADINGS,
            decided_rows,
            totals=decided_totals,
            notes=base_notes,
        ),
        "trends_episodes": table(
            "trends_episodes",
            "Placements started in imported SSDA903 episodes, by month started",
            HEADINGS,
            episode_rows,
            totals=episode_totals,
            notes=episode_notes,
        ),
    }
    started = [
        Series("Decisions", [_value(r[1]) for r in decided_rows]),
        Series("SSDA903 episodes", [_value(r[1]) for r in episode_rows]),
    ]
    outside = [
        Series("Decisions", [_value(r[5]) for r in decided_rows]),
        Series("SSDA903 episodes", [_value(r[5]) for r in episode_rows]),
    ]
    return Trends(f, f.describe(names), months, tables, started, outside)
