"""The grading schema: course plans, grades, and the chunks a review's verification is cut into."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

S = "grading"
metadata = sa.MetaData(schema=S)

course_plans = sa.Table(
    "course_plans", metadata,
    sa.Column("school_code", sa.Text, primary_key=True),
    sa.Column("major_code", sa.Text, primary_key=True),
    sa.Column("cohort", sa.Integer, primary_key=True),
    sa.Column("course", sa.Text, primary_key=True),
    sa.Column("term", sa.SmallInteger, primary_key=True),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("hours", sa.Numeric(8, 2), nullable=False),
)

grades = sa.Table(
    "grades", metadata,
    sa.Column("school_code", sa.Text, primary_key=True),
    sa.Column("id_number", sa.String(18), primary_key=True),
    sa.Column("course", sa.Text, primary_key=True),
    sa.Column("term", sa.SmallInteger, primary_key=True),
    sa.Column("score", sa.Numeric(5, 1)),
    sa.Column("word", sa.Text),
    sa.Column("makeup_score", sa.Numeric(5, 1)),
    sa.Column("makeup_word", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

chunks = sa.Table(
    "chunks", metadata,
    sa.Column("review_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("chunk_no", sa.Integer, primary_key=True),
    sa.Column("school_code", sa.Text, nullable=False),
    sa.Column("students", JSONB, nullable=False),  # [{row, id_number, name, mode, major_code, cohort}]
    sa.Column("verdicts", sa.Integer),  # how many verdicts it gave, once verified
    sa.Column("verified_by", sa.Text),
    sa.Column("times_verified", sa.Integer, nullable=False, server_default="0"),  # committed verifications
    sa.Column("verified_at", sa.DateTime(timezone=True)),
)

imports = sa.Table(
    "imports", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("school_code", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("username", sa.Text),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)
