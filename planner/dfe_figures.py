"""Figures counted as DfE counts them in "Children looked after in England", from SSDA903 episodes.

Pure counting on a table of episodes (pandas), one row per episode, with the return's own
column names: CHILD, DECOM, DEC, RNE, LS, PLACE, PL_DISTANCE (miles, missing when not
known) and PL_LOCATION (``IN``/``OUT``, missing when not known). Other columns ride along untouched,
so a caller can keep its own ids for the records it then counts.

Two populations, never mixed:

- **Children looked after at 31 March** of a collection year (the year ending 31 March):
  a child counts when an episode of theirs is open that day (started on or before it,
  and not ceased before the next day). A child whose episode that day is a short break
  (legal status V3 or V4, "an agreed series of short-term placements") is left out, as
  DfE leaves them out of every figure; so is a child looked after only under short
  breaks. Their distance and location are those of that episode: PL_DISTANCE banded at
  DfE's 20 miles, "not known" where it is missing (a postcode missing or not found, as
  for most unaccompanied asylum-seeking children), and PL_LOCATION likewise.
- **Placement starts in the year**: episodes starting from 1 April to 31 March, not short
  breaks, that start care (RNE S) or change placement (RNE P, T, B or U: every code but
  L, "change of legal status only", which keeps the same placement). A change into or out
  of a temporary placement (PLACE T0-T4: hospital, holiday, a carer's holiday, seven days
  or less) is not a change of placement, as DfE's validator treats it (rule 225 asks a
  reason for a placement change only when neither side is temporary). See
  docs/decisions/0052-dfe-comparable-figures.md for the sources of both definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from planner.dfe import DFE_FAR_FROM_HOME_MILES, IN_AREA, OUT_OF_AREA

# Legal statuses of an agreed series of short-term placements (short breaks): DfE excludes them.
SHORT_BREAK_LEGAL_STATUSES = frozenset({"V3", "V4"})
# Reasons for a new episode that start a placement. L (change of legal status only) keeps the
# placement and the carer, so it is not a placement start.
STARTED_CARE = "S"
PLACEMENT_CHANGES = ("P", "T", "B", "U")
PLACEMENT_START_REASONS = (STARTED_CARE, *PLACEMENT_CHANGES)
# Temporary placements: a move into or out of one is not a change of placement.
TEMPORARY_PLACEMENTS = frozenset({"T0", "T1", "T2", "T3", "T4"})

NEAR, FAR, DISTANCE_NOT_KNOWN = 0, 1, 2
DISTANCE_BANDS = ("20 miles or less", "Over 20 miles", "Not known or not recorded")
INSIDE, OUTSIDE, LOCATION_NOT_KNOWN = 0, 1, 2
LOCATION_BANDS = ("Inside the boundary", "Outside the boundary", "Not known or not recorded")

EPISODE_COLUMNS = ("CHILD", "DECOM", "DEC", "RNE", "LS", "PLACE", "PL_DISTANCE", "PL_LOCATION")


def year_ending(day: date) -> int:
    """The collection year a day falls in, named by the year its 31 March is in (1 April 2017 -> 2018)."""
    return day.year + 1 if day.month >= 4 else day.year


def year_span(year: int) -> tuple[date, date]:
    """The first and last day of a collection year: 1 April of the year before to 31 March."""
    return date(year - 1, 4, 1), date(year, 3, 31)


def episodes_frame(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """Episodes as the counting functions take them: dates as timestamps, codes as upper-case text."""
    frame = pd.DataFrame(list(rows))
    for column in EPISODE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["DECOM"] = pd.to_datetime(frame["DECOM"])
    frame["DEC"] = pd.to_datetime(frame["DEC"])
    for column in ("RNE", "LS", "PLACE", "PL_LOCATION"):
        frame[column] = frame[column].astype("string").str.strip().str.upper()
    frame["PL_DISTANCE"] = pd.to_numeric(frame["PL_DISTANCE"], errors="coerce")
    return frame


def _short_break(frame: pd.DataFrame) -> pd.Series:
    return frame["LS"].isin(SHORT_BREAK_LEGAL_STATUSES).fillna(False).astype(bool)


def distance_band(miles: pd.Series) -> pd.Series:
    """DfE's bands of PL_DISTANCE: 20 miles or less, over 20 miles, not known (missing)."""
    band = pd.Series(DISTANCE_NOT_KNOWN, index=miles.index, dtype="int64")
    known = miles.notna()
    band[known & (miles > DFE_FAR_FROM_HOME_MILES)] = FAR
    band[known & (miles <= DFE_FAR_FROM_HOME_MILES)] = NEAR
    return band


