"""The outbox keeps each event's correlation id (services.common.correlation): the relay sends it as a
message header, so the log lines of the handlers it causes carry the id of the request behind it.

Revision ID: 0004
"""
from services.common.migrate import add_correlation_column, drop_correlation_column

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    add_correlation_column("roster")


def downgrade() -> None:
    drop_correlation_column("roster")
