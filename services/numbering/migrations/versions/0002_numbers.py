"""Sequences, certificates, failures.

Revision ID: 0002
"""
from alembic import op

from services.numbering.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # Creates the tables as tables.py holds them now; later revisions must be idempotent.
    metadata.create_all(bind=op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("not reversible")
