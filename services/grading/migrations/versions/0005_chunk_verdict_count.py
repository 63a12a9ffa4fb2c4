"""A verified chunk keeps how many verdicts it gave, not the verdicts: they travel to the review in the
chunk_verified event, and keeping a second copy cost an encoding and a JSON write per chunk.

Revision ID: 0005
"""
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.execute("ALTER TABLE grading.chunks ADD COLUMN IF NOT EXISTS verdicts integer")
    op.execute("""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = 'grading' AND table_name = 'chunks' AND column_name = 'results') THEN
                UPDATE grading.chunks SET verdicts = jsonb_array_length(results) WHERE results IS NOT NULL;
            END IF;
        END $$""")
    op.execute("ALTER TABLE grading.chunks DROP COLUMN IF EXISTS results")


def downgrade() -> None:
    # the verdicts themselves are not kept: a downgraded chunk holds none, as one not yet verified
    op.execute("ALTER TABLE grading.chunks ADD COLUMN IF NOT EXISTS results jsonb")
    op.execute("ALTER TABLE grading.chunks DROP COLUMN IF EXISTS verdicts")
