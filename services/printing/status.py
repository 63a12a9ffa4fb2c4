"""What print agents say: heartbeats with their printers, and progress of their jobs.

Agents publish to the status exchange under `site.<site id>`; RabbitMQ's topic permissions let
each agent publish under its own key only, so the routing key, not the message, says who spoke.
"""
from functools import partial

from kombu import Exchange, Queue
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer
from sqlalchemy.orm import Session

from services.printing import site_jobs, sites
from services.printing.broker import STATUS_EXCHANGE, STATUS_QUEUE

STATUS_QUEUE_DECLARED = Queue(STATUS_QUEUE, exchange=Exchange(STATUS_EXCHANGE, type="topic", durable=True),
                              routing_key="site.*", durable=True, auto_delete=False)


def site_of(routing_key: str) -> str | None:
    prefix, _, site_id = routing_key.partition(".")
    return site_id if prefix == "site" and site_id else None


def record(session: Session, site_id: str, body: dict) -> None:
    """A heartbeat becomes the site's printers and last-seen time; a job's progress, the job's state."""
    if body.get("type") == "heartbeat" and isinstance(body.get("printers"), list):
        sites.heartbeat(session, site_id, body["printers"])
    elif body.get("type") == "job":
        site_jobs.report(session, site_id, body)


class SiteStatusConsumer(Consumer):
    """nameko's queue consumer, handing the method the message's routing key with its body."""

    def handle_message(self, body, message):
        args = (body, message.delivery_info.get("routing_key", ""))
        try:
            self.container.spawn_worker(self, args, {}, context_data={},
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)


site_status = SiteStatusConsumer.decorator(STATUS_QUEUE_DECLARED)
