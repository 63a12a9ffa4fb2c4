"""A pooled connection that PostgreSQL closed while it sat in the pool is replaced, not handed out: found by
the ping after a while idle, or at once, with no round trip, when the server closed its socket."""
import sqlalchemy as sa

from services.common import engines


def pooled_connection_killed_while_idle(database_url: str, ping_after: float, monkeypatch) -> sa.Engine:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", ping_after)
    pooled = engines.create_engine(database_url, pool_size=1, max_overflow=0)
    with pooled.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    with sa.create_engine(database_url, poolclass=sa.pool.NullPool).connect() as admin:
        # with a timeout, PostgreSQL returns once the backend has exited, its socket closed: without
        # one, the pool could be asked before the backend had acted on the signal
        assert admin.execute(sa.text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid}).scalar_one()
    return pooled


def test_an_idle_connection_is_pinged_and_replaced(database_url, monkeypatch):
    pooled = pooled_connection_killed_while_idle(database_url, 0, monkeypatch)
    with pooled.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    pooled.dispose()


def test_a_connection_in_steady_use_is_not_pinged(database_url, monkeypatch):
    pings = []
    monkeypatch.setattr(engines, "ping", pings.append)
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 3600)
    pooled = engines.create_engine(database_url, pool_size=1, max_overflow=0)
    for _ in range(3):
        with pooled.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    assert pings == []
    pooled.dispose()


def test_a_connection_the_server_closed_is_replaced_without_a_ping(database_url, monkeypatch):
    """As every session's after a PostgreSQL restart, even one used a moment before."""
    pings = []
    monkeypatch.setattr(engines, "ping", pings.append)
    pooled = pooled_connection_killed_while_idle(database_url, 3600, monkeypatch)
    with pooled.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    assert pings == []
    pooled.dispose()
