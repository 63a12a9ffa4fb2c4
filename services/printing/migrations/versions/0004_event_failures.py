"""The printing service's event_failures: each failure of its event handlers, with its error
(services/common/messaging.py; shown on the province admin's page 消息处理故障).

Revision ID: 0004
"""
from services.common.migrate import create_failures_table, drop_failures_table

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    create_failures_table("printing")


def downgrade() -> None:
    drop_failures_table("printing")
