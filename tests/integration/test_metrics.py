"""Every process's /metrics while a real list is verified: the named series move as the work goes through.

The services are the session's real `nameko run` processes, each serving on the free port it logged;
the gateway is the real app (test client, one process), and once more under gunicorn with two
workers, whose values /metrics must sum whichever worker answers the scrape.
"""
import os
import re
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests
import sqlalchemy as sa

from services.common.events import SUBSCRIPTIONS
from services.common.messaging import Messaging
from services.common.metrics import outbox_state
from tests.support import gunicorn
from tests.support.courses import plan_rows
from tests.support.orgs import school_with_manager
from tests.support.people import graduate_row, student_row
from tests.support.processes import log_since
from tests.support.prometheus import Samples, get, parse
from tests.support.season import graded
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

SCHOOL = "M1"
STUDENTS = 260  # two chunks of 130 (the tests' CHUNK_SIZE is 250)
CHUNKS = 2
CHUNK_QUEUE = next(s.queue_name for s in SUBSCRIPTIONS if s.method == "verify_chunk")

def metrics_url(proc) -> str:
    """Where this run of a service process serves its metrics: the port it logged. (Its pid tells its line
    from those of another test session's process writing to the same log.)"""
    found = re.findall(rf"metrics: serving (http://\S+/metrics) \(pid {proc.proc.pid}\)",
                       log_since(proc.log_path, proc.log_offset))
    assert found, f"{proc.service} logged no metrics port: see {proc.log_path}"
    return found[-1]


