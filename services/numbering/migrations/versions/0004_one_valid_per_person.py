"""A person holds at most one valid certificate number, across reviews, schools and years.

Revision ID: 0004
"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # 0002 creates tables as tables.py holds them now, so on a new database the index exists already.
    op.execute("""CREATE UNIQUE INDEX IF NOT EXISTS certificates_one_valid_per_person
                  ON numbering.certificates (id_number) WHERE status = 'valid'""")
    op.execute("DROP INDEX IF EXISTS numbering.certificates_one_valid_per_student")


def downgrade() -> None:
    op.execute("""CREATE UNIQUE INDEX IF NOT EXISTS certificates_one_valid_per_student
                  ON numbering.certificates (review_id, id_number) WHERE status = 'valid'""")
    op.execute("DROP INDEX IF EXISTS numbering.certificates_one_valid_per_person")
