"""Run DfE's SSDA903 validator (csc-validator-be-903) on a return and print the rows it flags, as JSON.

Runs inside `.venv-dfe` (`make dfe-validator`), never in the product's environment: the
package pins pandas < 2. Reads header.csv, episodes.csv and missing.csv (those present)
from a folder, validates them with DfE's rules for a collection year, and prints
{"rules": N, "failed": [...], "flagged": {code: {table: [0-based rows]}},
"messages": {code: message}}.

    .venv-dfe/bin/python scripts/dfe_validator_run.py DIR 2026 [--authority E08000003]
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

TABLE_FILES = ("header", "episodes", "missing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("year", help="the calendar year the collection year ends in, e.g. 2026 for 2025/26")
    parser.add_argument("--authority", default="E08000003")
    args = parser.parse_args()
    # DfE's package logs every rule it runs at INFO; only the JSON belongs on stdout.
    logging.disable(logging.CRITICAL)

    from lac_validator import lac_validator
    from lac_validator.rules.ruleset_utils import get_year_ruleset

    # DfE's validator hands each rule a shallow copy of the tables, and rule 365 writes the
    # collection year's end into every blank DEC in place, so rules run after it (in an order
    # that depends on the file system) see open episodes as ended: 581, for one, then flags a
    # missing period in an open episode. Each rule is given a deep copy here, so each is
    # compared as DfE wrote it rather than as its neighbours left the data.
    def deep_copy(data_store: dict[str, object]) -> dict[str, object]:
        return {k: v.copy(deep=True) if k != "metadata" else v for k, v in data_store.items()}  # type: ignore[attr-defined]

    lac_validator.copy_datastore = deep_copy

    files = [
        {"name": f"{name}.csv", "description": "This year", "file_content": (args.folder / f"{name}.csv").read_bytes()}
        for name in TABLE_FILES
        if (args.folder / f"{name}.csv").exists()
    ]
    registry = get_year_ruleset(args.year)
    validator = lac_validator.LacValidator(
        metadata={"collectionYear": args.year, "localAuthority": args.authority},
        files=files,
        registry=registry,
    )
    flagged: dict[str, dict[str, list[int]]] = {}
    for table, frame in validator.ds_results.items():
        if table == "metadata":
            continue
        for column in frame.columns:
            if str(column).startswith("ERR_"):
                rows = [int(i) for i in frame.index[frame[column] == True]]  # noqa: E712 (a column of objects)
                if rows:
                    flagged.setdefault(str(column)[4:], {})[table] = rows
    messages = {code: rule.message for code, rule in registry.items()}
    print(json.dumps({"rules": len(registry), "failed": validator.fails, "flagged": flagged, "messages": messages}))


if __name__ == "__main__":
    main()
