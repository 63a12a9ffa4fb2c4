"""A review waiting for a level always says which.

Revision ID: 0004
"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute("""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'reviews_pending_has_level') THEN
                ALTER TABLE review.reviews ADD CONSTRAINT reviews_pending_has_level
                    CHECK (status NOT LIKE 'pending\\_%' OR chain_pos IS NOT NULL);
            END IF;
        END $$""")


def downgrade() -> None:
    op.execute("ALTER TABLE review.reviews DROP CONSTRAINT reviews_pending_has_level")
