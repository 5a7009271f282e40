"""The packaged postcode lookup: cold start, per lookup and memory, against a database table.

    python bench/postcode_lookup_bench.py [--sample 10000] [--seed 1] [--skip-database]

Every figure is taken in a fresh child process, so imports and caches start cold and
the peak memory (VmHWM) is the child's own:

* cold start: importing `planner.postcode_lookup` (after the engine, which the app and
  the CLI have loaded anyway) and resolving "M1 1AE" (reads the M file, about 119,000
  postcodes, and builds the pyproj transformers), then the first postcode of the
  largest letter (S, 1.3 MB compressed, 361,000 postcodes);
* every letter: reading all 2.72 million postcodes, and the memory the arrays take;
* per lookup, warm: `find` (binary search plus the pyproj conversion) for a seeded
  sample of real postcodes across the UK, written with a space and lower case, and for
  unknown ones;
* the alternative it replaces: loading every packaged postcode into the `postcodes`
  table of a fresh SQLite database (converted with pyproj, written as the ONSPD import
  writes), and `web.shared.services.postcodes.find` reading a table row per lookup.

Prints the figures and writes them to bench/out/postcode_lookup.json; nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def high_water_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB (not ru_maxrss, which survives execve)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _spaced(code: bytes) -> str:
    text = code.decode()
    return f"{text[:-3]} {text[-3:]}".lower()


def child_lookup(sample: int, seed: int) -> dict[str, Any]:
    """Cold start, every letter, per lookup: in this fresh process."""
    import random

    started = time.perf_counter()
    import planner  # noqa: F401  (the engine: the web app and the CLI have it loaded already)

    engine = time.perf_counter() - started
    started = time.perf_counter()
    from planner import postcode_lookup

    imported = time.perf_counter() - started
    lookup = postcode_lookup.PackagedPostcodes()
    started = time.perf_counter()
    assert lookup.find("M1 1AE") is not None
    first = time.perf_counter() - started
    after_first = high_water_mb()
    started = time.perf_counter()
    assert lookup.find("SW1A 1AA") is not None
    largest = time.perf_counter() - started

    started = time.perf_counter()
    for letter in LETTERS:
        lookup.find(f"{letter}1 1AA")
    every_letter = time.perf_counter() - started
    letters = {letter: lookup._letters[letter] for letter in lookup.loaded_letters}
    arrays = sum(
        data.codes.nbytes + data.eastings.nbytes + data.northings.nbytes + data.districts.nbytes
        for data in letters.values()
        if data is not None
    )
    postcodes = sum(len(data.codes) for data in letters.values() if data is not None)

    rng = random.Random(seed)
    ordered = sorted(letter for letter, data in letters.items() if data is not None and len(data.codes))
    real = []
    for _ in range(sample):
        data = letters[rng.choice(ordered)]
        assert data is not None
        real.append(_spaced(data.codes[rng.randrange(len(data.codes))]))
    unknown = [f"ZZ{rng.randrange(10, 99)} {rng.randrange(10)}ZZ" for _ in range(sample)]

    def per_lookup(codes: list[str]) -> tuple[float, float]:
        times = []
        for code in codes:
            began = time.perf_counter()
            lookup.find(code)
            times.append(time.perf_counter() - began)
        times.sort()
        return statistics.median(times) * 1e6, times[int(len(times) * 0.99)] * 1e6

    real_median, real_p99 = per_lookup(real)
    unknown_median, _ = per_lookup(unknown)
    started = time.perf_counter()
    found = lookup.find_many(real[:1000])
    many = time.perf_counter() - started
    return {
        "engine_import_s": engine,
        "import_s": imported,
        "first_lookup_s": first,
        "cold_start_s": imported + first,
        "peak_mb_after_first": after_first,
        "largest_letter_first_lookup_s": largest,
        "every_letter_s": every_letter,
        "postcodes": postcodes,
        "arrays_mb": arrays / 2**20,
        "rss_mb_all_letters": resident_mb(),
        "peak_mb_all_letters": high_water_mb(),
        "lookup_median_us": real_median,
        "lookup_p99_us": real_p99,
        "unknown_median_us": unknown_median,
        "find_many_1000_s": many,
        "find_many_found": len(found),
    }


def child_database(sample: int, seed: int) -> dict[str, Any]:
    """Every packaged postcode into a fresh SQLite table, then lookups through the web service."""
    import random

    from planner.postcode_lookup import PackagedPostcodes
    from web import create_app, db, migrate
    from web.shared.repositories import imports as repository
    from web.shared.services import postcodes

    started = time.perf_counter()
    lookup = PackagedPostcodes()
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}", "SECRET_KEY": "bench", "TESTING": True}
        )
        migrate.upgrade(app)
        ready = time.perf_counter() - started
        written = 0
        keys: list[str] = []
        started = time.perf_counter()
        with app.app_context():
            for letter in LETTERS:
                data = lookup._letter(letter)
                if data is None:
                    continue
                # Northern Ireland's Irish Grid aside: the cost is the same either way.
                lon, lat = to_wgs84.transform(data.eastings, data.northings)
                codes = [code.decode() for code in data.codes]
                rows = [
                    {
                        "postcode": code,
                        "lat": la,
                        "lon": lo,
                        "easting": e,
                        "northing": n,
                        "authority_code": None,
                        "lsoa_code": None,
                    }
                    for code, la, lo, e, n in zip(
                        codes, lat.tolist(), lon.tolist(), data.eastings.tolist(), data.northings.tolist(), strict=True
                    )
                ]
                repository.replace_postcodes(rows, replacing=False)
                written += len(rows)
                keys.extend(codes[:: max(1, len(codes) // 400)])
            db.commit()
            load = time.perf_counter() - started
            rng = random.Random(seed)
            chosen = [rng.choice(keys) for _ in range(min(sample, 2000))]
            times = []
            for code in chosen:
                began = time.perf_counter()
                postcodes.find(code)
                db.session().expunge_all()
                times.append(time.perf_counter() - began)
        size = (Path(tmp) / "bench.db").stat().st_size
    return {
        "app_ready_s": ready,
        "load_s": load,
        "rows": written,
        "database_mb": size / 2**20,
        "lookup_median_us": statistics.median(times) * 1e6,
        "peak_mb": high_water_mb(),
    }


def run_child(kind: str, sample: int, seed: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--sample", str(sample), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="cold-start runs (each a fresh process)")
    parser.add_argument("--skip-database", action="store_true", help="do not load the table alternative")
    parser.add_argument("--child", choices=("lookup", "database"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "lookup":
        print(json.dumps(child_lookup(args.sample, args.seed)))
        return
    if args.child == "database":
        print(json.dumps(child_database(args.sample, args.seed)))
        return

    runs = [run_child("lookup", args.sample, args.seed) for _ in range(args.runs)]
    best = min(runs, key=lambda r: r["cold_start_s"])

    def spread(key: str, scale: float = 1.0, digits: int = 2) -> str:
        values = sorted(r[key] * scale for r in runs)
        return f"{values[0]:.{digits}f}–{values[-1]:.{digits}f}" if len(values) > 1 else f"{values[0]:.{digits}f}"

    print(f"packaged lookup, {best['postcodes']:,} postcodes with a grid reference; {args.runs} fresh processes")
    print(f"  importing the engine (planner) first         {spread('engine_import_s', 1000, 0)} ms")
    print(f"  cold start (module + first lookup, M1 1AE)   {spread('cold_start_s', 1000, 0)} ms")
    print(f"    of which importing the module              {spread('import_s', 1000, 0)} ms")
    print(f"  first lookup in the largest letter (S)       {spread('largest_letter_first_lookup_s', 1000, 0)} ms")
    print(f"  peak memory after the first lookup           {spread('peak_mb_after_first', 1, 0)} MB")
    print(f"  reading every letter                          {spread('every_letter_s', 1, 2)} s")
    print(f"  arrays for every letter                       {best['arrays_mb']:.1f} MB")
    resident, peak = spread("rss_mb_all_letters", 1, 0), spread("peak_mb_all_letters", 1, 0)
    print(f"  resident / peak memory, every letter read     {resident} / {peak} MB")
    median, p99 = spread("lookup_median_us", 1, 1), spread("lookup_p99_us", 1, 1)
    print(f"  per lookup, warm (median, 99th percentile)    {median} / {p99} µs")
    print(f"  per lookup, unknown postcode (median)         {spread('unknown_median_us', 1, 1)} µs")
    print(f"  find_many of 1,000                            {spread('find_many_1000_s', 1000, 1)} ms")
    figures: dict[str, Any] = {"lookup_runs": runs}
    if not args.skip_database:
        table = run_child("database", args.sample, args.seed)
        figures["database"] = table
        print("the alternative: every packaged postcode in a SQLite table")
        print(f"  loading {table['rows']:,} rows                      {table['load_s']:.1f} s")
        print(f"  database file                                 {table['database_mb']:.0f} MB")
        print(f"  per lookup through the table (median)         {table['lookup_median_us']:.1f} µs")
        print(f"  peak memory while loading                     {table['peak_mb']:.0f} MB")
    figures["machine"] = {"python": platform.python_version(), "processor": platform.machine()}
    figures["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "postcode_lookup.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
