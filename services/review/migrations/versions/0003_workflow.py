"""Review workflow: approvals per level and major, rounds, stamping and graduation dates, calendar.

Revision ID: 0003
"""
from alembic import op

from services.review.tables import calendar_days, level_approvals, major_approvals

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("""
        ALTER TABLE review.reviews
            ADD COLUMN IF NOT EXISTS stamping_org_code text,
            ADD COLUMN IF NOT EXISTS submitted_by jsonb,
            ADD COLUMN IF NOT EXISTS submitted_at timestamptz,
            ADD COLUMN IF NOT EXISTS stamped_at timestamptz,
            ADD COLUMN IF NOT EXISTS graduated_at timestamptz,
            ADD COLUMN IF NOT EXISTS round integer NOT NULL DEFAULT 1
    """)
    bind = op.get_bind()
    for table in (major_approvals, level_approvals, calendar_days):
        table.create(bind=bind, checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("not reversible")
