"""Every change to a review, its list, approvals or history bumps reviews.version, so a view of
the review can be cached and known to be current from one cheap read.

Revision ID: 0005
"""
from alembic import op

revision = "0005"
down_revision = "0004"

CHILD_TABLES = ("graduates", "history", "major_approvals", "level_approvals")


def upgrade() -> None:
    op.execute("ALTER TABLE review.reviews ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0")
    op.execute("""
        CREATE OR REPLACE FUNCTION review.bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.version := OLD.version + 1;
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE OR REPLACE FUNCTION review.bump_version_of_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE review.reviews SET version = version + 1
            WHERE id IN (SELECT DISTINCT review_id FROM changed);
            RETURN NULL;
        END $$""")
    op.execute("DROP TRIGGER IF EXISTS reviews_version ON review.reviews")
    op.execute("""CREATE TRIGGER reviews_version BEFORE UPDATE ON review.reviews
                  FOR EACH ROW EXECUTE FUNCTION review.bump_version()""")
    for table in CHILD_TABLES:
        for event, transition in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            name = f"{table}_{event.lower()}_bumps_version"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON review.{table}")
            op.execute(f"""CREATE TRIGGER {name} AFTER {event} ON review.{table}
                           REFERENCING {transition} TABLE AS changed
                           FOR EACH STATEMENT EXECUTE FUNCTION review.bump_version_of_changed()""")


def downgrade() -> None:
    for table in CHILD_TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_bumps_version ON review.{table}")
    op.execute("DROP TRIGGER IF EXISTS reviews_version ON review.reviews")
    op.execute("DROP FUNCTION IF EXISTS review.bump_version_of_changed()")
    op.execute("DROP FUNCTION IF EXISTS review.bump_version()")
    op.execute("ALTER TABLE review.reviews DROP COLUMN IF EXISTS version")
