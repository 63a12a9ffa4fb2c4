"""The tables every service keeps for reliable messaging: its outbox and the events it handled."""
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.orm import Session

from services.common import events


def outbox_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=False), nullable=False, unique=True),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
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


class Messaging:
    """The outbox and processed-events tables of one service's schema."""

    def __init__(self, schema: str):
        self.schema = schema
        self.metadata = sa.MetaData()
        self.outbox = outbox_table(self.metadata, schema)
        self.processed = processed_events_table(self.metadata, schema)

    def add_event(self, session: Session, event_type: str, payload: dict) -> str:
        """Store an event in the caller's transaction; it is relayed to the broker after commit. A declared
        event's payload is checked against its contract and stamped with its version (events.stamped)."""
        event_id = str(uuid.uuid4())
        body = dict(events.stamped(event_type, payload), event_id=event_id)
        session.execute(self.outbox.insert().values(event_id=event_id, event_type=event_type, payload=body))
        session.info["outbox_dirty"] = True
        return event_id

    def claim(self, session: Session, event_id: str, handler: str) -> bool:
        """Record that `handler` handles `event_id` in this transaction; False if it already did."""
        result = session.execute(
            insert(self.processed).values(event_id=event_id, handler=handler).on_conflict_do_nothing()
        )
        session.info["claimed"] = True
        return result.rowcount == 1
