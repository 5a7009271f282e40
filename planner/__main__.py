"""Command line: `python -m planner rank|assign|validate CASE.json` (`-` reads standard input).

Postcodes resolve through the packaged ONS Postcode Directory (every UK postcode) unless
`--no-packaged-postcodes` is given; `--postcodes CSV` adds a table that wins over it.

Exit status 0 on success, 2 when the case is invalid (one line per problem on
standard error, naming the field), 1 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from planner import CaseError, assign_case, rank_case, validate_case
from planner.ascii_numbers import read_float
from planner.json_input import JsonInputError, load_json
from planner.postcode_lookup import compact, packaged_postcodes

EXIT_INVALID = 2


def _read(path: str) -> Any:
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        return load_json(text)
    except UnicodeDecodeError:
        raise CaseError(["(case): not UTF-8 text"]) from None
    except JsonInputError as error:
        # Too deep, a key given twice, NaN: refused with a sentence (exit 2), never a traceback.
        raise CaseError([f"(case): {error}"]) from None


def _postcodes(path: str | None, packaged: bool = True) -> Any:
    """A postcode lookup: the CSV's rows (columns postcode, lat, lon; spaces ignored) first,
    then the packaged directory unless `packaged` is False; None when there is neither."""
    fallback = packaged_postcodes() if packaged else None
    if path is None:
        return fallback
    table: dict[str, tuple[float, float]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                table[compact(row["postcode"])] = (read_float(row["lat"]), read_float(row["lon"]))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise CaseError([f"--postcodes {path} line {line}: needs columns postcode, lat, lon"]) from None

    def lookup(postcode: str) -> tuple[float, float] | None:
        found = table.get(compact(postcode))
        return found if found is not None or fallback is None else fallback(postcode)

    return lookup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planner", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    commands = (
        ("rank", "rank one referral's options"),
        ("assign", "allocate a batch of referrals at once (CP-SAT)"),
        ("validate", "report every problem in a case"),
    )
    for name, text in commands:
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("case", help="case JSON file, or - for standard input")
        cmd.add_argument(
            "--postcodes", help="CSV of postcode,lat,lon that wins over the packaged ONS Postcode Directory"
        )
        cmd.add_argument(
            "--no-packaged-postcodes",
            action="store_true",
            help="resolve postcodes only from --postcodes, not from the packaged directory",
        )
    args = parser.parse_args(argv)
    try:
        raw = _read(args.case)
        postcodes = _postcodes(args.postcodes, packaged=not args.no_packaged_postcodes)
        if args.command == "validate":
            problems = validate_case(raw, require="any", postcodes=postcodes)
            if problems:
                raise CaseError(problems)
            print("The case is valid.")
            return 0
        if args.command == "assign":
            result = assign_case(raw, postcodes=postcodes)
        else:
            result = rank_case(raw, postcodes=postcodes)
    except CaseError as error:
        print("\n".join(error.problems), file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:
        print(f"cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
