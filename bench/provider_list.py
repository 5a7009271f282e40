"""A synthetic provider list (the placements CSV of data/samples/placements-sample.csv), seeded.

    python bench/provider_list.py OUT.csv [--rows 200000] [--seed 1]

Every column the import reads, with values the import accepts: settings in the demo's
proportions (foster 70%, residential 20%, supported 8%, secure 2%) with a matching
place code, ages, sexes, specialisms, Ofsted ratings and weekly costs by setting, and
an English children's-services authority. Three rows in four give lat and lon in
England; one in four gives only a postcode, drawn from the packaged ONS directory (a
real postcode, no person's address), which the import resolves. Providers are made
up ("Provider 0042 Ltd"); codes are unique (PROV-0000001 ...).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from planner.case import SPECIALISMS  # noqa: E402

COLUMNS = [
    "code", "label", "provider_name", "setting", "place_code", "provider", "urn", "postcode", "lat", "lon",
    "authority_code", "capacity", "vacancies", "age_min", "age_max", "sexes", "specialisms", "specialist",
    "ofsted_rating", "weekly_cost", "status",
]  # fmt: skip
SETTINGS = (("foster", 70), ("residential", 20), ("supported", 8), ("secure", 2))
PLACE_CODES = {"foster": ("U4", "U5", "U6"), "residential": ("K2", "R1"), "supported": ("K3", "P2"), "secure": ("K1",)}
COSTS = {"foster": (700, 1_500), "residential": (4_000, 9_000), "supported": (1_500, 3_500), "secure": (8_000, 12_000)}
RATINGS = ("outstanding", "good", "good", "requires_improvement", "inadequate", "not_inspected")
# Letters of busy postcode areas (Manchester, Birmingham, Leeds, Sheffield, Newcastle, Liverpool).
POSTCODE_LETTERS = "MBLSNW"
_WELL_FORMED = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


def _authorities() -> list[str]:
    with open(REPO / "data" / "reference" / "authorities.csv", newline="", encoding="utf-8") as fh:
        return [row["gss_code"] for row in csv.DictReader(fh)]


def _postcodes(rng: random.Random, count: int) -> list[str]:
    """`count` real postcodes (display form) from the packaged directory, drawn at random."""
    from planner.postcode_lookup import packaged_postcodes

    lookup = packaged_postcodes()
    letters = [lookup._letter(letter) for letter in POSTCODE_LETTERS]
    codes = [bytes(code).decode() for found in letters if found is not None for code in found.codes]
    # The directory keeps a few codes no address has (NPT for old Newport): only well-formed ones.
    codes = [code for code in codes if _WELL_FORMED.match(code)]
    return [f"{code[:-3]} {code[-3:]}" for code in rng.sample(codes, min(count, len(codes)))]


def provider_list(rows: int, seed: int = 1) -> bytes:
    """The CSV's bytes: a header and `rows` placements."""
    rng = random.Random(seed)
    authorities = _authorities()
    postcodes = iter(_postcodes(rng, rows // 4 + 1))
    settings = [name for name, weight in SETTINGS for _ in range(weight)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in range(1, rows + 1):
        setting = rng.choice(settings)
        capacity = rng.randint(1, 3) if setting == "foster" else rng.randint(2, 12)
        age_min = 16 if setting == "supported" else rng.choice((0, 5, 8, 11, 12))
        by_postcode = i % 4 == 0
        low, high = COSTS[setting]
        writer.writerow(
            [
                f"PROV-{i:07d}",
                f"{setting.capitalize()} placement {i}",
                f"Provider {rng.randint(1, 9_000):04d} Ltd",
                setting,
                rng.choice(PLACE_CODES[setting]),
                f"PR{rng.randint(0, 5)}",
                f"SC{rng.randint(100_000, 999_999)}" if setting in ("residential", "secure") else "",
                next(postcodes) if by_postcode else "",
                "" if by_postcode else f"{rng.uniform(50.6, 54.9):.5f}",
                "" if by_postcode else f"{rng.uniform(-3.3, 1.6):.5f}",
                "" if by_postcode else rng.choice(authorities),
                capacity,
                rng.randint(0, capacity) if rng.random() < 0.3 else 0,
                age_min,
                17 if setting != "supported" else rng.choice((17, 18)),
                rng.choice(("male;female", "male", "female")),
                ";".join(rng.sample(SPECIALISMS, rng.randint(0, 3))),
                rng.choice(("yes", "no", "no", "no")),
                rng.choice(RATINGS),
                rng.randint(low, high),
                rng.choice(("active",) * 18 + ("suspended", "closed")),
            ]
        )
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    data = provider_list(args.rows, args.seed)
    args.out.write_bytes(data)
    print(f"{args.out}: {args.rows:,} placements, {len(data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
