"""Probe sender tables.

Revision ID: 0001
"""
from alembic import op

from services.common.migrate import create_messaging_tables
from tests.probe.sender.tables import metadata

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables("probe_sender")
    metadata.create_all(bind=op.get_bind())
