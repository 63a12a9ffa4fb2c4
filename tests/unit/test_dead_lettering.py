"""What an event handler's failed message becomes (services/common/entrypoints.py), which failures count as
transient (handlers.is_transient), the services' queue declarations (services/common/queues.py) and how the
gateway describes a dead message (gateway/dead_letters.py) — without servers. The real runs:
tests/integration/test_dead_letters.py, test_quorum_queues.py."""
import datetime as dt
import importlib
import json
from types import SimpleNamespace
from unittest.mock import MagicMock

import psycopg2
import pytest
import sqlalchemy as sa
from nameko.events import BROADCAST, EventHandlerConfigurationError
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import Rpc as NamekoRpc
from prometheus_client import REGISTRY

from deploy.processes import SERVICE_CLASSES
from gateway import dead_letters
from services.common import entrypoints, handlers, queues
from services.common.errors import NotFound
from services.common.faults import InjectedBug, InjectedOutage


class Message:
    def __init__(self, delivery_count: int = 0, transient: int | None = None):
        self.headers = {"x-delivery-count": delivery_count, "nameko.call_id_stack": ["x"]}
        if transient is not None:
            self.headers[entrypoints.TRANSIENT_RETRIES_HEADER] = transient
        self.body = b'{"event_id": "e1"}'
        self.content_type, self.content_encoding = "application/json", "utf-8"


@pytest.fixture
def handler(monkeypatch):
    """An entrypoint as set up in a container, with a queue consumer and a publisher that record."""
    monkeypatch.setattr(handlers, "RETRY_BACKOFF_SECONDS", 0)
    monkeypatch.setattr(entrypoints.eventlet, "sleep", lambda seconds: None)
    entry = entrypoints.EventHandler("review", "review_approved")
    entry.queue = queues.event_queue("review", "review_approved", "numbering", "on_review_approved")
    entry.handler_name = "numbering.on_review_approved"
    entry.queue_consumer = MagicMock()
    entry.republisher = MagicMock()
    return entry


def failed(exc: Exception):
    return (type(exc), exc, None)


def dead_lettered() -> float:
    labels = {"handler": "numbering.on_review_approved"}
    return REGISTRY.get_sample_value("biye_events_dead_lettered_total", labels) or 0


def test_a_bug_returns_the_message_so_the_queue_counts_it(handler):
    message = Message(delivery_count=3)
    handler.handle_message_processed(message, exc_info=failed(InjectedBug("bug")))
    handler.queue_consumer.requeue_message.assert_called_once_with(message)
    handler.queue_consumer.ack_message.assert_not_called()
    handler.republisher.publish.assert_not_called()


def test_a_bug_on_the_last_allowed_delivery_is_counted_as_dead_lettered(handler):
    before = dead_lettered()
    handler.handle_message_processed(Message(queues.DELIVERY_LIMIT - 1), exc_info=failed(InjectedBug("bug")))
    assert dead_lettered() == before
    message = Message(queues.DELIVERY_LIMIT)
    handler.handle_message_processed(message, exc_info=failed(InjectedBug("bug")))
    assert dead_lettered() == before + 1
    handler.queue_consumer.requeue_message.assert_called_with(message)  # RabbitMQ dead-letters it


def test_a_transient_failure_goes_to_the_end_of_its_queue_without_using_up_deliveries(handler):
    message = Message(delivery_count=queues.DELIVERY_LIMIT, transient=4)
    handler.handle_message_processed(message, exc_info=failed(InjectedOutage("database away")))
    handler.queue_consumer.ack_message.assert_called_once_with(message)
    handler.queue_consumer.requeue_message.assert_not_called()
    body, kwargs = handler.republisher.publish.call_args.args[0], handler.republisher.publish.call_args.kwargs
    assert body == message.body and kwargs["exchange"] == "" and kwargs["routing_key"] == handler.queue.name
    assert kwargs["headers"] == {"nameko.call_id_stack": ["x"], entrypoints.TRANSIENT_RETRIES_HEADER: 5}


def test_a_transient_failure_that_lasts_too_long_is_treated_as_a_bug(handler):
    message = Message(transient=entrypoints.TRANSIENT_RETRY_LIMIT)
    handler.handle_message_processed(message, exc_info=failed(InjectedOutage("still away")))
    handler.queue_consumer.requeue_message.assert_called_once_with(message)
    handler.republisher.publish.assert_not_called()


