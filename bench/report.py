"""bench/REPORT.md (the figures beside their goals, how they were taken) and bench/throughput.png
(verification throughput against the size of one review, for 1 and 2 grading processes)."""
import datetime as dt
import os
import platform

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def plot(points: dict[int, dict[int, float]], province: dict[int, tuple[int, float]],
         path: str = os.path.join(HERE, "throughput.png")) -> None:
    """points: {workers: {students in one list: students/s}}; province: {workers: (students, students/s)}
    of the whole province's lists uploaded together."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    for i, (workers, series) in enumerate(sorted(points.items())):
        label = f"{workers} grading process{'es' * (workers > 1)}"
        sizes = sorted(series)
        line = ax.plot(sizes, [series[s] for s in sizes], marker="o", label=f"one list, {label}")[0]
        for s in sizes:
            ax.annotate(f"{series[s]:.0f}", (s, series[s]), textcoords="offset points", xytext=(0, 7 if i else -13),
                        ha="center", fontsize=8)
        if workers in province:
            students, per_s = province[workers]
            ax.plot([students], [per_s], marker="*", markersize=13, linestyle="", color=line.get_color(),
                    label=f"whole province run, {label}")
            ax.annotate(f"{per_s:.0f}", (students, per_s), textcoords="offset points", xytext=(0, 8 if i else -14),
                        ha="center", fontsize=8)
    ticks = sorted({s for series in points.values() for s in series} | {s for s, _ in province.values()})
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{s:,}" for s in ticks])
    ax.set_xlabel("students verified in the run (graduate lists through the gateway → verified)")
    ax.set_ylabel("students verified per second")
    ax.set_ylim(bottom=0, top=max([v for series in points.values() for v in series.values()]
                                  + [v for _, v in province.values()]) * 1.2)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"Verification throughput on a {os.cpu_count()}-core machine (a list of up to 1,000 = one chunk)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def speed(details: dict) -> str:
    """The reference loop's time: the same code runs slower or faster as the host gives CPU."""
    seconds = details.get("machine.reference_s")
    if seconds is None:
        return "not recorded"
    return (f"a fixed single-core Python loop (`bench.run.reference_loop`) took {seconds:.2f} s; compare "
            "it before comparing figures from different runs, since a virtual machine's cores vary")


def noise(details: dict) -> str:
    """How much of the CPU other work took while verification and the gateway were measured."""
    runs = [*details.get("verify.cpu_s_1w", []), *details.get("verify.cpu_s_2w", [])]
    runs += [details["gateway.cpu_s"]] if "gateway.cpu_s" in details else []
    total = sum(sum(cpu.values()) for cpu in runs)
    others = sum(cpu.get("others", 0) for cpu in runs)
    if not total:
        return ""
    share = 100 * others / total
    return (f"other work on this machine used {others:.0f} of the {total:.0f} CPU seconds spent while verification "
            f"and the gateway were measured ({share:.0f}%){': figures are noisy' if share >= 10 else ''}")


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_shown(v)}" for k, v in sorted(value.items(), key=lambda kv: -kv[1]))
    if isinstance(value, list):
        return " · ".join(_shown(v) for v in value)
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def statements_section(found: dict | str | None) -> list[str]:
    """The database's top statements during the last 2-process province run (bench.pgstat)."""
    lines = ["", "## Where the database's time goes", ""]
    if not isinstance(found, dict):
        return lines + [f"Not measured: {found or 'no province run finished'}."]
    lines += [f"The last province run with 2 grading processes: {found['calls']:,} statements, "
              f"{found['total_ms'] / 1000:.1f} s of execution in PostgreSQL (pg_stat_statements), "
              "the top by total time:", "",
              "| total ms | share | calls | mean ms | rows | statement |",
              "| ---: | ---: | ---: | ---: | ---: | --- |"]
    for st in found["statements"]:
        query = st["query"].replace("|", "\\|")
        lines.append(f"| {st['total_ms']:,} | {st['share']:.0%} | {st['calls']:,} | {st['mean_ms']:g} | {st['rows']:,} "
                     f"| `{query}` |")
    return lines


