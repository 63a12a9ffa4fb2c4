"""The tables every service keeps for reliable messaging: its outbox, the events it handled, and the
failures of its handlers (event_failures: what the page 消息处理故障 shows beside dead-lettered messages)."""
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.orm import Session

from services.common import correlation, events


def outbox_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=False), nullable=False, unique=True),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        # the work that stored the event (services.common.correlation); the relay sends it as a header
        sa.Column("correlation_id", sa.Text),
        sa.Index("outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
        schema=schema,
    )


def processed_events_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "processed_events", metadata,
        sa.Column("event_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("handler", sa.Text, primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=schema,
    )


# An event_failures row's outcome: the handler failed and the event goes back to its queue (retrying:
# until it succeeds, or until the queue's delivery limit sends it to the dead-letter queue), it gave up
# on a domain error and recorded the event as handled (gave_up), a later delivery succeeded (handled),
# or the province admin discarded the dead message (discarded).
RETRYING, GAVE_UP, HANDLED, DISCARDED = "retrying", "gave_up", "handled", "discarded"
OUTCOMES = (RETRYING, GAVE_UP, HANDLED, DISCARDED)
MAX_ERROR_CHARS = 2000
MAX_TRACE_CHARS = 8000


def event_failures_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    """One row per event and handler that failed at least once: how often, the last error, the outcome."""
    return sa.Table(
        "event_failures", metadata,
        sa.Column("event_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("handler", sa.Text, primary_key=True),
        sa.Column("event_type", sa.Text),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("last_trace", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"outcome IN {OUTCOMES}", name="event_failures_outcome"),
        sa.Index("event_failures_by_outcome", "outcome", "last_failed_at"),
        schema=schema,
    )


class Messaging:
    """The outbox, processed-events and event-failures tables of one service's schema."""

    def __init__(self, schema: str):
        self.schema = schema
        self.metadata = sa.MetaData()
        self.outbox = outbox_table(self.metadata, schema)
        self.processed = processed_events_table(self.metadata, schema)
        self.failures = event_failures_table(self.metadata, schema)

    def add_event(self, session: Session, event_type: str, payload: dict, correlation_id: str | None = None) -> str:
        """Store an event in the caller's transaction; it is relayed to the broker after commit. A declared
        event's payload is checked against its contract and stamped with its version (events.stamped).
        The event keeps the correlation id of the work storing it (`correlation_id`, else the current one),
        beside its payload, not in it."""
        event_id = str(uuid.uuid4())
        body = dict(events.stamped(event_type, payload), event_id=event_id)
        session.execute(self.outbox.insert().values(event_id=event_id, event_type=event_type, payload=body,
                                                    correlation_id=correlation_id or correlation.current()))
        session.info["outbox_dirty"] = True
        return event_id

    def claim(self, session: Session, event_id: str, handler: str) -> bool:
        """Record that `handler` handles `event_id` in this transaction; False if it already did."""
        result = session.execute(
            insert(self.processed).values(event_id=event_id, handler=handler).on_conflict_do_nothing()
        )
        session.info["claimed"] = True
        return result.rowcount == 1

    def record_failure(self, session: Session, event_id: str, handler: str, event_type: str | None, payload: dict,
                       error: str, trace: str | None, outcome: str) -> None:
        """Count a failure of `handler` on the event: the first one adds its row, later ones raise the
        attempts and keep the newest error."""
        f = self.failures
        values = {"event_id": event_id, "handler": handler, "event_type": event_type, "payload": payload,
                  "last_error": error[:MAX_ERROR_CHARS], "last_trace": trace[-MAX_TRACE_CHARS:] if trace else None,
                  "outcome": outcome}
        stmt = insert(f).values(**values)
        session.execute(stmt.on_conflict_do_update(index_elements=[f.c.event_id, f.c.handler], set_={
            "attempts": f.c.attempts + 1, "last_error": stmt.excluded.last_error,
            "last_trace": stmt.excluded.last_trace, "outcome": stmt.excluded.outcome,
            "event_type": sa.func.coalesce(stmt.excluded.event_type, f.c.event_type),
            "last_failed_at": sa.func.now(), "handled_at": None,
        }))

    def resolve_failure(self, session: Session, event_id: str, handler: str) -> None:
        """The event is handled at last (in the caller's transaction): its failure row, if any, says so."""
        self.settle_failure(session, event_id, handler, HANDLED)

    def settle_failure(self, session: Session, event_id: str, handler: str, outcome: str) -> bool:
        """A retrying failure row ends (handled, discarded); False if there was none."""
        f = self.failures
        if not _is_uuid(str(event_id)):
            return False
        result = session.execute(f.update().where(f.c.event_id == event_id, f.c.handler == handler,
                                                  f.c.outcome == RETRYING)
                                 .values(outcome=outcome, handled_at=sa.func.now()))
        return result.rowcount == 1

    def failure_rows(self, session: Session, outcomes: list[str] | None = None, event_ids: list[str] | None = None,
                     limit: int = 200) -> list[dict]:
        """Failure rows, newest failure first: of these outcomes, or of these events (any outcome)."""
        f = self.failures
        query = sa.select(f).order_by(f.c.last_failed_at.desc()).limit(limit)
        if outcomes:
            query = query.where(f.c.outcome.in_(outcomes))
        if event_ids is not None:
            query = query.where(f.c.event_id.in_([e for e in map(str, event_ids) if _is_uuid(e)]))
        return [dict(row) for row in session.execute(query).mappings()]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
