"""Who voided a number.

Revision ID: 0003
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("ALTER TABLE numbering.certificates ADD COLUMN IF NOT EXISTS voided_by text")


def downgrade() -> None:
    op.execute("ALTER TABLE numbering.certificates DROP COLUMN voided_by")
