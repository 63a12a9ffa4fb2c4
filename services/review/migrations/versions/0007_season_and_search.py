"""A season at a glance and finding a graduate: each list's counts from an index alone, and
graduates by the start of their name.

Revision ID: 0007
"""
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    # 0002 creates tables as tables.py holds them now, so on a new database the indexes exist already.
    op.execute("CREATE INDEX IF NOT EXISTS graduates_by_review_verdict ON review.graduates (review_id, verdict)")
    op.execute("CREATE INDEX IF NOT EXISTS graduates_by_name ON review.graduates (name text_pattern_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS review.graduates_by_name")
    op.execute("DROP INDEX IF EXISTS review.graduates_by_review_verdict")
