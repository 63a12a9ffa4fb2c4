"""The services' queues as RabbitMQ quorum queues, and where a message goes that fails too often.

A province runs RabbitMQ as a cluster. A classic queue lives on one node and is lost with it; a quorum
queue is replicated over the nodes (Raft) and keeps working while a majority of them is up. Every
queue a service consumes from is one: each event handler's `evt-<source>-<event>--<service>.<method>`
(services.common.entrypoints.event_handler declares it; publishers pre-declare it through
events.listener_queues) and each service's `rpc-<service>` (entrypoints.rpc). RPC reply queues stay
as nameko makes them: exclusive to one caller, gone with it, nothing to replicate.

Quorum queues must be durable and neither exclusive nor auto-delete, and know no priorities; nameko's
SERVICE_POOL handlers and its RPC queue ask for none of those. Their arguments are part of their
identity: a queue declared once with other arguments (or as a classic queue) refuses a declaration
with these (PRECONDITION_FAILED). `deploy/queues.py` turns an installation's classic queues into these.

Nothing spins forever: a message returned to its queue DELIVERY_LIMIT times (a handler failing on it
with a bug, a process dying on it) is not delivered again but dead-lettered, at least once, through
the fanout exchange DEAD_LETTER_EXCHANGE into the quorum queue DEAD_LETTER_QUEUE, with the name of
the queue it came from as routing key and RabbitMQ's `x-death` header. There it waits for an
operator: the province admin's page 消息处理故障 (gateway/dead_letters.py) shows it beside the
failure the handler recorded (services.common.messaging, table event_failures), and puts it back
into its queue after a fix.
"""
from kombu import Exchange, Queue
from nameko.events import get_event_exchange
from nameko.rpc import RPC_QUEUE_TEMPLATE, get_rpc_exchange

# Deliveries after the first before a message is dead-lettered: it is tried DELIVERY_LIMIT + 1 times.
# Every return to the queue counts (a handler's failure, a consumer gone with the message unacked).
# Part of the queues' identity: changing it means re-creating them (deploy/queues.py).
DELIVERY_LIMIT = 10
DEAD_LETTER_EXCHANGE = "biye.dead-letters"
DEAD_LETTER_QUEUE = "biye.dead-letters"
QUORUM = {"x-queue-type": "quorum"}


def quorum_arguments(queue_name: str) -> dict:
    """The arguments of a service's queue: quorum, the delivery limit, dead-lettering into the DLQ.

    At-least-once dead-lettering keeps a message in its queue until the dead-letter queue has
    confirmed it (RabbitMQ retries), where at-most-once would drop it if that queue were
    unreachable at that moment; RabbitMQ requires `x-overflow: reject-publish` for it."""
    return {
        **QUORUM,
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": queue_name,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def dead_letter_exchange() -> Exchange:
    return Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True, auto_delete=False)


def dead_letter_queue() -> Queue:
    """The dead-letter queue: quorum too, with no limit (nothing is ever taken out of it by failing)."""
    return Queue(DEAD_LETTER_QUEUE, exchange=dead_letter_exchange(), routing_key="", durable=True,
                 auto_delete=False, exclusive=False, queue_arguments=dict(QUORUM))


class QuorumQueue(Queue):
    """A kombu Queue that declares the dead-letter exchange and queue before itself, wherever it is
    declared (a consumer's every (re)connection, a publisher's declarations): a message can never be
    dead-lettered to an exchange that is not there."""

    def declare(self, nowait: bool = False, channel=None):
        if not self.no_declare:
            dead_letter_queue()(channel or self.channel).declare(nowait=nowait)
        return super().declare(nowait=nowait, channel=channel)


def quorum_queue(name: str, exchange: Exchange, routing_key: str) -> QuorumQueue:
    return QuorumQueue(name, exchange=exchange, routing_key=routing_key, durable=True, auto_delete=False,
                       exclusive=False, queue_arguments=quorum_arguments(name))


def event_queue_name(source: str, event_type: str, service: str, method: str) -> str:
    """nameko's name for a SERVICE_POOL event handler's queue."""
    return f"evt-{source}-{event_type}--{service}.{method}"


def event_queue(source: str, event_type: str, service: str, method: str, config: dict | None = None) -> QuorumQueue:
    """The queue of `service.method`, handler of `source`'s `event_type` events, bound to their exchange."""
    return quorum_queue(event_queue_name(source, event_type, service, method),
                        get_event_exchange(source, config or {}), event_type)


def rpc_queue_name(service: str) -> str:
    return RPC_QUEUE_TEMPLATE.format(service)


def rpc_queue(service: str, config: dict | None = None) -> QuorumQueue:
    """The queue of `service`'s RPC methods, bound to nameko's RPC exchange by `<service>.*`."""
    return quorum_queue(rpc_queue_name(service), get_rpc_exchange(config or {}), f"{service}.*")


def origin_of(queue_name: str) -> dict:
    """What a service queue's name says: {kind: event|rpc, service, method, source, event_type}
    (what is not in the name is None); kind None for a queue that is not a service's."""
    found = {"kind": None, "service": None, "method": None, "source": None, "event_type": None}
    if queue_name.startswith("evt-") and "--" in queue_name:
        head, _, handler = queue_name[4:].partition("--")
        service, _, method = handler.partition(".")
        source, _, event_type = head.partition("-")
        found.update(kind="event", service=service, method=method or None, source=source, event_type=event_type)
    elif queue_name.startswith("rpc-"):
        found.update(kind="rpc", service=queue_name[4:])
    return found


# --- moving messages between queues (deploy/queues.py's migration, the replay of a dead letter) -----------

def connect(amqp_uri: str):
    """A kombu connection whose channels wait for the broker's confirm of every publish."""
    from kombu import Connection

    return Connection(amqp_uri, connect_timeout=10, transport_options={"confirm_publish": True})


def publish_copy(channel, message, queue_name: str, drop_headers: tuple[str, ...] = ()) -> None:
    """Publish a copy of `message` (an amqp.Message from basic_get: body and properties as they were)
    straight into `queue_name`; returns once the broker has confirmed it."""
    import amqp

    properties = dict(message.properties)
    headers = {k: v for k, v in (properties.get("application_headers") or {}).items() if k not in drop_headers}
    properties["application_headers"] = headers
    channel.basic_publish(amqp.Message(message.body, **properties), exchange="", routing_key=queue_name)


def move_messages(channel, source: str, target: str) -> int:
    """Move every message of `source` to the end of `target`, each confirmed before it is taken from
    `source` (a crash in between leaves it in both: handlers drop the repeat by its event id)."""
    moved = 0
    while (message := channel.basic_get(source, no_ack=False)) is not None:
        publish_copy(channel, message, target)
        channel.basic_ack(message.delivery_tag)
        moved += 1
    return moved
