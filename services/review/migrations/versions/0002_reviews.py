"""Reviews, graduate lists with verdicts, and history.

Revision ID: 0002
"""
from alembic import op

from services.review.tables import metadata

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # Creates the tables as tables.py holds them now; later revisions are written to be idempotent
    # (IF NOT EXISTS, checkfirst), so they apply both to a database made here and to an older one.
    metadata.create_all(bind=op.get_bind())
    # History is evidence: once written it is never edited or deleted.
    op.execute("""
        CREATE FUNCTION review.history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'review.history is append-only'; END $$;
        CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON review.history
        FOR EACH ROW EXECUTE FUNCTION review.history_is_append_only();
    """)


def downgrade() -> None:
    metadata.drop_all(bind=op.get_bind())
