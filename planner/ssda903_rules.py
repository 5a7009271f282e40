"""DfE's SSDA903 validation rules for the Header, Episodes and Missing tables, by collection year.

DfE publishes its rules for the children looked after return as the validator
package `csc-validator-be-903` (MIT). That package pins pandas < 2, so it cannot run
in this product's environment; the rules that matter for placements are written again
here, each under DfE's rule code and with DfE's message, and `bench/dfe_validator_compare.py`
runs DfE's package (in its own `.venv-dfe`) on the same files and checks, rule by rule,
that both flag the same rows (docs/decisions/0071-ssda903-dfe-rules.md).

A rule reads the tables as DfE's validator does: every cell text, blanks missing,
upper case, dates dd/mm/yyyy (anything else is not a date). Rules keyed by year are
those whose code lists changed: SEX (1/2 until 2023/24; M/F/U from 2024/25), PLACE
(H5, P2 and Z1 invalid and Z11-Z14 valid from 2025/26; K3 valid from 2024/25) and
PLACE_PROVIDER (which placements take no provider). The result is a list of findings,
each naming the table, the row as a spreadsheet numbers it, the CHILD, the field and
the rule; `severity` is "error" for a date DfE cannot read (the import itself refuses only
a date it cannot read in any form) and "flag" for everything else, which imports.

Pure: pandas only, no Flask or SQLAlchemy, so the importer, the command line and the
comparison script share it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

HEADER = "header"
EPISODES = "episodes"
MISSING = "missing"
TABLES = (HEADER, EPISODES, MISSING)
# DfE's validator names its tables so; the comparison maps between the two.
DFE_TABLE_NAMES = {HEADER: "Header", EPISODES: "Episodes", MISSING: "Missing"}

# A value DfE rejects outright (a date not written dd/mm/yyyy: the import refuses one it cannot
# read in any form), and a flag the return imports with.
ERROR = "error"
FLAG = "flag"

# The collection years DfE's validator has rules for, by the calendar year they end in
# (2023 is 2022/23). A return from before or after them is checked with the nearest.
FIRST_YEAR = 2023
LAST_YEAR = 2027

SEX_CODES_BEFORE_2024_25 = ("1", "2")
SEX_CODES_FROM_2024_25 = ("M", "F", "U")
ETHNIC_CODES = (
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)  # fmt: skip
RNE_CODES = ("S", "P", "L", "T", "U", "B")
LS_CODES = ("C1", "C2", "D1", "E1", "V2", "V3", "V4", "J1", "J2", "J3", "L1", "L2", "L3")
# N9 is not a category of need, whatever older exports hold.
CIN_CODES = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
_PLACE_COMMON = (
    "A3", "A4", "A5", "A6", "K1", "K2", "P1", "P3", "R1", "R2", "R3", "R5", "S1",
    "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6",
)  # fmt: skip
PLACE_CODES_BEFORE_2024_25 = (*_PLACE_COMMON, "H5", "P2", "Z1")
# K3 (children's home not regulated as one) arrives in 2024/25. DfE's package lists it as
# "k3" that year, which no upper-cased value matches; the product follows DfE's guidance.
PLACE_CODES_2024_25 = (*_PLACE_COMMON, "H5", "K3", "P2", "Z1")
PLACE_CODES_FROM_2025_26 = (*_PLACE_COMMON, "K3", "Z11", "Z12", "Z13", "Z14")
PLACE_PROVIDER_CODES = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
NO_PROVIDER_BEFORE_2025_26 = ("T0", "T1", "T2", "T3", "T4", "Z1")
NO_PROVIDER_FROM_2025_26 = ("T0", "T1", "T2", "T3", "Z11", "Z12", "Z13", "Z14")
REC_CODES = (
    "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48",
    "E5", "E6", "E7", "E8", "E9", "E14", "E15", "E16", "E17", "X1",
)  # fmt: skip
REASON_PLACE_CHANGE_CODES = (
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE", "CUSTOD", "OTHER",
)  # fmt: skip
MISSING_CODES = ("M", "A")
SHORT_BREAK = "V3"  # a single short break
SHORT_BREAKS = ("V3", "V4")  # V4: a series of short breaks


@dataclass(frozen=True, order=True)
class CollectionYear:
    """A collection year, 1 April to 31 March, named by the calendar year it ends in."""

    ends: int

    @property
    def start(self) -> date:
        return date(self.ends - 1, 4, 1)

    @property
    def end(self) -> date:
        return date(self.ends, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.ends - 1}/{self.ends % 100:02d}"

    @property
    def ruleset(self) -> CollectionYear:
        """The year whose rules apply: this one, or the nearest DfE has rules for."""
        return CollectionYear(min(max(self.ends, FIRST_YEAR), LAST_YEAR))

    @classmethod
    def parse(cls, text: str) -> CollectionYear:
        """ "2025/26", "2025-26" or "2026" (the year it ends in)."""
        value = text.strip()
        for separator in ("/", "-"):
            if separator in value:
                first, _sep, second = value.partition(separator)
                if not (first.isdigit() and second.isdigit() and len(first) == 4 and len(second) == 2):
                    break
                if (int(first) + 1) % 100 != int(second):
                    raise ValueError(f"{text!r} is not a collection year (like 2025/26)")
                return cls(int(first) + 1)
        if value.isdigit() and len(value) == 4:
            return cls(int(value))
        raise ValueError(f"{text!r} is not a collection year (like 2025/26)")

    @classmethod
    def containing(cls, day: date) -> CollectionYear:
        return cls(day.year + 1 if day.month >= 4 else day.year)


@dataclass(frozen=True)
class Finding:
    """One row one rule flags."""

    table: str  # header | episodes | missing
    row: int  # as a spreadsheet numbers it: header row 1, first data row 2
    child: str | None
    field: str
    code: str  # DfE's rule code
    severity: str  # ERROR | FLAG
    message: str


# A rule's answer: per table, the 0-based positions of the rows it flags.
Flagged = dict[str, list[int]]
Tables = Mapping[str, pd.DataFrame]
PostcodeKnown = Callable[[str], bool]
Check = Callable[[Tables, "CollectionYear", PostcodeKnown | None], Flagged]


@dataclass(frozen=True)
class Rule:
    code: str
    field: str  # the field a finding names
    message: str  # DfE's message
    check: Callable[[Tables, CollectionYear, PostcodeKnown | None], Flagged]
    severity: str = FLAG
    needs: tuple[str, ...] = ()  # tables without which the rule does not run
    needs_postcodes: bool = False


def read_table(data: bytes) -> pd.DataFrame:
    """A table as DfE's validator reads it: text cells, blanks missing, upper case."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig")
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    for column in frame.columns:
        frame[column] = frame[column].str.upper()
    return frame.reset_index(drop=True)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")


