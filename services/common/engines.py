"""Database engines for services and the gateway.

A pooled connection is pinged before use only when it has sat idle for a while: that is when
PostgreSQL may have restarted or closed it. Connections in steady use are not pinged, which
spares a round trip on every request (SQLAlchemy's `pool_pre_ping` pings on every checkout).

One check costs no round trip and is made on every checkout: whether the server has already closed
the connection. A PostgreSQL that restarts (`pg_ctl restart`, fast or immediate, a crash, a failover
that ends the old primary's sessions) closes every session's socket, which the client then finds
readable (the FATAL message and the end of the stream); a pooled connection at rest never has
anything to read (these services use no LISTEN). Such a connection is replaced before it is handed
out, so a restart costs no request its first query, not even on a connection used a second ago.
A server that vanishes without closing (a network cut) is still found by the idle ping.
"""
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from eventlet.patcher import original
from sqlalchemy import event, exc

from services.common import wire

PING_AFTER_IDLE_SECONDS = 10.0
_select = original("select")  # not eventlet's green module: a zero-timeout look, never a switch to its hub


def create_engine(url: str, pool_size: int, max_overflow: int) -> sa.Engine:
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=max_overflow,
                              json_serializer=wire.to_column, json_deserializer=wire.from_column)
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", _check_on_checkout)
    return engine


@contextmanager
def outside_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose statements run on their own, without BEGIN and COMMIT round trips around
    them: for a single read made on a hot path.

    The driver's connection is put in autocommit and back by hand: SQLAlchemy's
    `isolation_level="AUTOCOMMIT"` option restores the isolation level when the connection returns
    to the pool, and psycopg2 makes that a round trip of its own (holding the GIL, so in a green
    service every other worker waits for it too)."""
    with engine.connect() as conn:
        driver_connection = conn.connection.dbapi_connection
        driver_connection.autocommit = True
        try:
            yield conn
        finally:
            driver_connection.autocommit = False


def _note_idle_since(dbapi_connection, connection_record) -> None:
    connection_record.info["idle_since"] = time.monotonic()


def _check_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    if closed_by_server(dbapi_connection):
        # the pool discards this connection and tries another (or a new one)
        raise exc.DisconnectionError("the server closed this pooled connection (restarted?)")
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        ping(dbapi_connection)
    except Exception as err:
        raise exc.DisconnectionError(f"stale pooled connection: {err}") from err


def closed_by_server(dbapi_connection) -> bool:
    """True if the server has written to (or closed) this connection while it was at rest in the pool."""
    try:
        poller = _select.poll()
        poller.register(dbapi_connection.fileno(), _select.POLLIN | _select.POLLERR | _select.POLLHUP)
        return bool(poller.poll(0))
    except (OSError, ValueError):  # no socket any more
        return True


def ping(dbapi_connection) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    dbapi_connection.rollback()
