"""The packaged ONS Postcode Directory lookup (planner.postcode_lookup), on the real package.

Expected positions are the ONS grid references the package ships, and latitudes and
longitudes as published for them (postcodes.io, from the same directory) to within a
few metres: the conversion is pyproj's, not a copy of ONS's.
"""

from __future__ import annotations

from pathlib import Path

import brotli
import msgpack
import pytest

from planner.dfe import placement_distance_miles
from planner.postcode_lookup import PackagedPostcodes, packaged_postcodes, read_district_authorities

# About 11 m in latitude; ONS rounds its own conversions to 6 decimals.
NEAR = 1e-4


@pytest.fixture(scope="module")
def lookup() -> PackagedPostcodes:
    return PackagedPostcodes()


def test_a_current_english_postcode_has_its_grid_reference_point_and_authority(lookup: PackagedPostcodes) -> None:
    """M1 1AE: Manchester's grid reference, converted to WGS84, in Manchester (E08000003)."""
    found = lookup.find("M1 1AE")
    assert found is not None
    assert (found.postcode, found.easting, found.northing) == ("M11AE", 384756, 398553)
    assert found.lat == pytest.approx(53.48347, abs=NEAR) and found.lon == pytest.approx(-2.23118, abs=NEAR)
    assert (found.authority_code, found.district_code, found.lsoa_code) == ("E08000003", "E08000003", None)
    assert lookup("M1 1AE") == (found.lat, found.lon)


def test_a_district_of_a_county_gives_the_county_that_runs_childrens_services(lookup: PackagedPostcodes) -> None:
    """SO23 7SP is in Winchester (E07000094), a district of Hampshire (E10000014)."""
    found = lookup.find("SO23 7SP")
    assert found is not None
    assert (found.district_code, found.authority_code) == ("E07000094", "E10000014")


@pytest.mark.parametrize(
    ("postcode", "easting", "northing", "lat", "lon"),
    [
        ("AB1 0AA", 385386, 801193, 57.101459, -2.242858),  # terminated June 1996
        ("E1W 1UU", 533779, 180545, 51.50801, -0.073706),  # terminated
    ],
)
def test_a_terminated_postcode_still_resolves(
    lookup: PackagedPostcodes, postcode: str, easting: int, northing: int, lat: float, lon: float
) -> None:
    """Old records (SSDA903 returns going back years) carry terminated postcodes: they resolve."""
    found = lookup.find(postcode)
    assert found is not None
    assert (found.easting, found.northing) == (easting, northing)
    assert found.lat == pytest.approx(lat, abs=NEAR) and found.lon == pytest.approx(lon, abs=NEAR)


def test_a_welsh_postcode_has_its_welsh_council(lookup: PackagedPostcodes) -> None:
    """CF10 1AA is in Cardiff (W06000015), its own upper tier."""
    found = lookup.find("CF10 1AA")
    assert found is not None
    assert found.authority_code == "W06000015" and found.district_code == "W06000015"
    assert found.lat == pytest.approx(51.4791, abs=1e-3) and found.lon == pytest.approx(-3.1781, abs=1e-3)


def test_a_scottish_postcode_has_its_scottish_council(lookup: PackagedPostcodes) -> None:
    """EH1 1YZ is in the City of Edinburgh (S12000036); TD15 1AA (Berwick) is in England."""
    edinburgh = lookup.find("EH1 1YZ")
    berwick = lookup.find("TD15 1AA")
    assert edinburgh is not None and berwick is not None
    assert edinburgh.authority_code == "S12000036"
    assert berwick.authority_code == "E06000057"  # Northumberland: a Scottish-looking area in England


def test_a_northern_irish_postcode_converts_from_the_irish_grid(lookup: PackagedPostcodes) -> None:
    """BT1 1AA: Belfast (N09000003); its Irish Grid reference is not given as a British one."""
    found = lookup.find("BT1 1AA")
    assert found is not None
    assert found.authority_code == "N09000003"
    assert found.lat == pytest.approx(54.6024, abs=1e-3) and found.lon == pytest.approx(-5.9223, abs=1e-3)
    assert (found.easting, found.northing) == (None, None)


