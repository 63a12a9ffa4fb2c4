"""Signed-in callers remembered between requests, so that the token lookup every request makes is
answered from memory, while every change that could alter an answer still counts at once.

PostgreSQL announces each committed update or delete of a user, a token or an organisation
(migration 0005: NOTIFY accounts_changed). A thread of each gateway process listens, and on each
announcement the process forgets every caller it remembers. A change this process commits itself
is forgotten as soon as its connection returns to the pool, before the answer to the request that
made it is sent, so that the same process's next request never sees the old state; other
processes see it when the announcement arrives, milliseconds later.

Nothing is remembered while the listener is not connected (at start, while PostgreSQL restarts or
after a connection is lost): then every request asks the database, as it would without a cache.
An answer read before a change but stored after it is never used: each answer is stored with the
generation that was current when its read began, and every forgetting starts a new generation.
"""
import itertools
import logging
import os
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import event

from gateway.metrics import SIGNED_IN_LOOKUPS

log = logging.getLogger(__name__)

CHANNEL = "accounts_changed"
LISTENER_NAME = "biye-gateway-accounts-listener"  # and the process id, in pg_stat_activity
MAX_ENTRIES = 20_000
MAX_AGE_SECONDS = 300.0  # a bound on any staleness a lost announcement could cause
CHECK_SECONDS = 5.0  # how often an idle listener makes sure its connection still answers
RETRY_SECONDS = 1.0
# Statements that may change what a lookup answers; matched on this process's own statements.
CHANGES = re.compile(
    r"\s*(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?accounts\.(?:users|tokens|orgs)\b", re.IGNORECASE)
_CHANGED = "accounts_changed"
_FROM_MEMORY = SIGNED_IN_LOOKUPS.labels("memory")
_FROM_DATABASE = SIGNED_IN_LOOKUPS.labels("database")


class SignedIn(NamedTuple):
    user: dict
    org: dict | None
    expires_at: float  # the token's end, seconds since the epoch


class _Entry(NamedTuple):
    found: SignedIn
    generation: int
    until: float


class TokenCache:
    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.listening = False  # set by the listener while its LISTEN is in place
        self._counter = itertools.count(1)
        self._generation = next(self._counter)
        self._entries: dict[str, _Entry] = {}
        self._listener: _Listener | None = None
        self._starting = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._note_own_change)
        event.listen(engine, "checkin", self._forget_own_change)
        event.listen(engine, "engine_disposed", lambda _engine: self.stop())

    def lookup(self, token_hash: str, load: Callable[[], SignedIn | None]) -> SignedIn | None:
        """The caller holding this token, from memory or else from `load` (the database)."""
        self._ensure_listener()
        entry = self._entries.get(token_hash)
        now = time.time()
        if entry is not None and entry.generation == self._generation and now < entry.until and self.listening:
            _FROM_MEMORY.inc()
            return _copy(entry.found)
        _FROM_DATABASE.inc()
        generation = self._generation
        found = load()
        if found is not None and self.listening:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {}
            self._entries[token_hash] = _Entry(found, generation, min(found.expires_at, now + MAX_AGE_SECONDS))
            return _copy(found)
        return found

    def forget(self) -> None:
        """Forget every remembered caller; an answer being read now is not remembered either."""
        self._generation = next(self._counter)  # atomic: two forgettings always end on a new generation
        self._entries = {}

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self.listening = False
        self.forget()

    def _ensure_listener(self) -> None:
        if not self._listener_needed():
            return
        with self._starting:  # the first requests come in together: one listener for them all
            if self._listener_needed():
                self.listening = False
                self._listener = _Listener(self)
                self._listener.start()

    def _listener_needed(self) -> bool:
        # first use, a forked process (a thread does not survive the fork), or after stop()
        listener = self._listener
        return listener is None or listener.pid != os.getpid() or not listener.is_alive()

    def _note_own_change(self, conn, cursor, statement: str, parameters, context, executemany) -> None:
        if CHANGES.match(statement):
            conn.info[_CHANGED] = True  # the driver connection's own dict: read again at check-in

    def _forget_own_change(self, dbapi_connection, connection_record) -> None:
        # at check-in the transaction has ended (committed or rolled back, the latter forgets for nothing)
        if connection_record.info.pop(_CHANGED, False):
            self.forget()


def _copy(found: SignedIn) -> SignedIn:
    """What a request gets: its own dicts, so nothing it changes reaches another request."""
    user, org, expires_at = found
    return SignedIn(dict(user), dict(org) if org is not None else None, expires_at)


class _Listener(threading.Thread):
    def __init__(self, cache: TokenCache):
        super().__init__(name="accounts-listener", daemon=True)
        self.cache = cache
        self.pid = os.getpid()
        self._stopped = threading.Event()
        self._wake, self._waker = socket.socketpair()  # stop() writes to it: the listener's wait ends at once

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._waker.send(b"x")
        except OSError:  # the thread has ended and closed it
            pass

    def run(self) -> None:
        try:
            while not self._stopped.is_set():
                try:
                    self._listen()
                except Exception as err:  # connection refused or lost: remember nothing until listening again
                    log.warning("accounts listener: %s; callers are looked up in the database until it reconnects",
                                str(err).strip() or type(err).__name__)
                finally:
                    self._not_listening()
                self._stopped.wait(RETRY_SECONDS)
        finally:
            self._wake.close()
            self._waker.close()

    def _listen(self) -> None:
        dialect = self.cache.engine.dialect
        cargs, cparams = dialect.create_connect_args(self.cache.engine.url)
        # a server that vanishes without closing the connection is noticed within about 20 s
        cparams.update(application_name=f"{LISTENER_NAME} {self.pid}", connect_timeout=10,
                       keepalives=1, keepalives_idle=10, keepalives_interval=3, keepalives_count=3)
        conn = dialect.loaded_dbapi.connect(*cargs, **cparams)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f"LISTEN {CHANNEL}")
            self.cache.forget()  # whatever was read before the LISTEN may have missed an announcement
            self.cache.listening = not self._stopped.is_set()
            while not self._stopped.is_set():
                readable, _, _ = select.select([conn, self._wake], [], [], CHECK_SECONDS)
                if self._wake in readable:
                    return
                if not readable:
                    with conn.cursor() as cur:
                        cur.execute("SELECT 1")
                    continue
                conn.poll()  # raises once the server has closed the connection
                if conn.notifies:
                    conn.notifies.clear()
                    self.cache.forget()
        finally:
            self._not_listening()
            conn.close()

    def _not_listening(self) -> None:
        # once stopped, the cache is no longer this listener's to change: a new one may already run
        if not self._stopped.is_set():
            self.cache.listening = False
            self.cache.forget()
