"""Figures comparable with DfE's "Children looked after in England", from imported SSDA903 episodes.

The location page counts the product's own current residents and their recorded homes;
these count as DfE counts (planner.dfe_figures): children looked after at 31 March of each
collection year, short breaks left out, with PL_DISTANCE and PL_LOCATION from the
postcodes' grid references ("not known" where a postcode is missing or not found), and
the placements started in each year. England's figures stand beside them, year by year,
as DfE published them (capacity_england). Every count of children or of episodes goes
through the same protection as the rest of the review (cell-key perturbation).

Only the authority filter applies: the episodes are counted whole, as DfE counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from planner.dfe_figures import (
    DISTANCE_BANDS,
    LOCATION_BANDS,
    episodes_frame,
    looked_after_on,
    placement_starts,
    year_span,
    years_covered,
)
from planner.disclosure import Disclosure, Tally
from web import db
from web.accounts.services.accounts import SignedInUser
from web.capacity.repositories import capacity as repository
from web.capacity.services.capacity import Filters, notes, parse_filters, require_viewer
from web.capacity.services.capacity_england import england, percent, source_notes
from web.capacity.services.capacity_figures import Split, protection
from web.capacity.services.capacity_tables import PublishedTable, table, to_csv
from web.shared.repositories import authorities as authority_repository
from web.shared.services import audit

TABLES = ("dfe_distance", "dfe_location", "dfe_starts")
AT_31_MARCH_POPULATION = (
    "Who is counted: children looked after at 31 March of each year in the SSDA903 episodes imported into the "
    "planner (not its own current residents), each by their episode that day. Children under an agreed series "
    "of short-term placements (legal status V3 or V4) are left out, as DfE leaves them out."
)
STARTS_POPULATION = (
    "What is counted: episodes starting from 1 April to 31 March whose reason for new episode is S (started to "
    "be looked after), or P, T, B or U (a change of placement) unless the move is into or back from a temporary "
    "placement (T0 to T4: hospital, holiday, a carer's holiday, seven days or less). L (change of legal status "
    "only) keeps the same placement and is not counted, and nor are short breaks (V3, V4). A child can start "
    "several placements."
)
COMPLETENESS = (
    "A year is only as complete as the returns imported for it: an episode left open in a return says nothing "
    "of the years after it, so the years shown end with the latest episode start."
)


@dataclass(frozen=True)
class DfeFigures:
    filters: Filters
    described: str
    years: list[int]
    tables: dict[str, PublishedTable]
    imported: bool  # any imported episode under the filter (so no years means none finished yet)


def dfe_figures(user: SignedInUser, f: Filters, today: date | None = None) -> DfeFigures:
    """The DfE-comparable tables for the authority chosen (or every authority with imported episodes)."""
    require_viewer(user)
    return figures(f, today or date.today(), protection())


def figures(f: Filters, today: date, dz: Disclosure) -> DfeFigures:
    """The tables, with the deployment's protection (`dz`); for the pages, downloads and the command line."""
    names = {a.gss_code: a.name for a in authority_repository.list_authorities()}
    rows = repository.imported_episodes(f.authority)
    episodes = episodes_frame(
        {
            "EPISODE": r.episode_id,
            "CHILD": r.child,
            "DECOM": r.start,
            "DEC": r.end,
            "RNE": r.reason_new_episode,
            "LS": r.legal_status,
            "PLACE": r.place,
            "PL_DISTANCE": r.distance_miles,
            "PL_LOCATION": r.location,
        }
        for r in rows
    )
    years = years_covered(episodes, today) if rows else []
    at_31_march: dict[int, Split] = {}
    starts: dict[int, tuple[Tally, Tally, Tally]] = {}
    for year in years:
        split = Split((3, 3))
        for child, distance, location in looked_after_on(episodes, year_span(year)[1])[
            ["CHILD", "distance", "location"]
        ].itertuples(index=False):
            split.add(dz.one("young_person", child), (int(distance), int(location)))
        at_31_march[year] = split
        everything, started, changed = Tally(), Tally(), Tally()
        for episode_id, started_care in placement_starts(episodes, year)[["EPISODE", "started_care"]].itertuples(
            index=False
        ):
            record = dz.one("care_episode", int(episode_id))
            everything += record
            if bool(started_care):
                started += record
            else:
                changed += record
        starts[year] = (everything, started, changed)
    described = names.get(f.authority, f.authority) if f.authority else "every authority with imported episodes"
    return DfeFigures(f, described, years, _tables(years, at_31_march, starts, dz), bool(rows))


