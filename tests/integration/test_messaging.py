"""The outbox and idempotent consumers, with real processes killed and restarted."""
import pytest
import sqlalchemy as sa
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from tests.support.infra import queue_depth
from tests.support.probe import QUEUE, RECEIVER, SENDER, event_id_of, received_rows, unpublished
from tests.support.processes import log_since
from tests.support.wait import until


def test_event_waits_in_its_queue_while_the_consumer_is_down(spawn, probe_rpc, engine, vhost):
    receiver = spawn(*RECEIVER)   # first run: migrates its schema
    receiver.stop()
    spawn(*SENDER)
    note_id = probe_rpc.probe_sender.add_note("while the receiver is down")
    until(lambda: queue_depth(vhost[0], QUEUE) == 1, what="the event queued for the stopped consumer")
    assert received_rows(engine, note_id) == 0

    spawn(*RECEIVER)
    until(lambda: received_rows(engine, note_id) == 1, what="the event handled after the consumer started")
    until(lambda: queue_depth(vhost[0], QUEUE) == 0, what="the queue drained")
    assert received_rows(engine, note_id) == 1


def test_a_redelivered_event_is_handled_once(spawn, probe_rpc, engine):
    receiver = spawn(*RECEIVER)
    spawn(*SENDER)
    note_id = probe_rpc.probe_sender.add_note("delivered twice")
    until(lambda: received_rows(engine, note_id) == 1, what="first delivery")

    # The relay crashed after publishing but before marking the row: it publishes the event again.
    with engine.begin() as conn:
        conn.execute(sa.text(
            "UPDATE probe_sender.outbox SET published_at = NULL WHERE (payload->>'note_id')::bigint = :n"
        ), {"n": note_id})
    until(lambda: unpublished(engine, note_id) == 0, what="the second publication")
    receiver.wait_logged(f"event {event_id_of(engine, note_id)} already handled", what="the repeat dropped")
    assert received_rows(engine, note_id) == 1


def test_a_service_killed_between_commit_and_relay_delivers_after_restart(spawn, probe_rpc, engine, amqp_uri):
    spawn(*RECEIVER)
    sender = spawn(*SENDER, extra_env={"FAULTS": "after_commit"})
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=3) as short:
        with pytest.raises((RpcTimeout, UnknownService)):
            short.probe_sender.add_note("committed, then the process died")
    assert sender.wait_exit() == 137
    with engine.connect() as conn:
        note_id = conn.execute(sa.text("SELECT id FROM probe_sender.notes WHERE text = :t"),
                               {"t": "committed, then the process died"}).scalar_one()
    assert unpublished(engine, note_id) == 1
    assert received_rows(engine, note_id) == 0

    spawn(*SENDER)  # restarted without the fault: its relay finds the row
    until(lambda: received_rows(engine, note_id) == 1, what="the event delivered after restart")
    # The receiver may have it before the relay has marked the row published: wait for that mark.
    until(lambda: unpublished(engine, note_id) == 0, what="the row marked published")
    assert received_rows(engine, note_id) == 1


def test_a_consumer_killed_mid_handling_still_handles_the_event_once(spawn, probe_rpc, engine, vhost):
    receiver = spawn(*RECEIVER, label="receiver-dies", extra_env={"FAULTS": "after_commit"})
    spawn(*SENDER)
    note_id = probe_rpc.probe_sender.add_note("the consumer dies after its commit, before its ack")
    assert receiver.wait_exit() == 137
    assert received_rows(engine, note_id) == 1   # committed
    until(lambda: queue_depth(vhost[0], QUEUE) == 1, what="the unacked event back in its queue")

    spawn(*RECEIVER)
    until(lambda: queue_depth(vhost[0], QUEUE) == 0, what="the redelivery consumed")
    assert received_rows(engine, note_id) == 1


def test_an_event_that_can_never_succeed_is_not_retried_forever(spawn, probe_rpc, engine):
    receiver = spawn(*RECEIVER)
    spawn(*SENDER)
    poison = probe_rpc.probe_sender.add_note("poison")

    def handled():
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT count(*) FROM probe_receiver.processed_events p JOIN probe_sender.outbox o "
                "ON o.event_id = p.event_id WHERE (o.payload->>'note_id')::bigint = :n"), {"n": poison}).scalar_one()
    until(handled, what="the poison event given up on")
    event_id = event_id_of(engine, poison)
    receiver.wait_logged(f"gave up on event {event_id}")
    after = probe_rpc.probe_sender.add_note("the next one")
    until(lambda: received_rows(engine, after) == 1, what="the consumer still working")
    assert handled() == 1 and received_rows(engine, poison) == 0
    seen = log_since(receiver.log_path, receiver.log_offset)
    assert seen.count(f"gave up on event {event_id}") == 1, "given up on once, not retried"
    assert f"failed on event {event_id}" not in seen, "never requeued as a passing failure"
