"""The command line: `python -m planner rank|validate FILE` (or `-` for standard input)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import planner
from planner.postcode_lookup import packaged_postcodes
from tests.unit.conftest import case, placement, referral, young_person

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "samples" / "rank-case.json"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def invalid_case() -> dict:
    return case(placements=[placement("P-1", lat=95), placement("P-2", setting="hotel")])


def test_rank_prints_exactly_what_rank_case_returns():
    """`rank FILE` exits 0 and prints the JSON ranking that planner.rank_case gives."""
    done = run("rank", str(SAMPLE))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout) == planner.rank_case(json.loads(SAMPLE.read_text(encoding="utf-8")))


def test_rank_reads_standard_input():
    """`rank -` reads the case from standard input."""
    done = run("rank", "-", stdin=SAMPLE.read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["referral_id"] == "R-1"


def test_rank_of_an_invalid_case_exits_2_with_one_line_per_problem(tmp_path):
    """An invalid case prints each problem on its own line on stderr, nothing on stdout, and exits 2."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps(invalid_case()), encoding="utf-8")
    done = run("rank", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "placements[0].lat: must be between -90 and 90",
        "placements[1].setting: must be one of: foster, residential, supported, secure",
    ]


def test_rank_of_text_that_is_not_json_exits_2():
    """Text that is not JSON is reported as such, with exit status 2."""
    done = run("rank", "-", stdin='{"format": "placement-case/1",')
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("(case): not valid JSON")
    assert len(done.stderr.splitlines()) == 1


def test_rank_of_a_json_array_exits_2():
    """A JSON value that is not an object is an invalid case."""
    done = run("rank", "-", stdin="[]")
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "(case): must be a JSON object\n")


def test_rank_of_a_missing_file_exits_1():
    """A file that cannot be read exits 1 with a message, not a traceback."""
    done = run("rank", "no-such-case.json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "cannot read" in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_accepts_the_sample():
    """`validate` exits 0 on the sample case."""
    done = run("validate", str(SAMPLE))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The case is valid."


def test_validate_rejects_a_bad_case():
    """`validate` exits 2 and lists the problems on stderr."""
    done = run("validate", "-", stdin=json.dumps(invalid_case()))
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 2


def test_rank_resolves_postcodes_from_a_csv(tmp_path):
    """--postcodes resolves a postcode home from a CSV of postcode, lat, lon."""
    lookup = tmp_path / "postcodes.csv"
    lookup.write_text("postcode,lat,lon\nM1 1AE,53.4794,-2.2453\n", encoding="utf-8")
    raw = case(ref=referral(people=[young_person(home={"postcode": "m11ae"})]))
    done = run("rank", "-", "--postcodes", str(lookup), stdin=json.dumps(raw))
    assert done.returncode == 0, done.stderr
    by_point = case(ref=referral(people=[young_person(home={"lat": 53.4794, "lon": -2.2453})]))
    assert json.loads(done.stdout) == planner.rank_case(by_point)
    without = run("rank", "-", "--no-packaged-postcodes", stdin=json.dumps(raw))
    assert without.returncode == 2
    assert without.stderr.startswith("referral.young_people[0].home.postcode: ")


def test_rank_resolves_every_uk_postcode_by_default():
    """Without --postcodes, the packaged ONS Postcode Directory resolves a real postcode;
    an unknown one is still an error naming the field."""
    raw = case(ref=referral(people=[young_person(home={"postcode": "m1 1ae"})]))
    done = run("rank", "-", stdin=json.dumps(raw))
    assert done.returncode == 0, done.stderr
    found = packaged_postcodes().find("M1 1AE")
    assert found is not None
    by_point = case(ref=referral(people=[young_person(home={"lat": found.lat, "lon": found.lon})]))
    assert json.loads(done.stdout) == planner.rank_case(by_point)
    unknown = case(ref=referral(people=[young_person(home={"postcode": "ZZ9 9ZZ"})]))
    refused = run("rank", "-", stdin=json.dumps(unknown))
    assert refused.returncode == 2
    assert refused.stderr.startswith("referral.young_people[0].home.postcode: 'ZZ9 9ZZ' is not in the postcode lookup")


def test_the_sample_batch_case_allocates_every_referral_keeping_the_kept_apart_pair_apart():
    """data/samples/assign-case.json: a sibling group, a solo referral and two children kept apart."""
    done = run("assign", str(REPO / "data" / "samples" / "assign-case.json"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "optimal"
    where = {a["referral_id"]: a["placement_id"] for a in result["assignments"]}
    assert set(where) == {"R-1", "R-2", "R-3", "R-4"}
    assert where["R-1"] != where["R-2"]  # YP-2 must not live with YP-1
