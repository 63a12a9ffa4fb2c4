"""The printing schema: print profiles per school and printer, and print jobs sent to CUPS."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

S = "printing"
metadata = sa.MetaData(schema=S)

print_profiles = sa.Table(
    "print_profiles", metadata,
    sa.Column("school_code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, primary_key=True),  # usually the printer's name
    sa.Column("offset_x_mm", sa.Float, nullable=False),  # + right
    sa.Column("offset_y_mm", sa.Float, nullable=False),  # + down
    sa.Column("skew_deg", sa.Float, nullable=False),  # + clockwise
    sa.Column("scale", sa.Float, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

print_jobs = sa.Table(
    "print_jobs", metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("review_id", UUID(as_uuid=False), nullable=False),
    sa.Column("school_code", sa.Text, nullable=False),
    sa.Column("printer", sa.Text, nullable=False),
    sa.Column("what", sa.Text, nullable=False),  # certificates | forms
    sa.Column("profile", sa.Text),  # certificates: the print profile's name
    sa.Column("only_seq", JSONB),  # certificates: list seqs to print; null for all
    sa.Column("forms", JSONB),  # forms: which ones
    sa.Column("copies", sa.Integer, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # queued | rendering | sent | done | failed
    sa.Column("cups_job_id", sa.Text),
    sa.Column("pages", sa.Integer),
    sa.Column("error", sa.Text),  # failed: what went wrong, in Chinese
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Index("print_jobs_sent", "state", postgresql_where=sa.text("state = 'sent'")),
)