def scrape(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain")
        return parse(resp.read().decode())


def scrape_services(stack) -> dict[str, Samples]:
    return {name: scrape(metrics_url(proc)) for name, proc in stack.items()}


def scrape_gateway(client) -> Samples:
    r = client.get("/metrics")
    assert r.status_code == 200
    return parse(r.get_data(as_text=True))


def outboxes_empty(stack) -> dict[str, Samples] | None:
    scraped = scrape_services(stack)
    empty = all(get(s, "biye_outbox_backlog", service=name) == 0 for name, s in scraped.items())
    return scraped if empty else None


@pytest.fixture(scope="module")
def school(app, province, stack):
    client = app.test_client()
    manager = school_with_manager(client, province, (SCHOOL, "渭南市监测职业学校"), ("m1_manager", "孙老师"))
    students = [student_row(n) for n in range(4710, 4710 + STUDENTS)]  # people 4710-4969
    graded(client, manager, SCHOOL, students, plan_rows(), "80")
    return {"client": client, "manager": manager, "list": xlsx([graduate_row(s) for s in students])}


def test_series_move_during_a_verification(school, stack):
    client, manager = school["client"], school["manager"]
    before = until(lambda: outboxes_empty(stack), timeout=60, what="every outbox empty before")
    gateway_before = scrape_gateway(client)

    r = upload(client, "/api/v1/reviews", manager, school["list"], "名单.xlsx",
               school_code=SCHOOL, year="2026", season="秋季", kind="正常验印")
    assert r.status_code == 202, r.get_json()
    review_id = r.get_json()["review_id"]

    def verified():
        review = client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()
        return review if review["verification"]["state"] == "done" else None
    assert until(verified, timeout=90, what="verification done")["qualified"] == STUDENTS

    def moved(process: str, name: str, /, **labels) -> float:
        return get(after[process], name, **labels) - get(before[process], name, **labels)

    def settled():  # the last counters move just after the commits the review shows
        nonlocal after
        after = scrape_services(stack)
        return (moved("review", "biye_events_handled_total", handler="review.on_chunk_verified",
                      outcome="handled") == CHUNKS
                and all(get(s, "biye_outbox_backlog", service=name) == 0 for name, s in after.items()))
    after: dict[str, Samples] = {}
    until(settled, timeout=60, what="the review's handler counted and every outbox empty")

    # throughput: every student verified once, in two chunks
    assert moved("grading", "biye_students_verified_total") == STUDENTS
    assert moved("grading", "biye_verification_chunk_duration_seconds_count") == CHUNKS
    assert moved("grading", "biye_verification_chunk_duration_seconds_sum") > 0
    # events handled by name, and published by type (the outbox relays)
    assert moved("grading", "biye_events_handled_total", handler="grading.on_graduate_list_imported",
                 outcome="handled") == 1
    assert moved("grading", "biye_events_handled_total", handler="grading.verify_chunk", outcome="handled") == CHUNKS
    for outcome in ("retry", "gave_up"):  # (a redelivered chunk would count as duplicate, and nothing else)
        assert moved("grading", "biye_events_handled_total", handler="grading.verify_chunk", outcome=outcome) == 0
    assert moved("review", "biye_events_published_total", service="review", event_type="graduate_list_imported") == 1
    assert moved("grading", "biye_events_published_total", service="grading", event_type="chunk_ready") == CHUNKS
    assert moved("grading", "biye_events_published_total", service="grading", event_type="chunk_verified") == CHUNKS
    # every entrypoint timed: the RPC that opened the review, the handlers
    assert moved("roster", "biye_entrypoint_duration_seconds_count", service="roster", method="create_review",
                 kind="rpc") == 1
    assert moved("grading", "biye_entrypoint_duration_seconds_count", service="grading", method="verify_chunk",
                 kind="event") >= CHUNKS
    # backlog gone, lag 0; the pool and print jobs reported
    for name, samples in after.items():
        assert get(samples, "biye_outbox_oldest_age_seconds", service=name) == 0
        assert get(samples, "biye_db_pool_size", service=name) >= 1
        assert ("biye_db_pool_checked_out", (("service", name),)) in samples
    assert {"queued", "sent", "done", "failed"} <= {
        dict(labels)["state"] for n, labels in after["printing"] if n == "biye_print_jobs"}

    # the gateway: the upload counted by its route (not its path), the RPC behind it timed
    gateway_after = scrape_gateway(client)

    def gateway_moved(name: str, /, **labels) -> float:
        return get(gateway_after, name, **labels) - get(gateway_before, name, **labels)
    assert gateway_moved("biye_gateway_request_duration_seconds_count", route="/api/v1/reviews", method="POST",
                         status="202") == 1
    assert gateway_moved("biye_gateway_request_duration_seconds_count", route="/api/v1/reviews/<review_id>",
                         method="GET", status="200") >= 1
    assert gateway_moved("biye_gateway_rpc_duration_seconds_count", service="roster", method="create_review") == 1
    assert get(gateway_after, "biye_db_pool_size", service="gateway") >= 10
    assert review_id not in str(list(gateway_after))  # route templates only


def test_print_jobs_by_state_are_read_from_the_table(stack, engine):
    url = metrics_url(stack["printing"])
    failed = get(scrape(url), "biye_print_jobs", state="failed")
    job = {"id": "00000000-0000-4000-8000-00000000beef", "review": "00000000-0000-4000-8000-00000000cafe"}
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO printing.print_jobs (id, review_id, school_code, printer, what, copies, state, requested_by) "
            "VALUES (:id, :review, 'M1', 'none', 'forms', 1, 'failed', 'metrics-test')"), job)
    try:
        assert get(scrape(url), "biye_print_jobs", state="failed") == failed + 1
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM printing.print_jobs WHERE id = :id"), job)
    assert get(scrape(url), "biye_print_jobs", state="failed") == failed


def test_outbox_backlog_and_lag_count_unpublished_rows(engine):
    probe = Messaging("metrics_probe")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS metrics_probe CASCADE; CREATE SCHEMA metrics_probe"))
        probe.metadata.create_all(conn)
    try:
        assert outbox_state(engine, probe.outbox) == (0, 0.0)
        with engine.begin() as conn:
            for i, (age, published) in enumerate([(30, False), (10, False), (300, True)]):
                conn.execute(probe.outbox.insert().values(
                    event_id=f"00000000-0000-4000-8000-{i:012d}", event_type="x", payload={},
                    created_at=sa.func.now() - sa.text(f"interval '{age} seconds'"),
                    published_at=sa.func.now() if published else None))
        count, lag = outbox_state(engine, probe.outbox)
        assert count == 2 and 29 <= lag < 60  # the oldest unpublished row, not the published one
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA metrics_probe CASCADE"))


