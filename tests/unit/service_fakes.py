"""What worker_factory tests give a service for its `db` dependency."""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest.mock import MagicMock


class FakeDb:
    """The Database dependency with no database: each transaction is a new mock session, kept in
    `sessions` in order, and in `committed` too when its block ended without an exception.
    `prepare_session` may set up each new session's answers."""

    def __init__(self, claimed: bool = True):
        self.sessions: list[MagicMock] = []
        self.committed: list[MagicMock] = []
        self.claim = MagicMock(return_value=claimed)
        self.add_event = MagicMock(return_value="event-id")
        # handle_once's failure records (event_failures): what it recorded is in the calls
        self.record_failure = MagicMock()
        self.gave_up = MagicMock()
        self.resolve_failure = MagicMock()
        self.prepare_session: Callable[[MagicMock], None] = lambda session: None

    @contextmanager
    def transaction(self) -> Iterator[MagicMock]:
        session = MagicMock(name=f"session-{len(self.sessions)}")
        self.prepare_session(session)
        self.sessions.append(session)
        yield session
        self.committed.append(session)
