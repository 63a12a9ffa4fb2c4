"""Print sites (a print agent beside a school's or bureau's printers) and their jobs.

Revision ID: 0003
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE IF NOT EXISTS printing.print_sites (
            id uuid PRIMARY KEY,
            org_code text NOT NULL,
            name text NOT NULL,
            broker_user text NOT NULL,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz,
            last_seen timestamptz,
            printers jsonb NOT NULL DEFAULT '[]'
        )""")
    for column, kind in (("site_id", "uuid"), ("sheets", "jsonb"), ("parts", "integer"), ("sheets_total", "integer"),
                         ("sheets_printed", "integer"), ("reason", "text"), ("token_hash", "text"),
                         ("token_expires", "timestamptz"), ("reprint_reason", "text")):
        op.execute(f"ALTER TABLE printing.print_jobs ADD COLUMN IF NOT EXISTS {column} {kind}")


def downgrade() -> None:
    op.execute("DROP TABLE printing.print_sites")
    for column in ("site_id", "sheets", "parts", "sheets_total", "sheets_printed", "reason", "token_hash",
                   "token_expires", "reprint_reason"):
        op.execute(f"ALTER TABLE printing.print_jobs DROP COLUMN {column}")
