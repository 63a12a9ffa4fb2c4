"""The services' queues are quorum queues with a delivery limit and dead-lettering, and a broker holding the
classic queues of an older version is migrated (deploy/queues.py, which `make up` runs) without losing a
message. Queue types and arguments are read from the management API: they are the queues' definitions,
not sampled statistics; message counts are read over AMQP (a passive declaration answers with the count)."""
import json
import subprocess
import sys
import uuid
from urllib.parse import quote

import amqp
import pytest
import requests
import sqlalchemy as sa

from deploy import local
from deploy import queues as migration
from deploy.processes import SERVICE_CLASSES
from services.common import queues
from services.common.events import SUBSCRIPTIONS
from tests.support import infra
from tests.support.fixtures import LOG_DIR
from tests.support.processes import ROOT, ServiceProcess
from tests.support.wait import until

ROSTER_QUEUE = "evt-review-cohort_graduated--roster.on_cohort_graduated"
NUMBERING_QUEUE = "evt-review-review_approved--numbering.on_review_approved"


def service_queue_names() -> list[str]:
    return [s.queue_name for s in SUBSCRIPTIONS] + [f"rpc-{service}" for service in SERVICE_CLASSES]


def vhost_queues(vhost: str) -> dict[str, dict]:
    r = requests.get(f"{infra.RABBIT_API}/queues/{quote(vhost, safe='')}", auth=infra.RABBIT_AUTH, timeout=10,
                     params={"columns": "name,type,durable,auto_delete,exclusive,arguments"})
    r.raise_for_status()
    return {q["name"]: q for q in r.json()}


def assert_quorum_with_dead_lettering(queue: dict) -> None:
    assert queue["type"] == "quorum", queue
    args = queue["arguments"]
    assert args["x-delivery-limit"] == queues.DELIVERY_LIMIT, queue
    assert args["x-dead-letter-exchange"] == queues.DEAD_LETTER_EXCHANGE, queue
    assert args["x-dead-letter-routing-key"] == queue["name"], queue
    assert args["x-dead-letter-strategy"] == "at-least-once", queue


def assert_dead_letter_queue(vhost: str, found: dict[str, dict]) -> None:
    dlq = found[queues.DEAD_LETTER_QUEUE]
    assert dlq["type"] == "quorum" and "x-delivery-limit" not in dlq["arguments"], dlq
    r = requests.get(f"{infra.RABBIT_API}/bindings/{quote(vhost, safe='')}/e/{queues.DEAD_LETTER_EXCHANGE}"
                     f"/q/{queues.DEAD_LETTER_QUEUE}", auth=infra.RABBIT_AUTH, timeout=10)
    r.raise_for_status()
    assert r.json(), "the dead-letter queue is bound to the dead-letter exchange"


def test_the_running_services_consume_from_quorum_queues_with_a_delivery_limit_and_dead_lettering(stack, vhost):
    found = vhost_queues(vhost[0])
    for name in service_queue_names():
        assert name in found, f"{name} not declared"
        assert_quorum_with_dead_lettering(found[name])
    assert_dead_letter_queue(vhost[0], found)
    replies = [q for name, q in found.items() if name.startswith("rpc.reply-")]
    assert replies, "the services' RPC reply queues"
    assert all(q["type"] == "classic" for q in replies), "reply queues stay as nameko makes them"


# --- migration from the classic queues of an older version ------------------------------------------------------

@pytest.fixture
def old_broker():
    """A virtual host of its own holding what an older version left: the service queues as classic queues."""
    name, uri = infra.create_vhost()
    conn = amqp.Connection("127.0.0.1:5672", userid="guest", password="guest", virtual_host=name,
                           confirm_publish=True)
    conn.connect()
    try:
        yield name, uri, conn
    finally:
        try:
            conn.close()
        except Exception:
            pass
        infra.delete_vhost(name)


def cohort_graduated(event_id: str) -> bytes:
    return json.dumps({"review_id": "r-migrated", "school_code": "NO-SUCH-SCHOOL", "id_numbers": [],
                       "v": 1, "event_id": event_id}).encode()


def publish(channel, queue: str, body: bytes, **properties) -> None:
    channel.basic_publish(amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                                       delivery_mode=2, **properties), exchange="", routing_key=queue)


def ready(channel_of, queue: str) -> int:
    channel = channel_of()
    try:
        return channel.queue_declare(queue, passive=True).message_count
    finally:
        channel.close()


def test_classic_queues_of_an_older_version_become_quorum_queues_keeping_their_events(old_broker, service_env,
                                                                                     engine):
    vhost, uri, conn = old_broker
    channel = conn.channel()
    for name in service_queue_names():  # as nameko 2 declared them: durable classic queues
        channel.queue_declare(name, durable=True, auto_delete=False)
    events = [str(uuid.uuid4()) for _ in range(2)]
    for event_id in events:
        publish(channel, ROSTER_QUEUE, cohort_graduated(event_id))
    publish(channel, "rpc-roster", b'{"args": [], "kwargs": {}}', correlation_id="stale-call")
    # a run interrupted after it had moved the numbering queue's message aside
    channel.queue_declare(migration.HOLDING_PREFIX + NUMBERING_QUEUE, durable=True, auto_delete=False,
                          arguments=dict(queues.QUORUM))
    publish(channel, migration.HOLDING_PREFIX + NUMBERING_QUEUE, b'{"left": "aside"}')
    # an old printing process still consuming its RPC queue
    busy = conn.channel()
    busy.basic_consume("rpc-printing", callback=lambda message: None)

    outcomes = {o.queue: o for o in migration.migrate(uri)}
    assert outcomes["rpc-printing"].state == "busy"
    assert vhost_queues(vhost)["rpc-printing"]["type"] == "classic", "a queue in use is left alone"
    assert outcomes[ROSTER_QUEUE].state == "migrated" and outcomes[ROSTER_QUEUE].moved == 2
    assert outcomes["rpc-roster"].state == "dropped" and outcomes["rpc-roster"].dropped == 1
    assert outcomes[NUMBERING_QUEUE].state == "migrated" and outcomes[NUMBERING_QUEUE].moved == 1

    busy.close()  # the old process stopped: `make up` (deploy.local) migrates the rest
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AMQP_URI", uri)
        assert local.migrate_queues()
    check = subprocess.run([sys.executable, "-m", "deploy.queues", "check", "--amqp-uri", uri], cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    found = vhost_queues(vhost)
    for name in service_queue_names():
        assert_quorum_with_dead_lettering(found[name])
    assert_dead_letter_queue(vhost, found)
    assert not [n for n in found if n.startswith(migration.HOLDING_PREFIX)], "holding queues removed"
    assert ready(conn.channel, ROSTER_QUEUE) == 2 and ready(conn.channel, NUMBERING_QUEUE) == 1
    assert ready(conn.channel, "rpc-roster") == 0

    # the new version starts on the migrated broker and handles what waited in the old queue
    roster = ServiceProcess("services.roster.service:RosterService", "roster", {**service_env, "AMQP_URI": uri},
                            "services/roster/config.yml", LOG_DIR, "roster-migrated").start(wait=False)

    def handled() -> int:
        assert roster.proc.poll() is None, f"roster exited: see {roster.log_path}"
        try:
            with engine.connect() as db:
                return db.execute(sa.text(
                    "SELECT count(*) FROM roster.processed_events WHERE event_id::text = ANY(:ids)"),
                    {"ids": events}).scalar_one()
        except sa.exc.ProgrammingError:  # its schema not made yet
            return 0
    try:
        until(lambda: handled() == 2, timeout=60, what="the migrated events handled by the new roster")
    finally:
        roster.stop()
