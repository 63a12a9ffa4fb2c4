"""A pooled connection that PostgreSQL closed while it sat idle is replaced, not handed out."""
import pytest
import sqlalchemy as sa

from services.common import engines


def pooled_connection_killed_while_idle(database_url: str, ping_after: float, monkeypatch) -> sa.Engine:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", ping_after)
    pooled = engines.create_engine(database_url, pool_size=1, max_overflow=0)
    with pooled.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    with sa.create_engine(database_url, poolclass=sa.pool.NullPool).connect() as admin:
        assert admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    return pooled


def test_an_idle_connection_is_pinged_and_replaced(database_url, monkeypatch):
    pooled = pooled_connection_killed_while_idle(database_url, 0, monkeypatch)
    with pooled.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    pooled.dispose()


def test_a_connection_in_steady_use_is_not_pinged(database_url, monkeypatch):
    pooled = pooled_connection_killed_while_idle(database_url, 3600, monkeypatch)
    with pytest.raises(sa.exc.OperationalError), pooled.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    with pooled.connect() as conn:  # the failure invalidated the pool; the next checkout is fresh
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    pooled.dispose()
