"""When the province last set a day of the working calendar (GET /api/v1/calendar shows it).

Revision ID: 0008
"""
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    # 0003 creates calendar_days as tables.py holds it now, so on a new database the column exists already.
    op.execute("ALTER TABLE review.calendar_days ADD COLUMN IF NOT EXISTS at timestamptz NOT NULL DEFAULT now()")


def downgrade() -> None:
    op.execute("ALTER TABLE review.calendar_days DROP COLUMN IF EXISTS at")
