"""Batch allocation (issue 4): 500 and 2,000 referrals against 2,000 placements.

    python bench/assign_bench.py [--sizes 500,2000] [--placements 2000] [--seed 1]
                                 [--time-limit 30] [--workers 2] [--repeats 3] [--plain-long 0]

For each size, one seeded batch (`bench/assign_batches.py`: a North West consortium,
about 10% sibling groups, one pair to keep apart for every 10 referrals, 5% solo) is
checked and scored once (the candidate pairs), then solved side by side in the same
run by:

  (a) the engine (`planner.assign`: greedy and flow warm starts, flow and linear
      bounds, reduced-cost fixing, two-level CP-SAT), `--repeats` times;
  (b) the greedy baseline alone (most urgent first, best score);
  (c) a plain CP-SAT model: every candidate pair, the folded objective, no hint,
      no bound of ours, no tightening, CP-SAT's default parameters.

Reported: time to a first solution, time to a proven optimum (if within the limit),
the gap at the time limit, the objective of each, the engine/greedy objective ratio
and the plain/engine time ratio. With `--plain-long S`, a plain model not proven within
the limit is run again for up to S seconds, for its time to a proven optimum. Times for
(a) and (c) start when the candidate pairs are ready; the evaluation that makes them is
reported on its own line (the same work as ranking each referral). Writes
bench/out/assign_bench.json. Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import scipy  # noqa: E402

import planner  # noqa: E402
from bench.assign_batches import build_batch  # noqa: E402
from planner.assign import FULL, PLAIN, Method, Solution, solve_panel  # noqa: E402
from planner.greedy import greedy  # noqa: E402
from planner.panel import Panel, prepare_panel  # noqa: E402


def solve(panel: Panel, policy: planner.Policy, method: Method) -> dict[str, Any]:
    """One timed solve: first solution, the solution trail, the result."""
    trail: list[tuple[float, int]] = []
    started = time.perf_counter()
    solution: Solution = solve_panel(panel, policy, method, started, lambda s, v: trail.append((round(s, 3), v)))
    seconds = time.perf_counter() - started
    weight = panel.level_weight
    problems = panel.breaches(solution.chosen)
    assert not problems, problems
    return {
        "status": solution.status,
        "seconds": round(seconds, 3),
        "first_solution_seconds": trail[0][0] if trail else None,
        "optimal_seconds": round(seconds, 3) if solution.status == "optimal" else None,
        "objective": None if solution.value is None else solution.value / 100,
        "urgency_points": None if solution.value is None else solution.value // weight,
        "score_total": None if solution.value is None else (solution.value % weight) / 100,
        "bound": None if solution.bound is None else solution.bound / 100,
        "gap": _gap(solution.value, solution.bound),
        "trail": [{"seconds": s, "urgency_points": v // weight, "score_total": (v % weight) / 100} for s, v in trail],
        "stats": _plain(solution.stats),
    }


def _gap(value: int | None, bound: int | None) -> float | None:
    if value is None or bound is None:
        return None
    return max(0, bound - value) / max(100, abs(bound))


def _plain(stats: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(stats, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def run_size(
    n: int, placements: int, seed: int, time_limit: float, workers: int, repeats: int, plain_long: float
) -> dict[str, Any]:
    raw = build_batch(n, placements, seed)
    t0 = time.perf_counter()
    case = planner.parse_case(raw, require="assign")
    parse_s = time.perf_counter() - t0
    policy = replace(planner.effective_policy(case), time_limit_seconds=time_limit, workers=workers)
    t0 = time.perf_counter()
    world = planner.world_for(case, policy)
    world_s = time.perf_counter() - t0
    panel = prepare_panel(world, case.referrals, policy)
    print(
        f"  {n} referrals: {len(panel.pair_referral):,} candidate pairs in {panel.evaluate_seconds:.2f} s", flush=True
    )

    t0 = time.perf_counter()
    baseline = greedy(panel)
    greedy_s = time.perf_counter() - t0
    weight = panel.level_weight
    greedy_value = panel.value(baseline)

    ours = []
    for k in range(repeats):
        print(f"  engine, run {k + 1} of {repeats} ...", flush=True)
        ours.append(solve(panel, policy, FULL))
    print("  plain CP-SAT ...", flush=True)
    plain = solve(panel, policy, PLAIN)
    plain_long_run = None
    if plain_long > time_limit and plain["optimal_seconds"] is None:
        print(f"  plain CP-SAT, {plain_long:g} s limit ...", flush=True)
        plain_long_run = solve(panel, replace(policy, time_limit_seconds=plain_long), PLAIN)

    best = max(ours, key=lambda r: r["objective"] or 0)
    proven = [r["optimal_seconds"] for r in ours if r["optimal_seconds"] is not None]
    ours_time = statistics.median(proven) if len(proven) == len(ours) else None
    return {
        "referrals": n,
        "placements": placements,
        "panel": panel.summary(),
        "young_people": int(panel.size.sum()),
        "places": int(panel.vacancies.sum()),
        "parse_seconds": round(parse_s, 3),
        "world_seconds": round(world_s, 3),
        "evaluate_seconds": round(panel.evaluate_seconds, 3),
        "greedy": {
            "seconds": round(greedy_s, 3),
            "objective": greedy_value / 100,
            "urgency_points": greedy_value // weight,
            "score_total": (greedy_value % weight) / 100,
        },
        "engine": ours,
        "engine_median_optimal_seconds": ours_time,
        "plain": plain,
        "plain_long": plain_long_run,
        "ratios": {
            "engine_over_greedy_objective": (best["objective"] or 0) / (greedy_value / 100),
            "engine_minus_greedy_urgency_points": (best["urgency_points"] or 0) - greedy_value // weight,
            "engine_minus_greedy_score": round((best["score_total"] or 0) - (greedy_value % weight) / 100, 2),
            "plain_over_engine_time": _plain_time(plain, plain_long_run) / ours_time if ours_time else None,
            "plain_proved": (plain_long_run or plain)["optimal_seconds"] is not None,
        },
        "never_worse_than_greedy": all((r["objective"] or 0) >= greedy_value / 100 for r in ours),
    }


def _plain_time(plain: dict[str, Any], longer: dict[str, Any] | None) -> float:
    """The plain model's time to a proven optimum, or the longest limit it ran without one."""
    run = longer or plain
    return float(run["optimal_seconds"] or run["seconds"])


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "ortools": version("ortools"),
        "scipy": scipy.__version__,
        "platform": platform.platform(),
    }


