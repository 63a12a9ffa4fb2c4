"""Course plans, grades, verification chunks, import log.

Revision ID: 0002
"""
from alembic import op

from services.grading.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    metadata.create_all(bind=op.get_bind())


def downgrade() -> None:
    metadata.drop_all(bind=op.get_bind())
