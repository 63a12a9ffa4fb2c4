"""`make bench`: measures the season's costs and writes bench/results.json, bench/REPORT.md and
bench/throughput.png.

Each figure is printed beside its goal. A figure whose capability is not built yet, or whose
measurement failed, is reported as null with the reason in "notes", never invented.
"""
import argparse
import json
import logging
import os
import signal
import sys
import time
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))

# key: (goal text, comparison, target)
GOALS = {
    "verify.limit_ratio": ("≤ 5", "le", 5.0),
    "verify.grading_cpu_spread": ("≤ 1.1", "le", 1.1),
    "verify.chunk_spread_4w": ("≤ 1.2", "le", 1.2),
    "verify.students_per_s": ("", None, None),
    "verify.worker_peak_rss_mb": ("≤ 300", "le", 300.0),
    "import.limit_ratio": ("≤ 2", "le", 2.0),
    "import.registry_1000_s": ("≈ 1", "le", 1.5),
    "e2e.school_1000_p50_s": ("≤ 3", "le", 3.0),
    "numbering.numbers_per_s": ("≥ 20000", "ge", 20000.0),
    "numbering.duplicates": ("= 0", "le", 0.0),
    "numbering.gaps": ("= 0", "le", 0.0),
    "render.pages_per_s": ("≥ 300", "ge", 300.0),
    "render.bytes_per_page": ("", None, None),
    "gateway.review_p95_ms": ("≤ 300", "le", 300.0),
    "gateway.review_p95_verifying_ms": ("≤ 500", "le", 500.0),
    "gateway.verifying_vs_rest": ("≤ 2", "le", 2.0),
    "gateway.season_p95_ms": ("≤ 500", "le", 500.0),
    "print.first_sheet_s": ("≤ 3", "le", 3.0),
    "print.last_sheet_s": ("", None, None),
    "print.pages_per_s": ("≥ 300", "ge", 300.0),
    "print.agent_peak_rss_mb": ("flat", None, None),
}


def verdict(key: str, value: float | None) -> str:
    goal, cmp, target = GOALS[key]
    if value is None or cmp is None:
        return ""
    ok = value <= target if cmp == "le" else value >= target
    return "meets goal" if ok else "MISSES goal"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.run", description="Season benchmarks (full province: --schools 300)")
    parser.add_argument("--schools", type=int, default=30, help="province size: number of schools (full: ~300)")
    parser.add_argument("--students-per-school", type=int, default=667, help="graduates per school (full: ~667)")
    parser.add_argument("--province-runs", type=int, default=2,
                        help="province runs per worker count, alternating 1 and 2 processes (the fastest counts)")
    parser.add_argument("--sizes", default="250,1000,4000", help="list sizes for the throughput plot")
    parser.add_argument("--repeats", type=int, default=3, help="runs per list size in the plot")
    parser.add_argument("--e2e-runs", type=int, default=5, help="runs of the 1,000-student school (median)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent HTTP clients on the review page")
    parser.add_argument("--load-seconds", type=float, default=20,
                        help="seconds of HTTP load, in 2 rounds (each after 3 s of warm-up)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgresql://root@127.0.0.1:5432/biye_bench"))
    return parser.parse_args(argv)


def quiet() -> None:
    """Only errors from the libraries (nameko warns on import, amqp on every closed RPC channel)."""
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger("amqp").setLevel(logging.ERROR)


def on_sigterm(signum, frame) -> None:
    sys.exit(128 + signum)  # unwinds through the finally that stops every process the bench started


def reference_loop() -> float:
    """Seconds for a fixed pure-Python workload on one core: the machine's speed for this run."""
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i * i % 7
    return round(time.perf_counter() - start, 3)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet()
    signal.signal(signal.SIGTERM, on_sigterm)
    from bench import render, report, season  # after quiet(): importing nameko warns

    started = time.perf_counter()
    results: dict[str, float | None] = dict.fromkeys(GOALS)
    notes: dict[str, str] = {}
    details: dict = {"machine.reference_s": reference_loop()}
    try:
        plot = season.run(args, results, notes, details)
    except Exception as exc:  # set-up failed: nothing measurable; say why
        traceback.print_exc()
        notes["bench"] = f"not measured: the bench failed: {exc!r}"[:500]
        plot = {}
    try:
        render.measure(results, details)
    except Exception as exc:
        traceback.print_exc()
        notes["render"] = f"not measured: rendering failed: {exc!r}"[:500]
    wall = time.perf_counter() - started
    details["bench.wall_s"] = round(wall, 1)
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({**results, "notes": notes, "details": details}, f, ensure_ascii=False, indent=2)
    for key, value in results.items():
        shown = "not measurable" if value is None else f"{value:g}"
        print(f"{key:28} {shown:>16}   goal {GOALS[key][0] or '-':8} {verdict(key, value)}")
    for prefix, note in notes.items():
        print(f"  note {prefix}: {note}")
    if report.noise(details):
        print(f"  {report.noise(details)}")
    report.write(results, notes, details, GOALS, verdict, args, wall)
    if plot:
        report.plot(plot, {w: (details["verify.students"], details[f"verify.students_per_s_{w}w"])
                           for w in (1, 2) if f"verify.students_per_s_{w}w" in details})
    print(f"written: bench/results.json, bench/REPORT.md{', bench/throughput.png' if plot else ''} "
          f"({wall:.0f} s)")
    failed = [p for p, n in notes.items() if "failed" in n]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
