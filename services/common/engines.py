"""Database engines for services and the gateway.

A pooled connection is pinged before use only when it has sat idle for a while: that is when
PostgreSQL may have restarted or closed it. Connections in steady use are not pinged, which
spares a round trip on every request (SQLAlchemy's `pool_pre_ping` pings on every checkout).
"""
import time

import sqlalchemy as sa
from sqlalchemy import event, exc

PING_AFTER_IDLE_SECONDS = 10.0


def create_engine(url: str, pool_size: int, max_overflow: int) -> sa.Engine:
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    event.listen(engine, "checkin", _note_idle_since)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _note_idle_since(dbapi_connection, connection_record) -> None:
    connection_record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as err:
        # the pool discards this connection and tries another (or a new one)
        raise exc.DisconnectionError(f"stale pooled connection: {err}") from err