def test_rabbitmq_reports_the_chunk_queue(stack, vhost):
    """Queue depth and consumers come from RabbitMQ's own plugin (deploy/setup.sh enables it)."""
    url = (f"http://127.0.0.1:15692/metrics/detailed?vhost={vhost[0]}"
           "&family=queue_coarse_metrics&family=queue_consumer_count")
    labels = {"vhost": vhost[0], "queue": CHUNK_QUEUE}

    def consumed() -> Samples | None:
        try:
            samples = parse(requests.get(url, timeout=10).text)
        except requests.ConnectionError:
            pytest.fail("RabbitMQ's Prometheus plugin is off: run deploy/setup.sh test")
        return samples if get(samples, "rabbitmq_detailed_queue_consumers", **labels) >= 1 else None

    # the plugin reports a queue's consumers as of its last statistics collection (every 5 s by default):
    # right after the stack starts, the grading worker's consumer may not be counted yet
    samples = until(consumed, timeout=30, interval=1, what="RabbitMQ reporting the chunk queue's consumer")
    assert ("rabbitmq_detailed_queue_messages_ready", tuple(sorted(labels.items()))) in samples


# --- the gateway under gunicorn: two workers, one sum -----------------------------------------------------------

@pytest.fixture
def gunicorn_gateway(service_env, stack, tmp_path):
    with gunicorn.gunicorn_gateway(service_env, str(tmp_path), "metrics-gunicorn.log") as (base, proc):
        yield base, proc, str(tmp_path)


def workers_of(proc) -> list[psutil.Process]:
    return psutil.Process(proc.pid).children()


def test_gunicorn_workers_are_summed(gunicorn_gateway):
    base, proc, files = gunicorn_gateway
    route = {"route": "/api/v1/vocabulary", "method": "GET", "status": "200"}

    def pools_of_both_workers():  # every worker adds its pool of 10 once its app is created
        return get(parse(requests.get(f"{base}/metrics", timeout=5).text), "biye_db_pool_size",
                   service="gateway") == 20
    until(pools_of_both_workers, timeout=120, what="both workers' pools in the sum")
    before_pids = {w.pid for w in workers_of(proc)}
    before = get(parse(requests.get(f"{base}/metrics", timeout=5).text),
                 "biye_gateway_request_duration_seconds_count", **route)
    with ThreadPoolExecutor(8) as pool:  # fresh connections, so both workers take some
        list(pool.map(lambda _: requests.get(f"{base}/api/v1/vocabulary", timeout=10).status_code, range(40)))
    for _ in range(6):  # whichever worker answers the scrape, it reports all 40
        scraped = parse(requests.get(f"{base}/metrics", timeout=5, headers={"Connection": "close"}).text)
        assert get(scraped, "biye_gateway_request_duration_seconds_count", **route) == before + 40

    # a worker that dies: its pool leaves the sum (child_exit), the one started in its place joins it
    victim = workers_of(proc)[0]
    victim.kill()
    until(lambda: len([w for w in workers_of(proc) if w.pid != victim.pid]) == 2, timeout=30,
          what="gunicorn replacing the worker")
    successor = next(w.pid for w in workers_of(proc) if w.pid != victim.pid and w.pid not in before_pids)
    until(lambda: os.path.exists(os.path.join(files, f"gauge_livesum_{successor}.db")), timeout=120,
          what="the new worker's app created")
    time.sleep(0.5)
    assert pools_of_both_workers()
    scraped = parse(requests.get(f"{base}/metrics", timeout=5).text)
    assert get(scraped, "biye_gateway_request_duration_seconds_count", **route) >= before + 40  # history kept


def test_gateway_metrics_are_not_behind_the_login(client):
    r = client.get("/metrics", headers={"Authorization": "Bearer not-a-user-token"})
    assert r.status_code == 200
    assert "biye_gateway_request_duration_seconds" in r.get_data(as_text=True)
