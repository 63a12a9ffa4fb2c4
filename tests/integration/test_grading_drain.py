"""Drain: a grading worker stopped by SIGTERM (a scale-down, a rolling upgrade) in the middle of a
province-sized verification finishes the chunks it holds, acknowledges them and exits 0; the worker that
stays verifies the rest. Every student is verified once, no chunk twice, and no chunk is handed to the
other worker after the stopping one has taken it.

To stop the worker at an exact moment rather than by luck, the test holds an ACCESS EXCLUSIVE lock on
grading.grades while the list is imported: every chunk a worker takes then waits inside its transaction
at the grades look-up (PostgreSQL shows it waiting, by the worker's application_name). The worker is
sent SIGTERM (twice, as an impatient supervisor would) while it holds two such chunks; once it says it
is draining, the lock is released and both workers go on.
"""
import os
import signal

import eventlet
import eventlet.event
import pytest
import sqlalchemy as sa
from kombu import Connection
from nameko.amqp.publish import Publisher
from nameko.containers import ServiceContainer
from nameko.events import get_event_exchange
from nameko.messaging import QueueConsumer

from services.common.drain import Drain
from services.common.entrypoints import event_handler
from services.common.events import SUBSCRIPTIONS
from tests.support import infra
from tests.support.bigschool import (
    chunk_events_handled,
    chunk_rows,
    import_list,
    school_with_students,
    students,
    verdicts,
    wait_verified,
)
from tests.support.processes import log_since
from tests.support.wait import until

SCHOOL = "D1"
STUDENTS = 3000  # twelve chunks of 250
GRADING = ("services.grading.service:GradingService", "grading", "services/grading/config.yml")
DRAINED = "grading-drained"  # the stopped worker's PostgreSQL application_name and log label
CHUNK_QUEUE = next(s.queue_name for s in SUBSCRIPTIONS if s.method == "verify_chunk")


@pytest.fixture(scope="module")
def school(app, province, stack):
    client = app.test_client()
    rows = students(STUDENTS, area="610526")
    manager = school_with_students(client, province, SCHOOL, "蒲城县职业教育中心", "6105", "d1_manager", rows)
    return {"client": client, "manager": manager, "rows": rows}


