"""The numbering schema: one sequence per stamping unit and year, and every number ever issued."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

S = "numbering"
metadata = sa.MetaData(schema=S)

sequences = sa.Table(
    "sequences", metadata,
    sa.Column("unit_code", sa.String(2), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

certificates = sa.Table(
    "certificates", metadata,
    sa.Column("number", sa.String(11), primary_key=True),
    sa.Column("unit_code", sa.String(2), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("review_id", UUID(as_uuid=False), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),  # place in the review's list (enrollment order)
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("school_code", sa.Text, nullable=False),
    sa.Column("school_name", sa.Text, nullable=False),
    sa.Column("major_name", sa.Text, nullable=False),
    sa.Column("issue_date", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="valid"),  # valid | void
    sa.Column("void_reason", sa.Text),
    sa.Column("voided_by", sa.Text),
    sa.Column("replaces", sa.String(11)),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.UniqueConstraint("unit_code", "year", "sequence", name="certificates_unit_year_sequence"),
    # One graduate, one certificate: a person holds at most one valid number, whatever the review,
    # school or year (a reissue voids the old number before it inserts the new one).
    sa.Index("certificates_one_valid_per_person", "id_number", unique=True,
             postgresql_where=sa.text("status = 'valid'")),
    # a person's certificates, valid and void (finding a graduate shows the one of each listing)
    sa.Index("certificates_by_id_number", "id_number"),
)

failures = sa.Table(
    "failures", metadata,
    sa.Column("review_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)