def write(results: dict, notes: dict, details: dict, goals: dict, verdict, args, wall_s: float,
          path: str = os.path.join(HERE, "REPORT.md")) -> None:
    lines = [
        "# Benchmark report",
        "",
        f"`make bench` (`python -m bench.run --schools {args.schools} --students-per-school "
        f"{args.students_per_school}`), {dt.date.today():%Y-%m-%d}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; whole run {wall_s:.0f} s. Figures: `bench/results.json`.",
        "",
        f"Machine load: {noise(details) or 'not recorded'}.",
        "",
        f"Machine speed: {speed(details)}.",
        "",
        "| figure | value | goal | verdict |",
        "| --- | ---: | --- | --- |",
    ]
    for key, value in results.items():
        note = next((n for prefix, n in notes.items() if key.startswith(prefix)), "")
        lines.append(f"| `{key}` | {_shown(value) if value is not None else note or '—'} | {goals[key][0] or '—'} "
                     f"| {verdict(key, value)} |")
    lines += statements_section(details.get("db.statements_2w"))
    lines += ["", "## Details", "", "| measurement | value |", "| --- | --- |"]
    lines += [f"| `{k}` | {_shown(v)} |" for k, v in details.items() if not k.startswith("db.")]
    lines += ["", "## How each figure is taken", "", HOW, "", "![throughput](throughput.png)", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


HOW = """\
- The system runs as `make up` runs it: every service a `nameko run` process, the gateway under
  gunicorn (`deploy.processes`), on a database `biye_bench` recreated at the start and a RabbitMQ
  virtual host of its own, deleted at the end.
- Set-up (not measured): organisations through `gateway.orgs`, one graduation manager per school
  with a bearer token, registry, course plans (46 course-terms: 40 courses, 6 conduct terms) and
  grades COPYed into the services' tables. About 6% of students are unqualified (a failed course, a
  missing grade or conduct term, 休学), 2.5% pass a make-up exam, 2% go on to further study (升学).
- **verify**: every school's graduate list (.xlsx) is posted to `POST /api/v1/reviews` by 4
  concurrent clients; the clock stops when `review.reviews` shows `verified = total` at the new
  generation for every school (polled every 50 ms). The province is run with 1 grading process,
  then again (`rebuild=true`) with 2, twice over (1, 2, 1, 2), then once with 4; the faster run of
  each counts (all are in the details). Before each run the season's tables are vacuumed and
  analysed (`bench.province.maintain`), as autovacuum would in production: this machine's
  PostgreSQL runs without autovacuum. `verify.limit_ratio` = the 2-process time ÷ one bare SQL aggregate
  (`count(*) FILTER (WHERE score >= 60), avg(score) … GROUP BY id_number`) over the same grade
  rows (the fastest of 5, warm). `verify.worker_peak_rss_mb`: the largest RSS any grading process
  reached in the whole bench (psutil, every 0.2 s).
- **verification of stored lists**: after those runs, every school's list is verified once more by
  重新核验 (`POST /api/v1/reviews/{id}/reverify`, scope all, 4 clients, 2 grading processes): the rows
  the reviews hold are matched against the registry and verified again, no file read.
  `verify.reverify_s_2w` is the time until all are verified, `verify.reverify_limit_ratio` that
  time ÷ the bare aggregate, and `verify.reverify_cpu_s_2w` the CPU per process. Set beside
  `verify.limit_ratio`, it says how much of the whole path is reading the uploaded lists.
- **scaling, as two cores can show it**: throughput cannot grow with grading processes on this
  machine (PostgreSQL, review and roster keep both cores busy with one process: `verify.cores_busy_1w`);
  that needs more cores than it has. What it can show is whether processes get in each other's way:
  `verify.grading_cpu_s_per_1000_{1,2,4}w` is the grading processes' CPU seconds per 1,000 students
  verified, and `verify.grading_cpu_spread` the largest of the three ÷ the smallest (flat within 10%:
  no contention between workers); `verify.chunks_per_worker_*` counts the chunks each process
  verified in the run, and `verify.chunk_spread_4w` the busiest of 4 ÷ an even share.
- **the database's statements**: `pg_stat_statements` (loaded by `deploy/setup.sh bench`) is reset
  before the last 2-process province run and read after it; the section above lists the top ones.
- CPU seconds per process during each run are in the details (`verify.cpu_s_*`, `gateway.cpu_s`;
  `others` is every other process on the machine). `verify.cores_busy_*` is all CPU seconds used
  during a run ÷ its wall time: 2 on this 2-core machine means every core was busy, and a second
  grading process can then gain only what the first left idle.
- **e2e**: one 1,000-student school's list through the gateway until verified, with 2 grading
  processes, the median of 5 runs (each a rebuild). The plot's points are the medians of 3 runs per
  list size (5 for 1,000 with 2 processes: the e2e runs); lists are cut into chunks of at most 1,000
  (grading's `CHUNK_SIZE`), so a list of up to 1,000 is one chunk that only one process can take.
- **import**: the grading service's `import_grades` RPC on one school's long grade sheet (1,000
  students × 46 rows, written by openpyxl), against python-calamine reading the same file plus COPY
  of its rows into a temporary table; medians of 5, the two run in turn (the first import inserts,
  later ones find every grade unchanged).
- **numbering**: 100 `review_approved` events (200–1,800 students each, 10 stamping units)
  dispatched at once with nameko's standalone `event_dispatcher`; the clock stops when
  `numbering.certificates` holds every number. Two rounds (two years); the faster counts.
  Duplicates: a unit's sequence or a student numbered twice (both rounds). Gaps: sequences reserved
  in `numbering.sequences` but held by no certificate.
- **gateway**: `GET /api/v1/reviews/{id}` of a verified 1,000-student review by 50 concurrent
  keep-alive clients (threads + http.client in a second process on loopback), twice 10 s after 3 s of
  warm-up each (the round with the lower p95 counts), against gunicorn as
  `deploy.processes.gateway_argv` starts it (2 workers × 8 threads).
  `gateway.review_p95_verifying_ms`: the same load while the whole province's lists are verified
  again, run after run (2 grading processes), for as long as the load lasts; `gateway.verifying_vs_rest`
  is that p95 ÷ the p95 at rest.
  `gateway.season_p95_ms`: the province admin's season dashboard (`GET /api/v1/season`, every school
  of the province with its review's state and counts, one statement in the review service) by 5
  concurrent clients for 10 s after the province is verified.
- **print**: the same 1,000-student review is given its numbers (a `review_approved` event), a print
  site is registered for its school and a real print agent (`python -m printagent`, its own broker
  user) started against the cups-pdf queue `biye-agent-pdf`. From `POST …/print-jobs` the clock
  reads when CUPS first holds a part of the job (IPP, polled every 50 ms: `print.first_sheet_s`) and
  when the job is done, every part completed by CUPS (`print.last_sheet_s`). The agent's RSS is
  sampled throughout; its peak beside its size before the batch shows whether it grows with the batch.
- The default province is a tenth of a full one (30 schools × 667 graduates, ~0.9 million grade
  rows); the full province: `make bench BENCH_ARGS="--schools 300 --province-runs 1"` (about 7½
  minutes on this machine).
- The machine has 2 cores shared by the bench client, the services, PostgreSQL and RabbitMQ; other
  work (test runs) may share it too: the "Machine load" line above says how much."""
