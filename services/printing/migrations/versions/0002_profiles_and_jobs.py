"""Print profiles (per school and printer) and print jobs.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"

S = "printing"


def upgrade() -> None:
    op.create_table(
        "print_profiles",
        sa.Column("school_code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("offset_x_mm", sa.Float, nullable=False),
        sa.Column("offset_y_mm", sa.Float, nullable=False),
        sa.Column("skew_deg", sa.Float, nullable=False),
        sa.Column("scale", sa.Float, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=S,
    )
    op.create_table(
        "print_jobs",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("review_id", UUID(as_uuid=False), nullable=False),
        sa.Column("school_code", sa.Text, nullable=False),
        sa.Column("printer", sa.Text, nullable=False),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("profile", sa.Text),
        sa.Column("only_seq", JSONB),
        sa.Column("forms", JSONB),
        sa.Column("copies", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("cups_job_id", sa.Text),
        sa.Column("pages", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=S,
    )
    op.create_index("print_jobs_review", "print_jobs", ["review_id"], schema=S)
    op.create_index("print_jobs_sent", "print_jobs", ["state"], schema=S, postgresql_where=sa.text("state = 'sent'"))


def downgrade() -> None:
    op.drop_table("print_jobs", schema=S)
    op.drop_table("print_profiles", schema=S)
