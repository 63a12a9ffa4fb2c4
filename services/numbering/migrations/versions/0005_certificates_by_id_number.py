"""A person's certificates, valid and void, found by ID number (finding a graduate).

Revision ID: 0005
"""
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # 0002 creates tables as tables.py holds them now, so on a new database the index exists already.
    op.execute("CREATE INDEX IF NOT EXISTS certificates_by_id_number ON numbering.certificates (id_number)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS numbering.certificates_by_id_number")
