"""nameko's event handler and RPC entrypoints on quorum queues (services.common.queues says why).

    from services.common.entrypoints import event_handler, rpc

    @event_handler("review", events.REVIEW_APPROVED)
    @handle_once("numbering.on_review_approved")
    def on_review_approved(self, session, payload): ...

    @rpc
    def ping(self): ...

Every service uses these instead of nameko's own: one queue declared with two sets of arguments
would be refused by RabbitMQ. An event handler's message that fails goes back to its queue, after a
pause, in one of two ways:

- a failure that passes by itself (handlers.is_transient: the database, the broker or another service
  out of reach) is published again to the end of its queue and the delivery acknowledged, after a
  back-off that doubles up to TRANSIENT_BACKOFF_MAX_SECONDS: an outage does not use up the message's
  deliveries. Its copies are counted (header TRANSIENT_RETRIES_HEADER); after TRANSIENT_RETRY_LIMIT
  (about an hour) it is treated as the next kind.
- any other failure (a bug) returns it to its queue after RETRY_BACKOFF_SECONDS; RabbitMQ counts the
  returns and dead-letters it after queues.DELIVERY_LIMIT of them (counted in
  biye_events_dead_lettered_total by handler).
"""
import logging
from typing import Any

import eventlet
from kombu.message import Message
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.events import SERVICE_POOL, EventHandlerConfigurationError
from nameko.events import EventHandler as NamekoEventHandler
from nameko.messaging import Consumer
from nameko.rpc import Responder as NamekoResponder
from nameko.rpc import Rpc as NamekoRpc
from nameko.rpc import RpcConsumer as NamekoRpcConsumer
from nameko.rpc import get_rpc_exchange
from prometheus_client import Counter

from services.common import handlers, queues, wire

log = logging.getLogger(__name__)
wire.install()  # every service imports these entrypoints: its messages go through orjson

TRANSIENT_RETRIES_HEADER = "x-biye-transient-retries"
TRANSIENT_BACKOFF_MAX_SECONDS = 30.0
TRANSIENT_RETRY_LIMIT = 120  # 1 + 2 + 4 + 8 + 16 + 30 × 115 s: an outage of about an hour
# Headers RabbitMQ sets on a delivery or a dead-lettering: not carried into a copy.
BROKER_HEADERS = ("x-delivery-count", "x-death", "x-first-death-exchange", "x-first-death-queue",
                  "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason")

EVENTS_DEAD_LETTERED = Counter(
    "biye_events_dead_lettered_total",
    "Event messages whose handler failed on their last allowed delivery (queues.DELIVERY_LIMIT): RabbitMQ "
    "moves them to the dead-letter queue biye.dead-letters (its depth: rabbitmq_detailed_queue_messages).",
    ["handler"])


def delivery_count(message) -> int:
    """How often the message went back to its queue before this delivery (the quorum queue's count)."""
    return int((message.headers or {}).get("x-delivery-count") or 0)


def transient_retries(message) -> int:
    return int((message.headers or {}).get(TRANSIENT_RETRIES_HEADER) or 0)


def transient_backoff(retries: int) -> float:
    return min(TRANSIENT_BACKOFF_MAX_SECONDS, handlers.RETRY_BACKOFF_SECONDS * 2 ** retries)


class EventHandler(NamekoEventHandler):
    """nameko's SERVICE_POOL event handler whose queue is a quorum queue with a delivery limit and
    dead-lettering, returning failed messages as the module doc says. Errors requeue by default."""

    def __init__(self, source_service: str, event_type: str, requeue_on_error: bool = True, **kwargs):
        super().__init__(source_service, event_type, requeue_on_error=requeue_on_error, **kwargs)

    def setup(self) -> None:
        if self.handler_type is not SERVICE_POOL or not self.reliable_delivery:
            raise EventHandlerConfigurationError(
                "quorum queues are durable and shared: only SERVICE_POOL handlers with reliable delivery")
        config = self.container.config
        self.queue = queues.event_queue(self.source_service, self.event_type, self.container.service_name,
                                        self.method_name, config)
        self.handler_name = f"{self.container.service_name}.{self.method_name}"
        self.republisher = Publisher(config[AMQP_URI_CONFIG_KEY], use_confirms=True, mandatory=True,
                                     ssl=config.get(AMQP_SSL_CONFIG_KEY),
                                     login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        Consumer.setup(self)  # registers with the queue consumer (nameko's EventHandler.setup, but this queue)

    def handle_message_processed(self, message, result=None, exc_info=None) -> None:
        if exc_info is None or not self.requeue_on_error:
            self.queue_consumer.ack_message(message)
            return
        retries = transient_retries(message)
        if handlers.is_transient(exc_info[1]) and retries < TRANSIENT_RETRY_LIMIT:
            eventlet.sleep(transient_backoff(retries))
            if self._publish_again(message, retries + 1):
                self.queue_consumer.ack_message(message)
                return
        returned = delivery_count(message)
        if returned >= queues.DELIVERY_LIMIT:
            EVENTS_DEAD_LETTERED.labels(self.handler_name).inc()
            log.error("%s failed on its last allowed delivery (%d): the message goes to the dead-letter queue %s",
                      self.handler_name, returned + 1, queues.DEAD_LETTER_QUEUE)
        else:
            eventlet.sleep(handlers.RETRY_BACKOFF_SECONDS)
        self.queue_consumer.requeue_message(message)

    def _publish_again(self, message, retries: int) -> bool:
        """A copy of the message at the end of its own queue (confirmed); False if that failed."""
        headers = {k: v for k, v in (message.headers or {}).items() if k not in BROKER_HEADERS}
        headers[TRANSIENT_RETRIES_HEADER] = retries
        try:
            self.republisher.publish(message.body, exchange="", routing_key=self.queue.name, headers=headers,
                                     content_type=message.content_type, content_encoding=message.content_encoding,
                                     retry=False)
        except Exception as exc:  # the broker is what is away: return the delivery instead
            log.warning("%s: could not publish the message again (%s); returning it to its queue",
                        self.handler_name, exc)
            return False
        log.info("%s: transient failure, the message waits at the end of its queue (retry %d)",
                 self.handler_name, retries)
        return True


class ReplyPublisher(Publisher):
    """Publishes an RPC's answer without waiting for the broker to confirm it. A confirm cannot change
    what the caller sees: an answer the broker loses times the call out, confirmed or not, since the
    caller waits on its reply queue, not on this publisher. Waiting for it cost a round trip to the
    broker on every call (about a third of a publish's CPU here and in RabbitMQ)."""

    use_confirms = False


class Responder(NamekoResponder):
    publisher_cls = ReplyPublisher


class RpcConsumer(NamekoRpcConsumer):
    """nameko's RPC consumer on a quorum `rpc-<service>` queue, answering through ReplyPublisher. A
    request is acknowledged once its answer is sent, failing or not; only a process that dies on it
    returns it, so the delivery limit ends a request that kills every process taking it (into the
    dead-letter queue)."""

    def setup(self) -> None:
        if self.queue is None:
            self.queue = queues.rpc_queue(self.container.service_name, self.container.config)
            self.queue_consumer.register_provider(self)
            self._registered = True

    def handle_result(self, message: Message, result: Any, exc_info: tuple | None) -> tuple[Any, tuple | None]:
        """nameko's, with this module's Responder."""
        config = self.container.config
        responder = Responder(config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
                              config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                              ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = RpcConsumer()


event_handler = EventHandler.decorator
rpc = Rpc.decorator