def _at(year: CollectionYear, which: str) -> pd.Timestamp:
    return pd.Timestamp(year.start if which == "start" else year.end)


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) for i in mask.index[mask.fillna(False).astype(bool)]]


def _code_list(
    table: str, column: str, codes: Callable[[CollectionYear], Iterable[str]], blank_ok: bool = True
) -> Check:
    """A rule that a column holds one of the year's codes (a blank allowed unless `blank_ok` is False)."""

    def check(tables: Tables, year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
        values = tables[table][column]
        valid = values.isin(tuple(codes(year)))
        if blank_ok:
            valid |= values.isna()
        return {table: _rows(~valid)}

    return check


def _unreadable_date(table: str, column: str, blank_bad: bool = False) -> Check:
    def check(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
        values = tables[table][column]
        bad = _dates(values).isna()
        if not blank_bad:
            bad &= values.notna()
        return {table: _rows(bad)}

    return check


def _sex_codes(year: CollectionYear) -> tuple[str, ...]:
    return SEX_CODES_FROM_2024_25 if year.ruleset.ends >= 2025 else SEX_CODES_BEFORE_2024_25


def place_codes(year: CollectionYear) -> tuple[str, ...]:
    """The PLACE codes valid in the collection year."""
    ends = year.ruleset.ends
    if ends >= 2026:
        return PLACE_CODES_FROM_2025_26
    return PLACE_CODES_2024_25 if ends == 2025 else PLACE_CODES_BEFORE_2024_25


def _no_provider_places(year: CollectionYear) -> tuple[str, ...]:
    return NO_PROVIDER_FROM_2025_26 if year.ruleset.ends >= 2026 else NO_PROVIDER_BEFORE_2025_26


# Header rules


def _sex(tables: Tables, year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    # A blank SEX is invalid too: every child has one.
    header = tables[HEADER]
    return {HEADER: _rows(~header["SEX"].isin(_sex_codes(year)))}


def _child_twice_in_header(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    child = tables[HEADER]["CHILD"]
    return {HEADER: _rows(child.notna() & child.duplicated(keep=False))}


# Episodes rules


def _not_in_header(table: str) -> Check:
    def check(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
        return {table: _rows(~tables[table]["CHILD"].isin(tables[HEADER]["CHILD"]))}

    return check


def _episodes_dated(tables: Tables) -> pd.DataFrame:
    episodes = tables[EPISODES]
    return pd.DataFrame(
        {
            "CHILD": episodes["CHILD"],
            "DECOM": _dates(episodes["DECOM"]),
            "DEC": _dates(episodes["DEC"]),
            "REC": episodes["REC"],
            "LS": episodes["LS"],
        }
    )


def _previous_not_ended(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """142: every episode but a child's latest has a DEC and a REC."""
    dated = _episodes_dated(tables)
    # A child's latest episode: the last by DECOM, a tie going to the later row and one whose
    # DECOM is not a date counting as the latest, as DfE's rule has it (such a file is refused
    # for rule 141 anyway).
    latest = set(dated.sort_values("DECOM", kind="stable", na_position="last").groupby("CHILD").tail(1).index)
    ended = dated["DEC"].notna() & dated["REC"].notna()
    candidate = dated.index.to_series().map(lambda i: i not in latest)
    return {EPISODES: _rows(candidate & ~ended & dated["CHILD"].notna() & dated["DECOM"].notna())}


def _overlapping(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """501: an episode starts before the child's previous episode ended."""
    dated = _episodes_dated(tables).sort_values(["CHILD", "DECOM"], kind="stable")
    previous = dated.shift(1)
    overlap = (dated["CHILD"] == previous["CHILD"]) & (dated["DECOM"] < previous["DEC"])
    return {EPISODES: sorted(_rows(overlap))}


def _dec_and_rec_together(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    episodes = tables[EPISODES]
    return {EPISODES: _rows(episodes["DEC"].isna() != episodes["REC"].isna())}


def _ends_before_start(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    dated = _episodes_dated(tables)
    return {EPISODES: _rows(dated["DEC"].notna() & (dated["DEC"] < dated["DECOM"]))}


def _short_break_too_long(tables: Tables, year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """365: a single short break (V3) lasts at most 17 days; one not ended runs to the year's end."""
    episodes = tables[EPISODES]
    start = _dates(episodes["DECOM"])
    end = _dates(episodes["DEC"].fillna(year.end.strftime("%d/%m/%Y")))
    return {EPISODES: _rows((episodes["LS"] == SHORT_BREAK) & (end > start + pd.DateOffset(days=17)))}


def _short_break_changes_placement(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """366: a V3 episode begins a period of care (RNE S): a break does not change placement."""
    episodes = tables[EPISODES]
    return {EPISODES: _rows((episodes["LS"] == SHORT_BREAK) & (episodes["RNE"] != "S"))}


def _short_breaks_over_75_days(tables: Tables, year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """367: a child's V3 days within the collection year total at most 75."""
    episodes = tables[EPISODES]
    breaks = episodes[(episodes["LS"] == SHORT_BREAK) & episodes["DECOM"].notna()]
    start = _dates(breaks["DECOM"]).clip(lower=_at(year, "start"))
    end = _dates(breaks["DEC"])
    end = end.where(breaks["DEC"].notna() & ~(end > _at(year, "end")), _at(year, "end"))
    days = (end - start).dt.days
    counted = days > 0
    totals = days[counted].groupby(breaks.loc[counted, "CHILD"]).transform("sum")
    return {EPISODES: _rows(totals > 75)}


def _both_kinds_of_short_break(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """426: a child is not recorded under both V3 and V4 in the year."""
    episodes = tables[EPISODES]
    both = set(episodes.loc[episodes["LS"] == "V3", "CHILD"]) & set(episodes.loc[episodes["LS"] == "V4", "CHILD"])
    return {EPISODES: _rows(episodes["LS"].isin(SHORT_BREAKS) & episodes["CHILD"].isin(both))}


def _provider(tables: Tables, year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """178: PLACE_PROVIDER is a valid code, and blank for placements that take none."""
    episodes = tables[EPISODES]
    provider, place = episodes["PLACE_PROVIDER"], episodes["PLACE"]
    without = place.isin(_no_provider_places(year))
    valid = provider.isna() | (provider.isin(PLACE_PROVIDER_CODES) & ~without)
    return {EPISODES: _rows(~valid)}


def _postcode_not_found(tables: Tables, _year: CollectionYear, known: PostcodeKnown | None) -> Flagged:
    """392c: a HOME_POST or PL_POST given is not a postcode (current or terminated)."""
    assert known is not None
    episodes = tables[EPISODES]
    cache: dict[str, bool] = {}

    def unknown(value: object) -> bool:
        if not isinstance(value, str):
            return False
        code = value.replace(" ", "")
        if code not in cache:
            cache[code] = not known(code)
        return cache[code]

    bad = episodes["HOME_POST"].map(unknown) | episodes["PL_POST"].map(unknown)
    return {EPISODES: _rows(bad.astype(bool))}


def _no_postcodes(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """392b: an episode other than a short break lacks HOME_POST or PL_POST (DfE warns of false positives)."""
    episodes = tables[EPISODES]
    header = tables.get(HEADER)
    exempt = pd.Series(False, index=episodes.index)
    if header is not None and "UASC" in header.columns:
        # DfE's rule spares children the Header marks as unaccompanied asylum seekers.
        exempt = episodes["CHILD"].isin(header.loc[header["UASC"] == "1", "CHILD"])
    blank = episodes["HOME_POST"].isna() | episodes["PL_POST"].isna()
    return {EPISODES: _rows(blank & ~episodes["LS"].isin(SHORT_BREAKS) & ~exempt)}


# Missing rules


def _missing_dated(tables: Tables) -> pd.DataFrame:
    missing = tables[MISSING]
    return pd.DataFrame(
        {"CHILD": missing["CHILD"], "START": _dates(missing["MIS_START"]), "END": _dates(missing["MIS_END"])}
    )


def _missing_start_without_kind(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    missing = tables[MISSING]
    return {MISSING: _rows(missing["MIS_START"].notna() & missing["MISSING"].isna())}


def _missing_kind_without_start(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    missing = tables[MISSING]
    return {MISSING: _rows(missing["MISSING"].isin(MISSING_CODES) & missing["MIS_START"].isna())}


def _missing_end_without_kind(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    missing = tables[MISSING]
    return {MISSING: _rows(missing["MISSING"].isna() & missing["MIS_END"].notna())}


def _missing_ends_before_start(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    dated = _missing_dated(tables)
    return {MISSING: _rows(dated["START"] > dated["END"])}


def _missing_starts_after_year(tables: Tables, year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    return {MISSING: _rows(_missing_dated(tables)["START"] > _at(year, "end"))}


def _missing_ends_outside_year(tables: Tables, year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    end = _missing_dated(tables)["END"]
    return {MISSING: _rows((end < _at(year, "start")) | (end > _at(year, "end")))}


def _missing_while_previous_open(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """574: a missing period starts only after the child's previous one ended."""
    dated = _missing_dated(tables)
    dated["ORDER_END"] = dated["END"].fillna(dated["START"])
    ordered = dated.sort_values(["CHILD", "ORDER_END", "START"], kind="stable")
    previous = ordered.shift(1)
    clash = (ordered["CHILD"] == previous["CHILD"]) & (previous["END"].isna() | (ordered["START"] < previous["END"]))
    return {MISSING: sorted(_rows(clash))}


def _missing_outside_episodes(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """581: a missing period starts within one of the child's episodes (when the child has any)."""
    dated = _missing_dated(tables)
    episodes = _episodes_dated(tables)
    pairs = dated.reset_index().merge(episodes, on="CHILD", how="inner")
    inside = (pairs["START"] >= pairs["DECOM"]) & ((pairs["START"] <= pairs["DEC"]) | pairs["DEC"].isna())
    any_inside = inside.groupby(pairs["index"]).any()
    return {MISSING: sorted(int(i) for i in any_inside.index[~any_inside])}


def _missing_in_ended_episode_never_ended(
    tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None
) -> Flagged:
    """575: a missing period that starts during an episode that has ended has an end date too."""
    missing = tables[MISSING]
    rows = pd.DataFrame(
        {"CHILD": missing["CHILD"], "START": _dates(missing["MIS_START"]), "OPEN": missing["MIS_END"].isna()}
    ).reset_index()
    pairs = rows.merge(_episodes_dated(tables), on="CHILD", how="inner")
    ended = pairs["DEC"].notna() & (pairs["START"] >= pairs["DECOM"]) & (pairs["START"] <= pairs["DEC"])
    return {MISSING: sorted({int(i) for i in pairs.loc[ended & pairs["OPEN"], "index"]})}


def _periods_of_care(tables: Tables) -> pd.DataFrame:
    """Each child's periods of care: episodes run on while one starts on the day the last ended.

    CHILD, START (the first DECOM) and END (the last episode's DEC, not known while open).
    An episode whose DECOM is not a date is left out; one after an episode with no DEC
    continues its period, as DfE's rules read them.
    """
    dated = _episodes_dated(tables)
    dated = dated[dated["DECOM"].notna()].sort_values(["CHILD", "DECOM"], kind="stable")
    previous = dated.shift(1)
    new_period = (dated["DECOM"] > previous["DEC"]) | (dated["CHILD"] != previous["CHILD"])
    period = new_period.astype(int).cumsum()
    grouped = dated.groupby(period)
    return pd.DataFrame(
        {
            "CHILD": grouped["CHILD"].first(),
            "START": grouped["DECOM"].first(),
            "END": grouped["DEC"].agg(lambda values: values.iloc[-1]),
        }
    )


def _outside_every_period(
    rows: pd.DataFrame, periods: pd.DataFrame, outside: Callable[[pd.DataFrame], pd.Series]
) -> list[int]:
    """The missing rows (column `index`) that `outside` finds outside every period of their child's."""
    pairs = rows.merge(periods, on="CHILD", how="inner", suffixes=("", "_POC"))
    if pairs.empty:
        return []
    out = outside(pairs).fillna(False).astype(bool)
    every = out.groupby(pairs["index"]).all()
    return sorted(int(i) for i in every.index[every])


def _missing_after_care_ended(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """577: a missing period lies within a period of care: it ends by then, and never before it began."""
    dated = _missing_dated(tables).reset_index()
    dated = dated[dated["START"].notna()]

    def outside(p: pd.DataFrame) -> pd.Series:
        open_ = p["END"].isna()
        return (
            (open_ & p["END_POC"].notna())
            | (open_ & (p["START"] < p["START_POC"]))
            | (p["END"] > p["END_POC"])
            | (p["END"] < p["START_POC"])
        )

    return {MISSING: _outside_every_period(dated, _periods_of_care(tables), outside)}


def _missing_starts_outside_care(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """578: a missing period starts within one of the child's periods of care."""
    dated = _missing_dated(tables).reset_index()

    def outside(p: pd.DataFrame) -> pd.Series:
        return (p["START"] < p["START_POC"]) | (p["END_POC"].notna() & (p["START"] > p["END_POC"]))

    return {MISSING: _outside_every_period(dated, _periods_of_care(tables), outside)}


def _missing_before_birth(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    missing = tables[MISSING]
    start, born = _dates(missing["MIS_START"]), _dates(missing["DOB"])
    return {MISSING: _rows(start.notna() & (start <= born))}


def _missing_dob_differs(tables: Tables, _year: CollectionYear, _known: PostcodeKnown | None) -> Flagged:
    """INT13: the Missing table's DOB is the Header's, where both are dates."""
    header = pd.DataFrame({"CHILD": tables[HEADER]["CHILD"], "BORN": _dates(tables[HEADER]["DOB"])})
    missing = tables[MISSING]
    rows = pd.DataFrame({"CHILD": missing["CHILD"], "DOB": _dates(missing["DOB"])}).reset_index()
    pairs = rows.merge(header, on="CHILD", how="inner")
    differs = pairs["DOB"].notna() & pairs["BORN"].notna() & (pairs["DOB"] != pairs["BORN"])
    return {MISSING: sorted({int(i) for i in pairs.loc[differs, "index"]})}


def _rule(
    code: str,
    field: str,
    message: str,
    check: Callable[[Tables, CollectionYear, PostcodeKnown | None], Flagged],
    needs: tuple[str, ...],
    severity: str = FLAG,
    needs_postcodes: bool = False,
) -> Rule:
    return Rule(code, field, message, check, severity, needs, needs_postcodes)


RULES: tuple[Rule, ...] = (
    # Header
    _rule("101", "SEX", "The child or young person’s reported sex is not valid.", _sex, (HEADER,)),
    _rule(
        "102",
        "DOB",
        "Date of birth is not a valid date.",
        _unreadable_date(HEADER, "DOB", blank_bad=True),
        (HEADER,),
        ERROR,
    ),
    _rule(
        "103",
        "ETHNIC",
        "The ethnicity code is either not valid or has not been entered.",
        _code_list(HEADER, "ETHNIC", lambda _y: ETHNIC_CODES, blank_ok=False),
        (HEADER,),
    ),
    _rule(
        "INT32", "CHILD", "Internal Check: Child should only exist once in Header.", _child_twice_in_header, (HEADER,)
    ),
    # Episodes: codes and dates
    _rule(
        "141",
        "DECOM",
        "Date episode began is not a valid date.",
        _unreadable_date(EPISODES, "DECOM"),
        (EPISODES,),
        ERROR,
    ),
    _rule(
        "147",
        "DEC",
        "Date episode ceased is not a valid date.",
        _unreadable_date(EPISODES, "DEC"),
        (EPISODES,),
        ERROR,
    ),
    _rule(
        "143",
        "RNE",
        "The reason for new episode code is not a valid code.",
        _code_list(EPISODES, "RNE", lambda _y: RNE_CODES),
        (EPISODES,),
    ),
    _rule(
        "144",
        "LS",
        "The legal status code is not a valid code.",
        _code_list(EPISODES, "LS", lambda _y: LS_CODES),
        (EPISODES,),
    ),
    _rule(
        "145",
        "CIN",
        "Category of need code is not a valid code.",
        _code_list(EPISODES, "CIN", lambda _y: CIN_CODES),
        (EPISODES,),
    ),
    _rule(
        "146",
        "PLACE",
        "Placement type code is not a valid code.",
        _code_list(EPISODES, "PLACE", place_codes),
        (EPISODES,),
    ),
    _rule(
        "149",
        "REC",
        "Reason episode ceased code is not valid.",
        _code_list(EPISODES, "REC", lambda _y: REC_CODES),
        (EPISODES,),
    ),
    _rule("178", "PLACE_PROVIDER", "Placement provider code is not a valid code.", _provider, (EPISODES,)),
    _rule(
        "1009",
        "REASON_PLACE_CHANGE",
        "Reason for placement change is not a valid code.",
        _code_list(EPISODES, "REASON_PLACE_CHANGE", lambda _y: REASON_PLACE_CHANGE_CODES),
        (EPISODES,),
    ),
    _rule(
        "INT03",
        "CHILD",
        "Internal Check: Child in Episodes does not exist in Header.",
        _not_in_header(EPISODES),
        (HEADER, EPISODES),
    ),
    # Episodes: across fields and rows
    _rule(
        "142",
        "DEC",
        "A new episode has started, but the previous episode has not ended.",
        _previous_not_ended,
        (EPISODES,),
    ),
    _rule(
        "148",
        "DEC",
        "Date episode ceased and reason episode ceased must both be coded, or both left blank.",
        _dec_and_rec_together,
        (EPISODES,),
    ),
    _rule(
        "356",
        "DEC",
        "The date the episode ceased is before the date the same episode started.",
        _ends_before_start,
        (EPISODES,),
    ),
    _rule(
        "501",
        "DECOM",
        "A new episode has started before the end date of the previous episode.",
        _overlapping,
        (EPISODES,),
    ),
    _rule(
        "365",
        "LS",
        "Any individual short- term respite placement must not exceed 17 days.",
        _short_break_too_long,
        (EPISODES,),
    ),
    _rule(
        "366",
        "LS",
        "A child cannot change placement during the course of an individual short-term respite break.",
        _short_break_changes_placement,
        (EPISODES,),
    ),
    _rule(
        "367",
        "LS",
        "The maximum amount of respite care allowable is 75 days in any 12-month period.",
        _short_breaks_over_75_days,
        (EPISODES,),
    ),
    _rule(
        "426",
        "LS",
        "A child receiving respite care cannot be recorded under a legal status of V3 and V4 in the same year.",
        _both_kinds_of_short_break,
        (EPISODES,),
    ),
    _rule(
        "392b",
        "HOME_POST",
        "Child is looked after but no postcodes are recorded. (The placement distance is not known: typical of "
        "an unaccompanied asylum-seeking child with no home postcode.)",
        _no_postcodes,
        (EPISODES,),
    ),
    _rule(
        "392c",
        "HOME_POST",
        "Postcode(s) provided are invalid. (Not found among current or terminated postcodes: the placement "
        "distance is not known.)",
        _postcode_not_found,
        (EPISODES,),
        needs_postcodes=True,
    ),
    # Missing
    _rule(
        "1004",
        "MIS_START",
        "The start date of the missing episode or episode that the child was away from placement without "
        "authorisation is not a valid date.",
        _unreadable_date(MISSING, "MIS_START", blank_bad=True),
        (MISSING,),
        ERROR,
    ),
    _rule(
        "1005",
        "MIS_END",
        "The end date of the missing episode or episode that the child was away from placement without "
        "authorisation is not a valid date.",
        _unreadable_date(MISSING, "MIS_END"),
        (MISSING,),
        ERROR,
    ),
    _rule(
        "1006",
        "MISSING",
        "Missing type invalid.",
        _code_list(MISSING, "MISSING", lambda _y: MISSING_CODES),
        (MISSING,),
    ),
    _rule(
        "564",
        "MIS_START",
        "Child was missing or away from placement without authorisation and the date started is blank.",
        _missing_kind_without_start,
        (MISSING,),
    ),
    _rule(
        "565",
        "MISSING",
        "The date that the child started to be missing or away from placement without authorisation has been "
        "completed but whether the child was missing or away from placement without authorisation has not been "
        "completed.",
        _missing_start_without_kind,
        (MISSING,),
    ),
    _rule(
        "566",
        "MISSING",
        "The date that the child's episode of being missing or away from placement without authorisation ended "
        "has been completed but whether the child was missing or away without authorisation has not been completed.",
        _missing_end_without_kind,
        (MISSING,),
    ),
    _rule(
        "567",
        "MIS_END",
        "The date that the missing episode or episode that the child was away from placement without "
        "authorisation ended is before the date that it started.",
        _missing_ends_before_start,
        (MISSING,),
    ),
    _rule(
        "570",
        "MIS_START",
        "The date that the child started to be missing or away from placement without authorisation is after "
        "the end of the collection year.",
        _missing_starts_after_year,
        (MISSING,),
    ),
    _rule(
        "571",
        "MIS_END",
        "The date that the child ceased to be missing or away from placement without authorisation is before "
        "the start or after the end of the collection year.",
        _missing_ends_outside_year,
        (MISSING,),
    ),
    _rule(
        "574",
        "MIS_START",
        "A new missing/away from placement without authorisation period cannot start when the previous "
        "missing/away from placement without authorisation period is still open. Missing/away from placement "
        "without authorisation periods should also not overlap.",
        _missing_while_previous_open,
        (MISSING,),
    ),
    _rule(
        "575",
        "MIS_END",
        "If the placement from which the child goes missing/away from placement without authorisation ends, "
        "the missing/away from placement without authorisation period in the missing module must also have an "
        "end date.",
        _missing_in_ended_episode_never_ended,
        (EPISODES, MISSING),
    ),
    _rule(
        "577",
        "MIS_END",
        "Child ceased to be looked after but there is a missing/away from placement without authorisation "
        "period without an end date.",
        _missing_after_care_ended,
        (EPISODES, MISSING),
    ),
    _rule(
        "578",
        "MIS_START",
        "The date that the child started to be missing is after the child ceased to be looked after.",
        _missing_starts_outside_care,
        (EPISODES, MISSING),
    ),
    _rule(
        "581",
        "MIS_START",
        "Child is missing but has not yet started to be looked after.",
        _missing_outside_episodes,
        (EPISODES, MISSING),
    ),
    _rule(
        "586",
        "MIS_START",
        "Dates of missing periods are before child’s date of birth.",
        _missing_before_birth,
        (MISSING,),
    ),
    _rule(
        "INT04",
        "CHILD",
        "Internal Check: Child in Missing does not exist in Header.",
        _not_in_header(MISSING),
        (HEADER, MISSING),
    ),
    _rule(
        "INT13",
        "DOB",
        "Internal Check: DOB in Missing is different to DOB in Header.",
        _missing_dob_differs,
        (HEADER, MISSING),
    ),
)

RULE_CODES = tuple(rule.code for rule in RULES)
_BY_CODE = {rule.code: rule for rule in RULES}


def rule(code: str) -> Rule:
    return _BY_CODE[code]


def flagged_rows(
    tables: Tables, year: CollectionYear, known_postcode: PostcodeKnown | None = None
) -> dict[str, Flagged]:
    """Rule code -> table -> 0-based rows flagged, for each rule that can run on these tables.

    A rule runs when its tables are given (and, for 392c, a postcode lookup); the
    comparison with DfE's validator reads this directly.
    """
    found: dict[str, Flagged] = {}
    for each in RULES:
        if any(table not in tables for table in each.needs):
            continue
        if each.needs_postcodes and known_postcode is None:
            continue
        # Each rule sees its own copies: none can change what another reads.
        copies = {name: frame.copy() for name, frame in tables.items()}
        found[each.code] = {t: rows for t, rows in each.check(copies, year, known_postcode).items() if rows}
    return found


def check(tables: Tables, year: CollectionYear, known_postcode: PostcodeKnown | None = None) -> list[Finding]:
    """Every finding of every rule on the tables, by table then row then rule."""
    findings: list[Finding] = []
    for code, flagged in flagged_rows(tables, year, known_postcode).items():
        each = _BY_CODE[code]
        for table, rows in flagged.items():
            children = tables[table]["CHILD"] if "CHILD" in tables[table].columns else None
            for row in rows:
                child = children.iloc[row] if children is not None else None
                findings.append(
                    Finding(
                        table=table,
                        row=row + 2,
                        child=child if isinstance(child, str) else None,
                        field=each.field,
                        code=code,
                        severity=each.severity,
                        message=each.message,
                    )
                )
    order = {table: i for i, table in enumerate(TABLES)}
    rank = {code: i for i, code in enumerate(RULE_CODES)}
    findings.sort(key=lambda f: (order.get(f.table, len(order)), f.row, rank[f.code]))
    return findings


def year_of_return(tables: Tables, today: date) -> CollectionYear:
    """The collection year a return belongs to: the one holding its latest episode date.

    DECOM and DEC both count (a return reports episodes open in its year), but not a date
    after `today`, which is a mistake rather than the year. Dates written yyyy-mm-dd count
    too (the import reads them, though DfE's rules 141 and 147 do not). No readable date:
    today's year.
    """
    episodes = tables.get(EPISODES)
    latest: date | None = None
    if episodes is not None:

        def either(values: pd.Series) -> pd.Series:
            return _dates(values).fillna(pd.to_datetime(values, format="%Y-%m-%d", errors="coerce"))

        days = pd.concat([either(episodes["DECOM"]), either(episodes["DEC"])]).dropna()
        days = days[days <= pd.Timestamp(today)]
        if len(days):
            latest = days.max().date()
    return CollectionYear.containing(latest or today)


def summary(findings: Iterable[Finding]) -> list[tuple[str, str, str, int]]:
    """(table, rule code, message, rows) for each rule that flagged rows, most rows first."""
    counts: dict[tuple[str, str], int] = {}
    messages: dict[str, str] = {}
    for finding in findings:
        counts[(finding.table, finding.code)] = counts.get((finding.table, finding.code), 0) + 1
        messages[finding.code] = finding.message
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(table, code, messages[code], n) for (table, code), n in ranked]
