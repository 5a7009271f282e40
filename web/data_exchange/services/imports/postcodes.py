"""The ONS Postcode Directory (ONSPD) CSV: postcodes to coordinates, authority and LSOA, offline.

Every UK postcode already resolves from the packaged directory (`planner.postcode_lookup`);
this import is for newer editions and LSOAs, and a postcode it stores wins over the package.

Reads the published column names: pcds (or pcd) for the postcode, lat and long,
oseast1m and osnrth1m (the grid reference DfE's placement distance uses), oscty (the
county, the children's-services authority where there is one) else oslaua, and
lsoa21 else lsoa11. The newer names (pcd7, east1m, nrth1m, gridind, cty25cd, lad25cd,
lsoa21cd ...) are read too. Terminated postcodes (doterm set) and postcodes with no
grid reference (osgrdind 9, or no lat) are skipped and counted, not problems. A
postcode already stored is replaced; a postcode listed twice keeps its later row.

The real directory has 2.7 million rows, so the file is read with pandas in chunks of
only the columns used, checked column-wise, and written in bulk.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd

from web.data_exchange.services.imports import base
from web.data_exchange.services.imports.base import FileSpec, ImportContext, Loaded, Problems, decode
from web.shared.repositories import imports as repository

CHUNK_ROWS = 100_000
# ONSPD's "pseudo" code for "no county" (unitary areas, London boroughs, metropolitan districts).
NO_COUNTY = "E99999999"
# ONSPD puts lat 99.999999 where a postcode has no grid reference.
NO_GRID_LAT = 99.0
_POSTCODE = r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$"
_GSS = r"^[A-Z][0-9]{8}$"

# Our name -> accepted header names, in order of preference.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "pcds": ("pcds",),
    "pcd": ("pcd", "pcd7", "pcd2", "pcd8"),
    "doterm": ("doterm",),
    "oscty": ("oscty", "cty"),
    "oslaua": ("oslaua", "laua"),
    "osgrdind": ("osgrdind", "gridind"),
    "oseast1m": ("oseast1m", "east1m"),
    "osnrth1m": ("osnrth1m", "nrth1m"),
    "lsoa21": ("lsoa21", "lsoa21cd"),
    "lsoa11": ("lsoa11", "lsoa11cd"),
    "lat": ("lat",),
    "long": ("long",),
}
# Newer releases put the boundary year in the name: cty25cd, lad24cd.
_YEARED = {"oscty": re.compile(r"^cty\d\dcd$"), "oslaua": re.compile(r"^lad\d\dcd$")}


@dataclass(frozen=True)
class PostcodeDirectoryImporter:
    kind: str = "postcodes"
    label: str = "ONS Postcode Directory"
    description: str = (
        "Every UK postcode already resolves from the directory packaged with the planner. Import a "
        "newer ONS Postcode Directory (ONSPD) CSV, as ONS publishes it, for postcodes newer than "
        "that or for their LSOAs: a postcode imported here wins over the packaged one. Postcodes "
        "already stored are replaced; terminated postcodes and postcodes with no grid reference "
        "are skipped and counted."
    )
    roles: tuple[str, ...] = ("admin",)
    files: tuple[FileSpec, ...] = (
        FileSpec(
            "file",
            "ONS Postcode Directory (CSV)",
            streamed=True,
            hint="Columns used: pcds (or pcd), lat, long, doterm, oseast1m, osnrth1m, osgrdind, "
            "oscty, oslaua, lsoa21 or lsoa11. Other columns are ignored.",
        ),
    )

    def load(self, files: dict[str, bytes], context: ImportContext) -> Loaded:
        problems = Problems()
        data = files["file"]
        found = _header_columns(data, problems)
        if found is None:
            return problems.loaded(0, {})
        rows = added = terminated = no_grid = 0
        for first_row, chunk in _chunks(data, found):
            rows += int((chunk != "").any(axis=1).sum())
            checked = _check(chunk, first_row, problems)
            terminated += checked.terminated
            no_grid += checked.no_grid
            if problems or checked.records is None:
                continue  # nothing will be kept: carry on only to report every problem
            repository.replace_postcodes(checked.records)
            added += len(checked.records)
        skipped = {"terminated postcodes": terminated, "postcodes with no grid reference": no_grid}
        return problems.loaded(rows, {"postcodes": added}, {k: v for k, v in skipped.items() if v})


IMPORTER = PostcodeDirectoryImporter()


def _header_columns(data: bytes, problems: Problems) -> dict[str, str] | None:
    """Our name -> the header as written in the file, or None with a problem per missing column."""
    head = decode(data[: 1 << 16]) if len(data) <= 1 << 16 else data[: 1 << 16].decode("utf-8-sig", "ignore")
    written = [name.strip() for name in next(csv.reader(io.StringIO(head)), [])]
    by_key = {name.lower(): name for name in written}
    found: dict[str, str] = {}
    for ours, accepted in _COLUMNS.items():
        for name in accepted:
            if name in by_key:
                found[ours] = by_key[name]
                break
        else:
            pattern = _YEARED.get(ours)
            matches = sorted((k for k in by_key if pattern.match(k)), reverse=True) if pattern else []
            if matches:
                found[ours] = by_key[matches[0]]
    missing = []
    if "pcds" not in found and "pcd" not in found:
        missing.append("pcds (or pcd)")
    missing += [name for name in ("lat", "long") if name not in found]
    if missing:
        words = ", ".join(missing)
        problems.add("file", 1, None, f"The header row is missing the column{'s' if len(missing) > 1 else ''} {words}")
        return None
    return found


def _chunks(data: bytes, found: dict[str, str]) -> Iterator[tuple[int, pd.DataFrame]]:
    """(spreadsheet row of the chunk's first row, chunk with our column names, all text)."""
    reader = pd.read_csv(
        base.reader(data),  # a mapped file (the command line's) is read and released a slice at a time
        usecols=list(found.values()),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        encoding="utf-8-sig",
        chunksize=CHUNK_ROWS,
    )
    rename = {written: ours for ours, written in found.items()}
    first_row = 2
    for chunk in reader:
        chunk = chunk.rename(columns=rename)
        for ours in _COLUMNS:
            if ours not in chunk:
                chunk[ours] = ""
        yield first_row, chunk.apply(lambda column: column.str.strip())
        first_row += len(chunk)


_Report = Callable[[pd.Series, str | None, str], None]


@dataclass
class _Checked:
    records: list[dict[str, object]] | None
    terminated: int
    no_grid: int


def _check(chunk: pd.DataFrame, first_row: int, problems: Problems) -> _Checked:
    """Validate a chunk column-wise; the rows to store, or None when a problem was found."""
    row_numbers = pd.Series(range(first_row, first_row + len(chunk)), index=chunk.index)
    blank = (chunk == "").all(axis=1)
    postcode = chunk["pcds"].where(chunk["pcds"] != "", chunk["pcd"]).str.replace(r"\s+", "", regex=True).str.upper()
    terminated = (chunk["doterm"] != "") & ~blank
    lat = pd.to_numeric(chunk["lat"], errors="coerce")
    lon = pd.to_numeric(chunk["long"], errors="coerce")
    no_grid = ~blank & ~terminated & ((chunk["osgrdind"] == "9") | (chunk["lat"] == "") | (lat >= NO_GRID_LAT))
    live = ~blank & ~terminated & ~no_grid

    def report(mask: pd.Series, field: str | None, message: str) -> None:
        for number in row_numbers[mask & live]:
            problems.add("file", int(number), field, message)

    report(postcode == "", "pcds", "Enter pcds (the postcode): it is blank")
    report((postcode != "") & ~postcode.str.match(_POSTCODE), "pcds", "pcds is not a UK postcode")
    report(lat.isna(), "lat", "lat must be a number")
    report(lat.notna() & ((lat < -90) | (lat > 90)), "lat", "lat must be between -90 and 90")
    report(lon.isna(), "long", "long must be a number")
    report(lon.notna() & ((lon < -180) | (lon > 180)), "long", "long must be between -180 and 180")
    easting = _whole_numbers(chunk["oseast1m"], "oseast1m", report)
    northing = _whole_numbers(chunk["osnrth1m"], "osnrth1m", report)
    county = chunk["oscty"]
    authority = county.where((county != "") & (county != NO_COUNTY), chunk["oslaua"])
    report((authority != "") & ~authority.str.match(_GSS), "oscty", "oscty / oslaua must be a GSS code like E10000012")
    lsoa = chunk["lsoa21"].where(chunk["lsoa21"] != "", chunk["lsoa11"])
    report((lsoa != "") & ~lsoa.str.match(_GSS), "lsoa21", "lsoa21 / lsoa11 must be a GSS code like E01000001")

    counts = _Checked(None, int(terminated.sum()), int(no_grid.sum()))
    if problems:  # this chunk's, or an earlier one's: nothing will be written
        return counts
    table = pd.DataFrame(
        {
            "postcode": postcode,
            "lat": lat,
            "lon": lon,
            "easting": easting,
            "northing": northing,
            "authority_code": authority,
            "lsoa_code": lsoa,
        }
    )[live]
    table = table.drop_duplicates("postcode", keep="last")
    # Plain Python values (the database drivers do not all take numpy's), built from
    # whole columns: per-cell pandas access would cost more than the rest of the import.
    columns = zip(
        table["postcode"].tolist(),
        table["lat"].to_numpy(dtype="float64").tolist(),
        table["lon"].to_numpy(dtype="float64").tolist(),
        _optional_ints(table["easting"]),
        _optional_ints(table["northing"]),
        _optional_texts(table["authority_code"]),
        _optional_texts(table["lsoa_code"]),
        strict=True,
    )
    counts.records = [
        {"postcode": c, "lat": la, "lon": lo, "easting": e, "northing": n, "authority_code": a, "lsoa_code": ls}
        for c, la, lo, e, n, a, ls in columns
    ]
    return counts


def _whole_numbers(column: pd.Series, field: str, report: _Report) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce")
    bad = (column != "") & (numbers.isna() | (numbers % 1 != 0))
    report(bad, field, f"{field} must be a whole number of metres")
    return numbers.where(~bad)


def _optional_ints(column: pd.Series) -> list[int | None]:
    return [None if v != v else int(v) for v in column.to_numpy(dtype="float64").tolist()]


def _optional_texts(column: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) and v else None for v in column.tolist()]
