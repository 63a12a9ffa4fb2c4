"""Fixed-window request counters for rate limits (public certificate verification).

Revision ID: 0002
"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE IF NOT EXISTS accounts.rate_windows (
            bucket text NOT NULL, key text NOT NULL, window_start timestamptz NOT NULL,
            count integer NOT NULL, PRIMARY KEY (bucket, key, window_start))""")


def downgrade() -> None:
    op.execute("DROP TABLE accounts.rate_windows")