def test_when_publishing_again_fails_the_message_is_returned_instead(handler):
    handler.republisher.publish.side_effect = ConnectionError("broker away")
    message = Message()
    handler.handle_message_processed(message, exc_info=failed(InjectedOutage("away")))
    handler.queue_consumer.requeue_message.assert_called_once_with(message)
    handler.queue_consumer.ack_message.assert_not_called()


def test_success_is_acknowledged(handler):
    message = Message()
    handler.handle_message_processed(message)
    handler.queue_consumer.ack_message.assert_called_once_with(message)


def test_an_rpc_answer_is_sent_without_waiting_for_a_confirm_and_the_request_then_acknowledged(monkeypatch):
    """The request's answer goes to its caller's reply queue, unconfirmed (entrypoints.ReplyPublisher)."""
    steps = []
    monkeypatch.setattr(entrypoints.Publisher, "publish", lambda publisher, payload, **options: steps.append(
        ("published", publisher.use_confirms, options["routing_key"], options["correlation_id"], payload)))
    consumer = entrypoints.RpcConsumer()
    consumer.container = SimpleNamespace(config={"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/"})
    consumer.queue_consumer = SimpleNamespace(ack_message=lambda message: steps.append(("acknowledged", message)))
    request = SimpleNamespace(properties={"content_type": "application/json", "reply_to": "reply-key",
                                          "correlation_id": "call-1"})
    assert consumer.handle_result(request, {"id": 7}, None) == ({"id": 7}, None)
    assert steps == [("published", False, "reply-key", "call-1", {"result": {"id": 7}, "error": None}),
                     ("acknowledged", request)]


def test_backoff_doubles_up_to_its_ceiling(monkeypatch):
    monkeypatch.setattr(handlers, "RETRY_BACKOFF_SECONDS", 1.0)
    assert [entrypoints.transient_backoff(n) for n in (0, 1, 2, 5, 50)] == [1, 2, 4, 30, 30]


def _with_code(error: psycopg2.Error, code: str | None) -> psycopg2.Error:
    class Coded(type(error)):
        pgcode = code
    return Coded("x")


@pytest.mark.parametrize("exc, transient", [
    (ConnectionError("refused"), True),
    (TimeoutError(), True),
    (sa.exc.OperationalError("SELECT 1", {}, _with_code(psycopg2.OperationalError("x"), None)), True),
    (sa.exc.OperationalError("SELECT 1", {}, _with_code(psycopg2.OperationalError("x"), "57P01")), True),
    (sa.exc.DBAPIError("SELECT 1", {}, _with_code(psycopg2.Error("x"), "40P01")), True),
    (sa.exc.DisconnectionError("stale"), True),
    (sa.exc.TimeoutError("pool"), True),
    (sa.exc.OperationalError("SELECT 1", {}, _with_code(psycopg2.OperationalError("x"), "57014")), False),  # timeout
    (sa.exc.IntegrityError("INSERT", {}, _with_code(psycopg2.IntegrityError("x"), "23505")), False),
    (KeyError("rows"), False),
    (FileNotFoundError("x.pdf"), False),
    (InjectedBug("bug"), False),
    (NotFound("gone"), False),
])
def test_what_counts_as_transient(exc, transient):
    assert handlers.is_transient(exc) is transient


def test_only_shared_reliable_handlers_get_quorum_queues():
    entry = entrypoints.EventHandler("review", "x", handler_type=BROADCAST, reliable_delivery=False)
    entry.container = SimpleNamespace(service_name="s", config={"AMQP_URI": "amqp://"})
    entry.method_name = "m"
    with pytest.raises(EventHandlerConfigurationError):
        entry.setup()


