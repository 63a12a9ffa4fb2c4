"""One bench run on a stack of its own: set up a synthetic province, then measure verification, grade
import, numbering and the review page; every process is stopped at the end, also on failure.

A measurement that fails leaves its figures null with "failed: …" in the notes; the others still run."""
import threading
import time
import traceback

import sqlalchemy as sa

from bench import gateway_load, imports, numbering, pgstat, printing, province, verify
from bench.province import School
from bench.stack import Stack, cpu_seconds, cpu_used

E2E_SIZE = 1000


def section(names: str, notes: dict, fn) -> None:
    """Run one measurement; if it fails, say so under each of its figures' prefixes (comma-separated)."""
    try:
        fn()
    except Exception as exc:
        traceback.print_exc()
        for name in names.split(","):
            notes[name] = f"failed: {exc!r}"[:500]


def run(args, results: dict, notes: dict, details: dict) -> dict:
    """Fills results, notes and details; returns the plot's points {workers: {size: students/s}}."""
    stack = Stack(args.database_url)
    try:
        return _run(stack, args, results, notes, details)
    finally:
        stack.close()


def _run(stack: Stack, args, results: dict, notes: dict, details: dict) -> dict:
    started = time.perf_counter()
    stack.open()
    stack.start(grading_workers=1)
    engine = sa.create_engine(stack.database_url)
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {E2E_SIZE})
    schools = [School(f"S{i:04d}", args.students_per_school, i) for i in range(args.schools)]
    singles = {size: School(f"P{size}", size, 9000 + k) for k, size in enumerate(sizes)}
    importer, viewed = School("IMP", 1000, 9900), School("G1000", E2E_SIZE, 9901)
    tokens = province.create_orgs(engine, [s.code for s in [*schools, *singles.values(), importer, viewed]])
    lists = {s.code: province.graduate_list(province.load_school(engine, s)) for s in schools}
    single_lists = {size: province.graduate_list(province.load_school(engine, s)) for size, s in singles.items()}
    import_people = province.load_school(engine, importer, with_grades=False)
    viewed_list = province.graduate_list(province.load_school(engine, viewed))
    province.vacuum(engine)
    details["setup.seconds"] = round(time.perf_counter() - started, 1)
    details["verify.students"] = args.schools * args.students_per_school
    plot: dict[int, dict[int, float]] = {}

    def verification():
        with verify.RssWatch(stack) as rss:
            try:
                _verification(stack, engine, args, tokens, lists, singles, single_lists, results, details, plot)
            finally:
                results["verify.worker_peak_rss_mb"] = rss.monitor.peak_mb or None

    section("verify,e2e", notes, verification)
    section("import", notes, lambda: _merge(results, details, imports.measure(stack, engine, importer,
                                                                                import_people)))
    section("import", notes, lambda: _merge(results, details, imports.measure_registry(stack, importer,
                                                                                         import_people)))
    section("gateway", notes, lambda: _gateway(stack, engine, args, tokens[viewed.code], viewed, viewed_list,
                                               results, details))
    section("gateway", notes, lambda: _gateway_while_verifying(stack, engine, args, tokens, lists,
                                                               tokens[viewed.code], viewed, results, details))
    section("gateway", notes, lambda: _merge(results, details, gateway_load.measure_season(
        stack, province.province_admin_token(engine), f"year={province.YEAR}&season={province.SEASON}")))
    section("print", notes, lambda: _merge(results, details, printing.measure(
        stack, engine, tokens[viewed.code], viewed.code, _review_of(engine, viewed.code))))
    # last: its approvals are of reviews that do not exist (the review service logs and drops their
    # certificates_numbered events), which should not share the machine with the other figures
    section("numbering", notes, lambda: _merge(results, details, numbering.measure(stack, engine)))
    return plot


def _gateway_while_verifying(stack, engine, args, tokens, lists, token: str, viewed: School, results,
                             details) -> None:
    """The same review page under the same load while the whole province's lists are verified again
    (run after run, 2 grading processes, until the load ends): peak season as reviewers live it."""
    stop, province_runs, failures = threading.Event(), [], []

    def verifying():
        while not stop.is_set():
            try:
                province_runs.append(round(verify.run_lists(stack, engine, tokens, lists)["seconds"], 2))
            except Exception as exc:  # raised below, in the measuring thread
                failures.append(exc)
                return

    province.maintain(engine)
    thread = threading.Thread(target=verifying, name="province-verifying")
    thread.start()
    try:
        before = cpu_seconds(stack)
        measured = gateway_load.measure(stack, token, _review_of(engine, viewed.code), args.clients,
                                        args.load_seconds)
        details["gateway.verifying_cpu_s"] = cpu_used(before, cpu_seconds(stack))
    finally:
        stop.set()
        thread.join()
    if failures:
        raise failures[0]
    p95 = measured["gateway.review_p95_ms"]
    results["gateway.review_p95_verifying_ms"] = p95
    details["gateway.verifying_p95_ms_rounds"] = measured["details"]["gateway.p95_ms_rounds"]
    details["gateway.verifying_rps"] = measured["details"]["gateway.rps"]
    details["gateway.verifying_province_runs_s"] = province_runs
    at_rest = results.get("gateway.review_p95_ms")
    results["gateway.verifying_vs_rest"] = round(p95 / at_rest, 2) if p95 and at_rest else None


def _review_of(engine: sa.Engine, school_code: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT id FROM review.reviews WHERE school_code = :c"),
                                {"c": school_code}).scalar_one())


def _merge(results: dict, details: dict, measured: dict) -> None:
    details.update(measured.pop("details", {}))
    results.update(measured)


