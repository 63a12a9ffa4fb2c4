"""The outbox keeps each event's correlation id (services.common.correlation): the relay sends it as a
message header, so the log lines of the handlers it causes carry the id of the request behind it.

Revision ID: 0004
"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # the first revision creates the outbox as messaging.py holds it now: on a new database it is there already
    op.execute('ALTER TABLE "roster".outbox ADD COLUMN IF NOT EXISTS correlation_id text')


def downgrade() -> None:
    op.execute('ALTER TABLE "roster".outbox DROP COLUMN IF EXISTS correlation_id')