def _tables(
    years: list[int], at_31_march: Mapping[int, Split], starts: Mapping[int, tuple[Tally, Tally, Tally]], dz: Disclosure
) -> dict[str, PublishedTable]:
    series = england()
    sources = source_notes()
    distance_rows = []
    location_rows = []
    start_rows = []
    for year in years:
        split = at_31_march[year]
        published = series.get(year)
        distance_rows.append(
            (
                f"31 March {year}",
                dz.text(split.total),
                *(split.text(dz, 0, k) for k in range(3)),
                split.rate(dz, 0, 1),
                percent(published.over_20_miles_percent if published else None),
            )
        )
        location_rows.append(
            (
                f"31 March {year}",
                dz.text(split.total),
                *(split.text(dz, 1, k) for k in range(3)),
                split.rate(dz, 1, 1),
                percent(published.outside_percent if published else None),
            )
        )
        first, last = year_span(year)
        everything, started, changed = starts[year]
        start_rows.append(
            (
                f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}",
                dz.text(everything),
                dz.text(started),
                dz.text(changed),
            )
        )
    distance_notes = (
        AT_31_MARCH_POPULATION,
        "Distance: DfE's PL_DISTANCE, the straight line between the home and placement postcodes' grid "
        "references in miles; not known where either postcode is missing or not found (as for most "
        "unaccompanied asylum-seeking children). The percentage is of every child counted, not known included, "
        "as DfE's is.",
        COMPLETENESS,
        *sources,
        *notes(),
    )
    location_notes = (
        AT_31_MARCH_POPULATION,
        "Inside or outside: DfE's PL_LOCATION, whether the placement postcode lies in the responsible authority; "
        "not known where it is missing or not found.",
        COMPLETENESS,
        *sources,
        *notes(),
    )
    return {
        "dfe_distance": table(
            "dfe_distance",
            "Children looked after at 31 March by distance from home, as DfE counts them",
            (
                "Year",
                "Children looked after at 31 March",
                *DISTANCE_BANDS,
                "Over 20 miles (%)",
                "England: over 20 miles (%)",
            ),
            distance_rows,
            notes=distance_notes,
        ),
        "dfe_location": table(
            "dfe_location",
            "Children looked after at 31 March inside and outside the responsible authority, as DfE counts them",
            (
                "Year",
                "Children looked after at 31 March",
                *LOCATION_BANDS,
                "Outside the boundary (%)",
                "England: outside the boundary (%)",
            ),
            location_rows,
            notes=location_notes,
        ),
        "dfe_starts": table(
            "dfe_starts",
            "Placements started in each year, as DfE counts them",
            ("Year", "Placements started", "Started to be looked after (S)", "Change of placement (P, T, B, U)"),
            start_rows,
            notes=(
                STARTS_POPULATION,
                "Placements started are counts of episodes, protected as counts of children are.",
                COMPLETENESS,
                *notes(),
            ),
        ),
    }


def command_line_csv(authority: str, today: date | None = None) -> tuple[str, int]:
    """The three tables as one CSV (each after its title, a blank line between), for the command line.

    The same protected figures a commissioner downloads; no signed-in user, so the export
    is audited for the authority (or for every administrator when it spans them all).
    """
    f = parse_filters({"authority": authority} if authority else {})
    found = figures(f, today or date.today(), protection())
    parts = [f"{found.tables[key].title}\r\n{to_csv(found.tables[key])}" for key in TABLES]
    audit.record(None, "export", "capacity_table", "dfe/all", detail="csv", authority_code=authority or None)
    db.commit()
    return "\r\n".join(parts), len(found.years)


__all__ = ["TABLES", "DfeFigures", "command_line_csv", "dfe_figures", "figures"]
