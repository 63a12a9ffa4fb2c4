"""Graduates found by ID number across reviews: a student is never in two open reviews at once.

Revision ID: 0006
"""
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS graduates_by_id_number ON review.graduates (id_number)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS review.graduates_by_id_number")
