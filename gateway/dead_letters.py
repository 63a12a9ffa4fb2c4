"""The dead-letter queue, read and acted on for the province admin's page 消息处理故障 (gateway/api/dead_letters.py).

A message that failed on every one of its deliveries waits in the quorum queue `biye.dead-letters`
(services/common/queues.py) with RabbitMQ's `x-death` header: the queue it came from, why
(`delivery_limit`), when. It stays there, so the queue's depth is the metric
(`rabbitmq_detailed_queue_messages{queue="biye.dead-letters"}` from RabbitMQ's Prometheus plugin).

The queue is read over AMQP with the gateway's own connection (AMQP_URI), not through the management
API: the messages are fetched unacknowledged and handed back in their order, so reading changes
nothing but their delivery count. Replaying one fetches messages until it finds it, publishes a copy
into the queue it came from (confirmed by the broker), and only then acknowledges it out of the
dead-letter queue; the others go back. A reader holding messages for that moment makes another's
search miss them, so a search that misses is tried again.

Messages are known by their queue and id: an event's `event_id`, else the AMQP correlation id (RPC
requests), else a digest of the body.
"""
import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

from amqp.exceptions import NotFound as QueueNotFound

from services.common import queues
from services.common.entrypoints import TRANSIENT_RETRIES_HEADER
from services.common.failures import masked, summary

MAX_LISTED = 500
MAX_SCANNED = 10_000
SEARCH_TRIES = 3
# Not carried into a replay: the count of the delivery it died on, and the transient retries used up.
REPLAY_DROPS = ("x-delivery-count", TRANSIENT_RETRIES_HEADER)


def _body(message) -> object:
    try:
        return json.loads(message.body)
    except (TypeError, ValueError):
        return None


def _iso(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    return None


def describe(message) -> dict:
    """What a dead-lettered message says of itself: where it came from, why, when, what it carries."""
    headers = message.headers or {}
    deaths = headers.get("x-death") or []
    death = next((d for d in deaths if d.get("queue") == headers.get("x-first-death-queue")),
                 deaths[0] if deaths else {})
    queue = str(headers.get("x-first-death-queue") or death.get("queue") or message.delivery_info.get("routing_key"))
    origin = queues.origin_of(queue)
    body = _body(message)
    event_id = body.get("event_id") if isinstance(body, dict) else None
    properties = message.properties
    message_id = (str(event_id) if event_id else properties.get("correlation_id") or properties.get("message_id")
                  or hashlib.sha256(message.body if isinstance(message.body, bytes)
                                    else str(message.body).encode()).hexdigest()[:16])
    if origin["kind"] == "event":
        handler = f"{origin['service']}.{origin['method']}"
    else:
        keys = death.get("routing-keys") or []
        handler = str(keys[0]) if keys else (origin["service"] or queue)
    return {
        "queue": queue, "message_id": message_id, "kind": origin["kind"] or "other",
        "service": origin["service"], "handler": handler, "event_type": origin["event_type"],
        "event_id": str(event_id) if event_id else None,
        "reason": str(death.get("reason") or headers.get("x-first-death-reason") or ""),
        "dead_lettered_at": _iso(death.get("time")),
        "times_dead_lettered": int(death.get("count") or 1),
        "replayable": origin["kind"] == "event",
        "payload": summary(body),
    }


@contextmanager
def _dead_letter_channel(amqp_uri: str) -> Iterator:
    """A channel (publishes confirmed) on which the dead-letter exchange and queue exist."""
    with queues.connect(amqp_uri) as conn:
        channel = conn.channel()
        queues.dead_letter_queue()(channel).declare()
        yield conn, channel


def _hand_back(channel, held: list) -> None:
    """Messages fetched and not taken go back to the dead-letter queue, in their order."""
    for message in held:
        channel.basic_reject(message.delivery_tag, requeue=True)


def listing(amqp_uri: str, limit: int = MAX_LISTED) -> dict:
    """{total, messages}: how many messages the dead-letter queue holds, and the first `limit` described."""
    with _dead_letter_channel(amqp_uri) as (_, channel):
        _, total, _ = channel.queue_declare(queues.DEAD_LETTER_QUEUE, passive=True)
        held = []
        while len(held) < limit and (message := channel.basic_get(queues.DEAD_LETTER_QUEUE, no_ack=False)):
            held.append(message)
        described = [describe(m) for m in held]
        _hand_back(channel, held)
    return {"total": max(total, len(described)), "messages": described}


def take(amqp_uri: str, queue: str, message_id: str, replay: bool) -> dict | None:
    """Take one message out of the dead-letter queue: replayed into `queue` first (confirmed), or
    discarded. Its description, or None if the queue holds no such message. Raises
    QueueNotFound if it is to be replayed and its queue does not exist."""
    for attempt in range(SEARCH_TRIES):
        found = _take_once(amqp_uri, queue, message_id, replay)
        if found is not None:
            return found
        time.sleep(0.3 * (attempt + 1))  # another reader may hold it for a moment
    return None


def _take_once(amqp_uri: str, queue: str, message_id: str, replay: bool) -> dict | None:
    with _dead_letter_channel(amqp_uri) as (conn, channel):
        held, found = [], None
        while len(held) < MAX_SCANNED and (message := channel.basic_get(queues.DEAD_LETTER_QUEUE, no_ack=False)):
            about = describe(message)
            if about["queue"] == queue and about["message_id"] == message_id:
                found = (message, about)
                break
            held.append(message)
        try:
            if found is None:
                return None
            message, about = found
            if replay:
                check = conn.channel()
                try:
                    check.queue_declare(queue, passive=True)  # a missing queue closes this channel only
                finally:
                    _close(check)
                queues.publish_copy(channel, message, queue, drop_headers=REPLAY_DROPS)
            channel.basic_ack(message.delivery_tag)
            return about
        finally:
            _hand_back(channel, held)


def _close(channel) -> None:
    try:
        channel.close()
    except Exception:  # closed by the broker already
        pass


__all__ = ["QueueNotFound", "listing", "take", "describe", "summary", "masked"]
