"""The outbox relay: publishes committed events to RabbitMQ, oldest first, at least once.

Rows are locked with SKIP LOCKED, so several processes of one service relay side by side. A
crash after publishing but before marking a row publishes it again on restart; consumers drop
the repeat by its event_id (see Messaging.claim). Each message carries the correlation id the
event was stored with as its header `nameko.correlation_id` (services.common.correlation).
"""
import logging
from collections import Counter

import sqlalchemy as sa
from nameko.amqp.publish import Publisher
from nameko.events import get_event_exchange

from services.common import correlation, metrics
from services.common.events import listener_queues
from services.common.messaging import Messaging

log = logging.getLogger(__name__)

BATCH = 500
JSON = "application/json"


def headers_of(row: sa.Row) -> dict:
    """The message headers of an outbox row: its correlation id, as nameko context data (the handler's
    worker reads it back: services.common.correlation)."""
    return {correlation.HEADER: row.correlation_id} if row.correlation_id else {}


class Relay:
    def __init__(self, engine: sa.Engine, messaging: Messaging, source: str, amqp_uri: str):
        self.engine = engine
        self.messaging = messaging
        self.source = source
        self.exchange = get_event_exchange(source, {})
        self.publisher = Publisher(
            amqp_uri, use_confirms=True, declare=[self.exchange, *listener_queues(source)]
        )

    def relay_batch(self) -> int:
        """Publish one batch of unpublished events; returns how many were sent."""
        outbox = self.messaging.outbox
        with self.engine.begin() as conn:
            rows = conn.execute(
                # the payload as the JSON text PostgreSQL holds, sent as it is: no decoding and encoding again
                sa.select(outbox.c.id, outbox.c.event_type, sa.cast(outbox.c.payload, sa.Text).label("payload"),
                          outbox.c.correlation_id)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                self.publisher.publish(row.payload, exchange=self.exchange, routing_key=row.event_type,
                                       headers=headers_of(row), content_type=JSON, content_encoding="utf-8")
            if rows:
                conn.execute(
                    outbox.update()
                    .where(outbox.c.id.in_([r.id for r in rows]))
                    .values(published_at=sa.func.now())
                )
        for event_type, sent in Counter(r.event_type for r in rows).items():  # committed: count them
            metrics.EVENTS_PUBLISHED.labels(self.source, event_type).inc(sent)
        return len(rows)

    def relay_all(self) -> int:
        sent = total = self.relay_batch()
        while sent == BATCH:
            sent = self.relay_batch()
            total += sent
        return total

    def purge_published(self, older_than_days: int = 7) -> None:
        outbox = self.messaging.outbox
        with self.engine.begin() as conn:
            conn.execute(outbox.delete().where(
                outbox.c.published_at < sa.func.now() - sa.text(f"interval '{int(older_than_days)} days'")
            ))
