"""A pooled connection that PostgreSQL closed while it sat in the pool is replaced, not handed out: found by
the ping after a while idle, or at once, with no round trip, when the server closed its socket."""
import psycopg2.extensions
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


def transaction_status(conn: sa.Connection) -> int:
    return conn.connection.dbapi_connection.get_transaction_status()


def test_a_read_outside_a_transaction_runs_on_its_own_and_the_connection_returns_as_it_was(database_url,
                                                                                          monkeypatch):
    """No BEGIN around the read, and no isolation level set and reset around it (psycopg2 makes the reset a
    round trip); the pooled connection it used is transactional again afterwards, also after a failed read."""
    pooled = engines.create_engine(database_url, pool_size=1, max_overflow=0)
    levels_set = []
    monkeypatch.setattr(pooled.dialect, "set_isolation_level", lambda *args: levels_set.append(args[1:]))
    for statement in ("SELECT 1", "SELECT no_such_column"):
        try:
            with engines.outside_transaction(pooled) as conn:
                conn.execute(sa.text(statement))
                assert transaction_status(conn) == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        except sa.exc.ProgrammingError:
            assert statement == "SELECT no_such_column"
        with pooled.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            assert transaction_status(conn) == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
    assert levels_set == []
    pooled.dispose()