def waiting_on_grades(engine, application: str | None = None) -> int:
    """Sessions (of one application_name, or any) waiting for a lock on grading.grades."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND l.relation = 'grading.grades'::regclass "
            "AND (CAST(:app AS text) IS NULL OR a.application_name = :app)"), {"app": application}).scalar_one()


@pytest.mark.timeout(900)
def test_a_worker_stopped_mid_verification_finishes_its_chunks_and_exits(school, spawn, stack, engine, vhost):
    vhost_name = vhost[0]
    stays = stack["grading"]
    stays_log_offset = os.path.getsize(stays.log_path)
    drained = spawn(*GRADING, label=DRAINED, extra_env={"PGAPPNAME": DRAINED}, wait=False)
    until(lambda: infra.queue_consumers(vhost_name, CHUNK_QUEUE) == 2, what="both workers consuming chunks")

    with engine.connect() as lock:
        lock.execute(sa.text("LOCK TABLE grading.grades IN ACCESS EXCLUSIVE MODE"))
        review_id = import_list(school["client"], school["manager"], SCHOOL, school["rows"], year=2061)
        # each worker takes as many chunks as it has workers (max_workers 2) and waits inside them
        until(lambda: waiting_on_grades(engine, DRAINED) == 2 and waiting_on_grades(engine) == 4,
              timeout=120, what="both workers inside two chunks each")
        assert [c.times_verified for c in chunk_rows(engine, review_id)] == [0] * 12

        drained.proc.send_signal(signal.SIGTERM)  # what ServiceProcess.stop, a scale-down or an upgrade sends
        drained.wait_logged("SIGTERM: draining", what="the worker draining")
        drained.proc.send_signal(signal.SIGTERM)  # and again, as an impatient supervisor would
        drained.wait_logged("SIGTERM again: already draining", what="the second SIGTERM ignored")
        assert drained.proc.poll() is None, "still finishing its chunks"
        lock.rollback()  # the lock released: both workers go on

    assert drained.wait_exit(timeout=60) == 0, f"a clean exit: see {drained.log_path}"
    review = wait_verified(school["client"], school["manager"], review_id)
    assert review["qualified"] == STUDENTS

    chunks = chunk_rows(engine, review_id)
    assert len(chunks) == 12 and sum(c.n for c in chunks) == STUDENTS
    assert [c.times_verified for c in chunks] == [1] * 12, "every chunk verified once"
    drained_id = f"{os.uname().nodename}:{drained.proc.pid}"
    finished = sorted(c.chunk_no for c in chunks if c.verified_by == drained_id)
    assert len(finished) == 2, f"the stopped worker finished the two chunks it held: {chunks}"
    assert {c.verified_by for c in chunks} == {drained_id, f"{os.uname().nodename}:{stays.proc.pid}"}
    assert verdicts(engine, review_id) == (STUDENTS, STUDENTS, STUDENTS, STUDENTS)
    assert chunk_events_handled(engine, review_id) == (12, 12)

    drained_log = log_since(drained.log_path, drained.log_offset)
    for chunk_no in finished:
        assert f"verified chunk {chunk_no} of review {review_id}" in drained_log
    assert "Traceback" not in drained_log, drained_log[-3000:]
    assert "drained: every worker finished and acknowledged its message" in drained_log
    # nothing it took came back to the worker that stays: no chunk was delivered to it a second time
    stays_log = log_since(stays.log_path, stays_log_offset)
    assert "grading.verify_chunk: event" not in stays_log, "a chunk was delivered twice"


class Holder:
    """A service with no RpcProxy (as review and numbering): only its consumers keep nameko's
    queue-consumer connection open."""
    name = "drainprobe"
    drain = Drain()
    entered = None  # eventlet Events, set per test
    release = None

    @event_handler("drainsource", "held")
    def held(self, payload: dict) -> None:
        Holder.entered.send(payload["n"])
        Holder.release.wait()


def ready_messages(amqp_uri: str, queue: str) -> int:
    """Messages ready in the queue, from the broker itself (the management API's counts lag)."""
    with Connection(amqp_uri) as conn:
        return conn.default_channel.queue_declare(queue, passive=True).message_count


def test_a_stopping_process_acknowledges_what_its_workers_finish(amqp_uri):
    Holder.entered, Holder.release = eventlet.event.Event(), eventlet.event.Event()
    container = ServiceContainer(Holder, {"AMQP_URI": amqp_uri})
    container.start()
    stopping = None
    try:
        exchange = get_event_exchange("drainsource", {})
        Publisher(amqp_uri, use_confirms=True).publish({"n": 1}, exchange=exchange, routing_key="held")
        assert Holder.entered.wait() == 1
        [queue_consumer] = [e for e in container.subextensions if isinstance(e, QueueConsumer)]
        iterations = []  # of the queue consumer's loop, which stops it once it has nothing to consume
        looped = queue_consumer.on_iteration
        queue_consumer.on_iteration = lambda: (iterations.append(bool(queue_consumer._consumers)), looped())
        stopping = eventlet.spawn(container.stop)  # what SIGTERM does
        # the loop has gone round twice with no consumer left (or ended: the connection closed under the worker)
        until(lambda: iterations[-2:] == [False, False] or queue_consumer._gt.dead, what="the consumer cancelled")
        Holder.release.send(True)
        stopping.wait()
    finally:
        if not Holder.release.ready():
            Holder.release.send(True)
        if stopping is None:
            container.kill()
    # acknowledged before the connection closed: not back in the queue for another process to do again
    assert ready_messages(amqp_uri, "evt-drainsource-held--drainprobe.held") == 0
