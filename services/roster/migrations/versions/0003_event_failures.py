"""The roster service's event_failures: each failure of its event handlers, with its error
(services/common/messaging.py; shown on the province admin's page 消息处理故障).

Revision ID: 0003
"""
from services.common.migrate import create_failures_table, drop_failures_table

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_failures_table("roster")


def downgrade() -> None:
    drop_failures_table("roster")