def location_band(location: pd.Series) -> pd.Series:
    """PL_LOCATION as a band: inside, outside, not known (missing or not IN/OUT)."""
    band = pd.Series(LOCATION_NOT_KNOWN, index=location.index, dtype="int64")
    band[(location == IN_AREA).fillna(False).astype(bool)] = INSIDE
    band[(location == OUT_OF_AREA).fillna(False).astype(bool)] = OUTSIDE
    return band


def looked_after_on(episodes: pd.DataFrame, day: date) -> pd.DataFrame:
    """Children looked after on `day`, short breaks left out: one row each, their episode that day.

    Adds `distance` and `location` (the band indexes above). A child with two episodes open
    that day (overlapping episodes, a data-quality problem the validator flags) counts once,
    under the one that started later, as the later record is the one in force.
    """
    when = pd.Timestamp(day)
    open_then = (episodes["DECOM"] <= when) & (episodes["DEC"].isna() | (episodes["DEC"] > when))
    found = episodes[open_then].sort_values(["CHILD", "DECOM"], kind="stable")
    found = found.drop_duplicates("CHILD", keep="last")
    found = found[~_short_break(found)].copy()
    found["distance"] = distance_band(found["PL_DISTANCE"])
    found["location"] = location_band(found["PL_LOCATION"])
    return found


def placement_starts(episodes: pd.DataFrame, year: int) -> pd.DataFrame:
    """Placement starts in a collection year: episodes starting in it that start care or change placement.

    RNE S always (the child started to be looked after); RNE P, T, B or U unless the episode
    or the child's episode before it is a temporary placement (T0-T4); never RNE L; never a
    short break. Adds `started_care`: True for S, False for a change of placement.
    """
    first, last = year_span(year)
    ordered = episodes.sort_values(["CHILD", "DECOM"], kind="stable")
    temporary = ordered["PLACE"].isin(TEMPORARY_PLACEMENTS).fillna(False).astype(bool)
    after_temporary = temporary.groupby(ordered["CHILD"]).shift(1, fill_value=False).astype(bool)
    change = ordered["RNE"].isin(PLACEMENT_CHANGES).fillna(False).astype(bool) & ~temporary & ~after_temporary
    started = (ordered["RNE"] == STARTED_CARE).fillna(False).astype(bool)
    in_year = (ordered["DECOM"] >= pd.Timestamp(first)) & (ordered["DECOM"] <= pd.Timestamp(last))
    found = ordered[in_year & (started | change) & ~_short_break(ordered)].copy()
    found["started_care"] = found["RNE"] == STARTED_CARE
    return found.sort_index()


def years_covered(episodes: pd.DataFrame, last_day: date, most: int = 10) -> list[int]:
    """The collection years the episodes can speak for, oldest first (at most `most`, the latest).

    From the year of the earliest start to the year of the latest start: an episode left
    open in a return says the child was looked after at its 31 March, not in later years
    the return does not cover. A year whose 31 March is after `last_day` is not over yet.
    """
    if episodes.empty or episodes["DECOM"].isna().all():
        return []
    first = year_ending(episodes["DECOM"].min().date())
    last = year_ending(episodes["DECOM"].max().date())
    # The year containing last_day is over only on its 31 March, the day it counts.
    current = year_ending(last_day)
    finished = current if last_day == year_span(current)[1] else current - 1
    last = min(last, finished)
    return list(range(max(first, last - most + 1), last + 1))


__all__ = [
    "DISTANCE_BANDS",
    "LOCATION_BANDS",
    "PLACEMENT_CHANGES",
    "PLACEMENT_START_REASONS",
    "SHORT_BREAK_LEGAL_STATUSES",
    "TEMPORARY_PLACEMENTS",
    "episodes_frame",
    "looked_after_on",
    "placement_starts",
    "year_ending",
    "year_span",
    "years_covered",
]