def report(f: dict[str, Any]) -> str:
    m = f["machine"]
    lines = [
        f"Machine: {m['cores']} cores, {m['cpu_model']}; Python {m['python']}, OR-Tools {m['ortools']}, "
        f"SciPy {m['scipy']}; load average {f['load_before']:.2f} before, {f['load_after']:.2f} after; "
        f"time limit {f['time_limit']:g} s, {f['workers']} workers",
    ]
    for s in f["sizes"]:
        p = s["panel"]
        lines += [
            "",
            f"{s['referrals']:,} referrals ({s['young_people']:,} young people, {p['sibling_groups']} sibling groups, "
            f"{p['kept_apart']} pairs kept apart, {p['solo']} solo) x {s['placements']:,} placements "
            f"({s['places']:,} places): {p['pairs']:,} candidate pairs",
            f"  evaluate (every referral against every placement): {s['evaluate_seconds']:.2f} s",
            f"  {'':<26}{'first sol. s':>13}{'optimal s':>11}{'status':>10}{'gap':>11}"
            f"{'urgency':>9}{'score total':>13}",
        ]
        g = s["greedy"]
        lines.append(
            f"  {'greedy baseline':<26}{g['seconds']:>13.2f}{'':>11}{'':>10}{'':>11}"
            f"{g['urgency_points']:>9}{g['score_total']:>13.2f}"
        )
        for k, r in enumerate(s["engine"], start=1):
            lines.append(_row(f"engine (run {k})", r))
        lines.append(_row("plain CP-SAT", s["plain"]))
        if s["plain_long"]:
            lines.append(_row(f"plain CP-SAT, {s['plain_long']['seconds']:.0f} s", s["plain_long"]))
        ratio = s["ratios"]
        t = ratio["plain_over_engine_time"]
        lines.append(
            f"  engine/greedy objective {ratio['engine_over_greedy_objective']:.4f} "
            f"(+{ratio['engine_minus_greedy_urgency_points']} urgency points, "
            f"{ratio['engine_minus_greedy_score']:+.2f} score); plain/engine time "
            + (
                "n/a"
                if t is None
                else f"{t:.1f}x" + ("" if ratio["plain_proved"] else " or more (plain not proven in the limit)")
            )
            + f"; never worse than greedy: {'yes' if s['never_worse_than_greedy'] else 'NO'}"
        )
    return "\n".join(lines)


def _row(label: str, r: dict[str, Any]) -> str:
    first = "-" if r["first_solution_seconds"] is None else f"{r['first_solution_seconds']:.2f}"
    optimal = "-" if r["optimal_seconds"] is None else f"{r['optimal_seconds']:.2f}"
    gap = "-" if r["gap"] is None else f"{r['gap']:.2e}"
    urgency = "-" if r["urgency_points"] is None else str(r["urgency_points"])
    score = "-" if r["score_total"] is None else f"{r['score_total']:.2f}"
    return f"  {label:<26}{first:>13}{optimal:>11}{r['status']:>10}{gap:>11}{urgency:>9}{score:>13}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="500,2000", help="referrals per batch, comma-separated")
    parser.add_argument("--placements", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="engine runs per size")
    parser.add_argument(
        "--plain-long",
        type=float,
        default=0.0,
        help="if the plain model is not proven in the limit, run it again this long",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "assign_bench.json")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    sizes = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"Batch of {n} referrals ...", flush=True)
        sizes.append(
            run_size(n, args.placements, args.seed, args.time_limit, args.workers, args.repeats, args.plain_long)
        )
    figures = {
        "date": date.today().isoformat(),
        "command": "python bench/assign_bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "time_limit": args.time_limit,
        "workers": args.workers,
        "seed": args.seed,
        "sizes": sizes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print()
    print(report(figures))
    print(f"\nFigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
