"""Verification through the real path: graduate lists posted to the HTTP gateway (POST /api/v1/reviews)
→ roster intake → review → grading workers → the review's progress (`reviews.verified == total`).

A run's clock starts before the first upload and stops when the database shows every review of the
run verified at its new generation (polled every 50 ms)."""
import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa

from bench.province import KIND, SEASON, YEAR
from bench.stack import RssMonitor, Stack

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL_SECONDS = 0.05


def generations(engine: sa.Engine, codes: list[str]) -> dict[str, tuple[int, int, int]]:
    """{school_code: (generation, verified, total)} of this season's review of each school."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT school_code, generation, verified, total FROM review.reviews WHERE school_code = ANY(:codes) "
            "AND year = :y AND season = :s AND kind = :k"), {"codes": codes, "y": YEAR, "s": SEASON, "k": KIND}).all()
    return {r.school_code: (r.generation, r.verified, r.total) for r in rows}


def upload(stack: Stack, token: str, code: str, data: bytes, rebuild: bool) -> str:
    r = requests.post(f"{stack.url}/api/v1/reviews", headers={"Authorization": f"Bearer {token}"},
                      files={"file": ("毕业生名单.xlsx", data, XLSX)},
                      data={"school_code": code, "year": str(YEAR), "season": SEASON, "kind": KIND,
                            "rebuild": "true" if rebuild else "false"}, timeout=300)
    if r.status_code != 202:
        raise RuntimeError(f"upload of {code}'s list answered {r.status_code}: {r.text[:500]}")
    return r.json()["review_id"]


def run_lists(stack: Stack, engine: sa.Engine, tokens: dict[str, str], lists: dict[str, bytes],
              clients: int = 4, timeout: float = 1800) -> dict:
    """Upload every list (rebuilding a school's review when it has one), wait until all are verified.
    Returns {seconds, uploaded_s, students}."""
    codes = list(lists)
    before = generations(engine, codes)
    expected = {c: before.get(c, (0,))[0] + 1 for c in codes}
    failures: list[BaseException] = []
    start = time.perf_counter()
    uploaded = {}

    def send(code):
        try:
            upload(stack, tokens[code], code, lists[code], rebuild=code in before)
            uploaded[code] = time.perf_counter() - start
        except BaseException as exc:  # reported by the waiting loop
            failures.append(exc)

    pool = ThreadPoolExecutor(max_workers=clients)
    for code in codes:
        pool.submit(send, code)
    try:
        now = wait_verified(engine, expected, start, timeout, failures)
        seconds = time.perf_counter() - start
    finally:
        pool.shutdown(wait=True)
    students = sum(now[c][2] for c in codes)
    return {"seconds": seconds, "uploaded_s": max(uploaded.values()), "students": students}


def wait_verified(engine: sa.Engine, expected: dict[str, int], start: float, timeout: float,
                  failures: Sequence[BaseException] = ()) -> dict[str, tuple[int, int, int]]:
    """Poll until each school's review is verified at its `expected` generation; then its
    generations(). A failure the senders reported meanwhile is raised at once."""
    codes = list(expected)
    while True:
        if failures:
            raise failures[0]
        now = generations(engine, codes)
        if all(now.get(c, (0, 0, 1))[0] == expected[c] and now[c][1] >= now[c][2] for c in codes):
            return now
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"verification not done after {timeout}s: {now}")
        time.sleep(POLL_SECONDS)


def reverify_lists(stack: Stack, engine: sa.Engine, tokens: dict[str, str], codes: list[str], clients: int = 4,
                   timeout: float = 1800) -> float:
    """重新核验 of every school's stored list (scope all, `POST /api/v1/reviews/{id}/reverify`): the path
    from a stored list to its verdicts, without reading a file. Seconds until every review is verified
    at its new generation."""
    with engine.connect() as conn:
        ids = dict(conn.execute(sa.text(
            "SELECT school_code, id::text FROM review.reviews WHERE school_code = ANY(:codes) AND year = :y "
            "AND season = :s AND kind = :k"), {"codes": codes, "y": YEAR, "s": SEASON, "k": KIND}).all())
    before = generations(engine, codes)
    start = time.perf_counter()

    def send(code: str) -> None:
        r = requests.post(f"{stack.url}/api/v1/reviews/{ids[code]}/reverify", json={"scope": "all"},
                          headers={"Authorization": f"Bearer {tokens[code]}"}, timeout=300)
        if r.status_code != 202:
            raise RuntimeError(f"重新核验 of {code}'s list answered {r.status_code}: {r.text[:500]}")

    with ThreadPoolExecutor(max_workers=clients) as pool:
        for done in [pool.submit(send, code) for code in codes]:
            done.result()
    wait_verified(engine, {c: before[c][0] + 1 for c in codes}, start, timeout)
    return time.perf_counter() - start


def repeat(stack, engine, tokens, code: str, data: bytes, times: int) -> dict:
    """One school's list verified `times` times over (rebuilt each time): the median and each run."""
    runs = [run_lists(stack, engine, tokens, {code: data}, clients=1)["seconds"] for _ in range(times)]
    return {"median_s": statistics.median(runs), "runs_s": [round(r, 3) for r in runs],
            "students_per_s": round(len_of(engine, code) / statistics.median(runs), 1)}


def len_of(engine: sa.Engine, code: str) -> int:
    return generations(engine, [code])[code][2]


def chunks_per_worker(engine: sa.Engine, codes: list[str]) -> dict[str, int]:
    """{grading process: chunks it verified} of the latest generation of these schools' lists."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT c.verified_by, count(*) AS n FROM grading.chunks c
              JOIN (SELECT review_id, max(generation) AS generation FROM grading.chunks
                     WHERE school_code = ANY(:c) GROUP BY review_id) latest USING (review_id, generation)
             GROUP BY c.verified_by"""), {"c": codes}).all()
    return {str(r.verified_by): r.n for r in rows}


def sql_aggregate_seconds(engine: sa.Engine, codes: list[str], times: int = 5) -> tuple[float, int]:
    """The machine's limit: one bare aggregate over the same grade rows (the fastest of `times`, warm)."""
    runs = []
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM grading.grades WHERE school_code = ANY(:c)"),
                            {"c": codes}).scalar_one()
        for _ in range(times):
            t = time.perf_counter()
            conn.execute(sa.text(
                "SELECT id_number, count(*) FILTER (WHERE score >= 60), avg(score) FROM grading.grades "
                "WHERE school_code = ANY(:c) GROUP BY id_number"), {"c": codes}).all()
            runs.append(time.perf_counter() - t)
    return min(runs), rows


class RssWatch:
    """Polls the grading workers' resident memory every 0.2 s in a thread, for the whole bench."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.monitor = RssMonitor()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.monitor.poll(self.stack.grading_pids())
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