@pytest.mark.parametrize("written", ["m11ae", "  m1   1ae ", "M1\t1AE", "M11AE", "m1 1Ae"])
def test_spacing_and_case_do_not_matter(lookup: PackagedPostcodes, written: str) -> None:
    """However a person types it, the same postcode is found."""
    found = lookup.find(written)
    assert found is not None and found.postcode == "M11AE"


@pytest.mark.parametrize(
    "postcode",
    [
        "ZZ9 9ZZ",  # well formed, no such area
        "zz99zz",
        "M1 9ZZ",  # a real district, no such unit
        "GY1 1AA",  # Guernsey: no grid reference
        "IM1 1AA",  # Isle of Man: no grid reference
        "",
        "   ",
        "NOT A POSTCODE",
        "1AE",
        "Ü1 1AE",
        "QQ1 1AA",  # no Q file in the package
    ],
)
def test_an_unknown_postcode_or_one_without_a_grid_reference_is_not_found(
    lookup: PackagedPostcodes, postcode: str
) -> None:
    """Nothing is guessed: None, and the callable form gives None too."""
    assert lookup.find(postcode) is None
    assert lookup(postcode) is None


def test_letters_are_read_only_when_asked_for() -> None:
    """A fresh lookup reads nothing; one M postcode reads the M file only."""
    fresh = PackagedPostcodes()
    assert fresh.loaded_letters == ()
    assert fresh.find("M1 1AE") is not None
    assert fresh.loaded_letters == ("M",)
    assert fresh.find("ZZ9 9ZZ") is None
    assert fresh.loaded_letters == ("M", "Z")


def test_find_many_keys_by_compact_postcode_and_leaves_out_unknown_ones(lookup: PackagedPostcodes) -> None:
    found = lookup.find_many(["m1 1ae", "CF10 1AA", "ZZ9 9ZZ"])
    assert sorted(found) == ["CF101AA", "M11AE"]


def test_the_dfe_distance_between_two_postcodes_uses_their_grid_references(lookup: PackagedPostcodes) -> None:
    """M1 1AE to CF10 1AA: sqrt(dE² + dN²) / 1000 / 1.6093, from the packaged references."""
    a, b = lookup.find("M1 1AE"), lookup.find("CF10 1AA")
    assert a is not None and b is not None
    miles = placement_distance_miles(a.easting or 0, a.northing or 0, b.easting or 0, b.northing or 0)
    expected = ((384756 - 318284) ** 2 + (398553 - 176230) ** 2) ** 0.5 / 1000 / 1.6093
    assert miles == pytest.approx(round(expected, 1))


def test_every_district_in_the_reference_table_has_an_authority() -> None:
    """361 current districts: England's map onto the 153, the rest onto themselves."""
    table = read_district_authorities()
    assert len(table) == 361
    english = {upper for lower, upper in table.items() if lower.startswith("E")}
    assert len(english) == 153
    assert all(lower == upper for lower, upper in table.items() if lower[0] in "WSN")


def test_the_process_shares_one_lookup() -> None:
    assert packaged_postcodes() is packaged_postcodes()


def _write_letter(folder: Path, letter: str, columns: dict[str, list[object]]) -> None:
    packed = msgpack.packb({"columns": list(columns), "data": columns}, use_bin_type=True)
    (folder / f"postcodes_{letter}.msgpack.br").write_bytes(brotli.compress(packed))


def test_a_file_in_the_package_format_is_read_as_written(tmp_path: Path) -> None:
    """The package's own layout: pcd (7 characters), laua, oseast1m, osnrth1m; a postcode listed
    twice keeps its first row, and a row without a grid reference is not found."""
    _write_letter(
        tmp_path,
        "T",
        {
            "pcd": ["TS1 1AA", "TS1 1AB", "TS1 1AA", "TS1 1AD"],
            "laua": ["E06000002", None, "E06000001", "E06000002"],
            "oseast1m": [449000.0, 449100.0, 1.0, None],
            "osnrth1m": [519000.0, 519100.0, 1.0, None],
        },
    )
    lookup = PackagedPostcodes(tmp_path, {"E06000002": "E06000002"})
    first = lookup.find("TS1 1AA")
    assert first is not None and (first.easting, first.authority_code) == (449000, "E06000002")
    no_district = lookup.find("TS11AB")
    assert no_district is not None and (no_district.district_code, no_district.authority_code) == (None, None)
    assert lookup.find("TS1 1AD") is None
    assert lookup.find("M1 1AE") is None  # no M file in this folder
