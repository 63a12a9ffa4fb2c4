"""The database dependency of a nameko service: its own schema, migrated at start, plus the outbox.

    db = Database("roster", "services.roster")

    with self.db.transaction() as session:
        ...                                   # state change
        self.db.add_event(session, "x", {...})  # committed together; relayed after commit
"""
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import eventlet
from eventlet.event import Event
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session, sessionmaker

from services.common import (
    engines,
    green,  # noqa: F401  (psycopg2 cooperative before any connection)
)
from services.common.faults import fault_point
from services.common.messaging import Messaging
from services.common.migrate import upgrade
from services.common.relay import Relay

log = logging.getLogger(__name__)

RELAY_POLL_SECONDS = 2.0
PURGE_EVERY_SECONDS = 3600
RELAY_STOP_SECONDS = 10.0  # at most, for the relay's batch under way at a stop


class DbHandle:
    """What a worker gets: transactions on the service's schema and its messaging tables."""

    def __init__(self, provider: "Database", worker_ctx=None):
        self._provider = provider
        self.messaging = provider.messaging
        self.engine = provider.engine
        self.worker_ctx = worker_ctx  # what the worker runs for (its entrypoint: an event handler's event type)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self._provider.sessionmaker()
        try:
            with session.begin():
                yield session
            if session.info.get("outbox_dirty") or session.info.get("claimed"):
                fault_point("after_commit")  # only transactions that carry messaging work
            if session.info.get("outbox_dirty"):
                self._provider.wake_relay()
        finally:
            session.close()

    def add_event(self, session: Session, event_type: str, payload: dict) -> str:
        return self.messaging.add_event(session, event_type, payload)

    def claim(self, session: Session, event_id: str, handler: str) -> bool:
        return self.messaging.claim(session, event_id, handler)

    def record_failure(self, event_id: str, handler: str, event_type: str | None, payload: dict, error: str,
                       trace: str | None) -> None:
        """Count a handler's failure in a transaction of its own: the failed one rolled back."""
        session = self._provider.sessionmaker()
        try:
            with session.begin():
                self.messaging.record_failure(session, event_id, handler, event_type, payload, error, trace,
                                              "retrying")
        finally:
            session.close()

    def gave_up(self, session: Session, event_id: str, handler: str, event_type: str | None, payload: dict,
                error: str) -> None:
        """Record, in the caller's transaction, that the handler gave up on the event (a domain error)."""
        self.messaging.record_failure(session, event_id, handler, event_type, payload, error, None, "gave_up")

    def resolve_failure(self, session: Session, event_id: str, handler: str) -> None:
        self.messaging.resolve_failure(session, event_id, handler)


class Database(DependencyProvider):
    def __init__(self, schema: str, package: str, relay: bool = True):
        self.schema = schema
        self.package = package
        self.relay_enabled = relay
        self.messaging = Messaging(schema)

    def setup(self) -> None:
        config = self.container.config
        url = config["DATABASE_URL"]
        upgrade(url, self.package)
        self.engine = engines.create_engine(url, pool_size=int(config.get("DB_POOL_SIZE", 10)), max_overflow=10)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.relay = Relay(self.engine, self.messaging, self.container.service_name, config["AMQP_URI"])
        self._wake = Event()
        self._running = False

    def start(self) -> None:
        if self.relay_enabled:
            self._running = True
            self._relay_thread = self.container.spawn_managed_thread(self._relay_loop)

    def stop(self) -> None:
        """After the workers (nameko stops dependencies last): a relay batch under way ends, its rows
        marked, before the process does, so that what the last workers committed has left with it."""
        self._running = False
        self.wake_relay()
        thread = getattr(self, "_relay_thread", None)
        if thread is not None:
            with eventlet.Timeout(RELAY_STOP_SECONDS, False):
                thread.wait()

    def kill(self) -> None:
        self._running = False
        self.wake_relay()

    def wake_relay(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def _relay_loop(self) -> None:
        since_purge = 0.0
        while self._running:
            self._wake = Event()  # a wake during the batch below starts the next one at once
            try:
                self.relay.relay_all()
                if since_purge >= PURGE_EVERY_SECONDS:
                    self.relay.purge_published()
                    since_purge = 0.0
            except Exception:  # broker or database away: keep the rows, try again later
                log.exception("outbox relay failed; retrying")
            with eventlet.Timeout(RELAY_POLL_SECONDS, False):
                self._wake.wait()
            since_purge += RELAY_POLL_SECONDS

    def get_dependency(self, worker_ctx) -> DbHandle:
        return DbHandle(self, worker_ctx)
