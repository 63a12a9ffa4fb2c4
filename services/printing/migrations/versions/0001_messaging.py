"""The printing service's outbox and processed-events tables.

Revision ID: 0001
"""
from services.common.migrate import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables("printing")


def downgrade() -> None:
    raise NotImplementedError("the first revision is not reversible")
