"""Rate limits as one theoretical arrival time per caller (GCRA), replacing fixed windows.

A fixed window let a burst straddling two windows through twice.

Revision ID: 0004
"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS accounts.rate_windows")
    op.execute("""
        CREATE TABLE accounts.rate_buckets (
            bucket text NOT NULL, key text NOT NULL, tat timestamptz NOT NULL,
            PRIMARY KEY (bucket, key))""")


def downgrade() -> None:
    op.execute("DROP TABLE accounts.rate_buckets")
    op.execute("""
        CREATE TABLE accounts.rate_windows (
            bucket text NOT NULL, key text NOT NULL, window_start timestamptz NOT NULL,
            count integer NOT NULL, PRIMARY KEY (bucket, key, window_start))""")
