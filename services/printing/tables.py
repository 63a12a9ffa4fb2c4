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
    # a job for a print site: its agent fetches the document in parts with the job's token
    sa.Column("site_id", UUID(as_uuid=False)),
    sa.Column("sheets", JSONB),  # site jobs: its parts, in order: [[seq, …], …] or [[form], …]
    sa.Column("parts", sa.Integer),
    sa.Column("sheets_total", sa.Integer),
    sa.Column("sheets_printed", sa.Integer),
    sa.Column("reason", sa.Text),  # why the site's printer waits (its own words), while it waits
    sa.Column("token_hash", sa.Text),
    sa.Column("token_expires", sa.DateTime(timezone=True)),
    sa.Column("reprint_reason", sa.Text),
    sa.Index("print_jobs_sent", "state", postgresql_where=sa.text("state = 'sent'")),
)

print_sites = sa.Table(
    "print_sites", metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("org_code", sa.Text, nullable=False),  # serves this organisation's subtree
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("broker_user", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("last_seen", sa.DateTime(timezone=True)),
    sa.Column("printers", JSONB, nullable=False, server_default="[]"),  # [{name, state, reason}] at last heartbeat
)