def _verification(stack, engine, args, tokens, lists, singles, single_lists, results, details, plot) -> None:
    smallest = min(singles)
    verify.run_lists(stack, engine, tokens, {singles[smallest].code: single_lists[smallest]})  # warm-up
    seconds: dict[int, list[float]] = {1: [], 2: [], 4: []}
    statements_unavailable = pgstat.enable(engine)
    runs = max(1, args.province_runs)
    # 1, 2, 1, 2 … (other work on the machine hits both alike), then 4 once; the database's statements
    # are those of the last 2-process run
    for workers in [w for _ in range(runs) for w in (1, 2)] + [4]:
        _set_workers(stack, workers)
        profiled = workers == 2 and len(seconds[2]) == runs - 1 and not statements_unavailable
        province.maintain(engine)
        if profiled:
            pgstat.reset(engine)
        before = cpu_seconds(stack)
        run = verify.run_lists(stack, engine, tokens, lists)
        cpu = cpu_used(before, cpu_seconds(stack))
        if profiled:
            details["db.statements_2w"] = pgstat.top(engine)
        seconds[workers].append(round(run["seconds"], 2))
        details.setdefault(f"verify.uploads_done_s_{workers}w", []).append(round(run["uploaded_s"], 2))
        details.setdefault(f"verify.cpu_s_{workers}w", []).append(cpu)
        grading_cpu = sum(v for k, v in cpu.items() if k.startswith("grading-"))
        details.setdefault(f"verify.grading_cpu_s_per_1000_{workers}w", []).append(
            round(grading_cpu / run["students"] * 1000, 3))
        details[f"verify.chunks_per_worker_{workers}w"] = verify.chunks_per_worker(engine, list(lists))
    if statements_unavailable:
        details["db.statements_2w"] = statements_unavailable
    _set_workers(stack, 2)
    province.maintain(engine)
    before = cpu_seconds(stack)
    details["verify.reverify_s_2w"] = round(verify.reverify_lists(stack, engine, tokens, list(lists)), 2)
    details["verify.reverify_cpu_s_2w"] = cpu_used(before, cpu_seconds(stack))
    for workers in (2, 1):
        _set_workers(stack, workers)
        plot[workers] = {}
        for size, school in singles.items():
            times = args.e2e_runs if (size == E2E_SIZE and workers == 2) else args.repeats
            r = verify.repeat(stack, engine, tokens, school.code, single_lists[size], times)
            plot[workers][size] = r["students_per_s"]
            details[f"verify.list_{size}_{workers}w_s"] = r["runs_s"]
            if size == E2E_SIZE and workers == 2:
                results["e2e.school_1000_p50_s"] = round(r["median_s"], 2)
    _set_workers(stack, 2)  # as deployed, for what follows
    best = {w: min(s) for w, s in seconds.items()}
    for w in (1, 2, 4):  # cores busy (ours and others'), of os.cpu_count(): 2 of 2 is a saturated machine
        details[f"verify.cores_busy_{w}w"] = [round(sum(cpu.values()) / t, 2)
                                             for cpu, t in zip(details[f"verify.cpu_s_{w}w"], seconds[w], strict=True)]
    students = details["verify.students"]
    details["verify.seconds_1w"], details["verify.seconds_2w"] = seconds[1], seconds[2]
    results["verify.students_per_s"] = details["verify.students_per_s_2w"] = round(students / best[2])
    details["verify.students_per_s_1w"] = round(students / best[1])
    per_1000 = {w: min(details[f"verify.grading_cpu_s_per_1000_{w}w"]) for w in (1, 2, 4)}
    # a tiny province (`--schools 3`) leaves a run's grading CPU below what cpu_used resolves: nothing to compare
    results["verify.grading_cpu_spread"] = (round(max(per_1000.values()) / min(per_1000.values()), 2)
                                            if min(per_1000.values()) > 0 else None)
    results["verify.chunk_spread_4w"] = _spread(details["verify.chunks_per_worker_4w"], 4)
    sql_s, rows = verify.sql_aggregate_seconds(engine, list(lists))
    details["verify.grade_rows"] = rows
    details["verify.sql_aggregate_s"] = round(sql_s, 3)
    results["verify.limit_ratio"] = round(best[2] / sql_s, 1)
    details["verify.reverify_limit_ratio"] = round(details["verify.reverify_s_2w"] / sql_s, 1)


def _spread(chunks_per_worker: dict[str, int], workers: int) -> float | None:
    """The busiest worker's chunks ÷ an even share: 1 is an even spread."""
    total = sum(chunks_per_worker.values())
    return round(max(chunks_per_worker.values()) / (total / workers), 2) if total else None


def _set_workers(stack: Stack, workers: int) -> None:
    while len(stack.grading_names()) < workers:
        stack.add_grading_worker()
    while len(stack.grading_names()) > workers:
        stack.stop_grading_worker()


def _gateway(stack, engine, args, token: str, school: School, data: bytes, results, details) -> None:
    """The review page of a freshly verified 1,000-student review under concurrent load."""
    verify.run_lists(stack, engine, {school.code: token}, {school.code: data})
    with engine.connect() as conn:
        review_id = conn.execute(sa.text("SELECT id FROM review.reviews WHERE school_code = :c"),
                                 {"c": school.code}).scalar_one()
    before = cpu_seconds(stack)
    _merge(results, details, gateway_load.measure(stack, token, review_id, args.clients, args.load_seconds))
    details["gateway.cpu_s"] = cpu_used(before, cpu_seconds(stack))