def test_the_queues_are_quorum_queues_that_dead_letter_after_the_limit():
    queue = queues.event_queue("review", "review_approved", "numbering", "on_review_approved")
    assert queue.name == "evt-review-review_approved--numbering.on_review_approved"
    assert (queue.durable, queue.auto_delete, queue.exclusive) == (True, False, False)
    assert queue.exchange.name == "review.events" and queue.routing_key == "review_approved"
    assert queue.queue_arguments == {
        "x-queue-type": "quorum", "x-delivery-limit": queues.DELIVERY_LIMIT,
        "x-dead-letter-exchange": queues.DEAD_LETTER_EXCHANGE, "x-dead-letter-routing-key": queue.name,
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
    rpc = queues.rpc_queue("numbering")
    assert (rpc.name, rpc.routing_key, rpc.exchange.name) == ("rpc-numbering", "numbering.*", "nameko-rpc")
    assert rpc.queue_arguments["x-queue-type"] == "quorum"


def test_declaring_a_service_queue_declares_the_dead_letter_queue_first():
    channel = MagicMock()
    channel.prepare_queue_arguments.side_effect = lambda args, **kw: args
    queues.event_queue("review", "review_approved", "numbering", "on_review_approved")(channel).declare()
    declared = [c.kwargs["queue"] for c in channel.queue_declare.call_args_list]
    assert declared == [queues.DEAD_LETTER_QUEUE, "evt-review-review_approved--numbering.on_review_approved"]


def test_every_service_entrypoint_is_on_a_quorum_queue():
    """nameko's own rpc or event_handler beside ours would declare the same queue differently."""
    for name, cls_name in SERVICE_CLASSES.items():
        cls = getattr(importlib.import_module(f"services.{name}.service"), cls_name)
        for attr in dir(cls):
            for ext in getattr(getattr(cls, attr), ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(ext, NamekoRpc):
                    assert isinstance(ext, entrypoints.Rpc), f"{name}.{attr}"
                if type(ext).__module__.startswith("nameko.events"):
                    pytest.fail(f"{name}.{attr} uses nameko's event_handler")


@pytest.mark.parametrize("queue, origin", [
    ("evt-probe_sender-note_added--probe_receiver.on_note_added",
     {"kind": "event", "service": "probe_receiver", "method": "on_note_added", "source": "probe_sender",
      "event_type": "note_added"}),
    ("rpc-roster", {"kind": "rpc", "service": "roster", "method": None, "source": None, "event_type": None}),
    ("printing.site-status", {"kind": None, "service": None, "method": None, "source": None, "event_type": None}),
])
def test_a_queue_name_says_where_a_message_was_going(queue, origin):
    assert queues.origin_of(queue) == origin


def dead_message(body: dict | bytes, queue: str, routing_key: str = "", **properties) -> SimpleNamespace:
    death = {"count": 1, "reason": "delivery_limit", "queue": queue, "time": dt.datetime(2027, 6, 1, 8, 30),
             "exchange": "", "routing-keys": [routing_key or queue]}
    headers = {"x-death": [death], "x-first-death-queue": queue, "x-first-death-reason": "delivery_limit"}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return SimpleNamespace(headers=headers, body=raw, properties={"application_headers": headers, **properties},
                           delivery_info={"routing_key": queue})


def test_a_dead_event_is_described_with_its_handler_and_a_masked_summary():
    queue = "evt-review-review_approved--numbering.on_review_approved"
    about = dead_letters.describe(dead_message({
        "event_id": "0b9f3c1e-1111-4111-8111-111111111111", "v": 1, "review_id": "r1",
        "students": [{"id_number": "610502200801011234"}], "note": "持证人 61050220080101123X 已有证书"}, queue))
    assert about == {
        "queue": queue, "message_id": "0b9f3c1e-1111-4111-8111-111111111111", "kind": "event",
        "service": "numbering", "handler": "numbering.on_review_approved", "event_type": "review_approved",
        "event_id": "0b9f3c1e-1111-4111-8111-111111111111", "reason": "delivery_limit",
        "dead_lettered_at": "2027-06-01T08:30:00+00:00", "times_dead_lettered": 1, "replayable": True,
        "payload": {"review_id": "r1", "students": "[1项]", "note": "持证人 610502********123X 已有证书"}}


def test_a_dead_rpc_request_is_known_by_its_correlation_id_and_not_replayable():
    about = dead_letters.describe(dead_message({"args": [], "kwargs": {}}, "rpc-roster", "roster.photos",
                                               correlation_id="c-1"))
    assert (about["message_id"], about["kind"], about["handler"], about["replayable"]) == (
        "c-1", "rpc", "roster.photos", False)
