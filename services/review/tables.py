"""The review schema: graduation reviews, their graduate lists, verdicts and history."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

S = "review"
metadata = sa.MetaData(schema=S)

reviews = sa.Table(
    "reviews", metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("school_code", sa.Text, nullable=False),
    sa.Column("school_name", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("season", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("generation", sa.Integer, nullable=False),  # +1 on every rebuild
    sa.Column("chain", JSONB, nullable=False),  # [{code, name, kind}], nearest reviewing level first
    sa.Column("chain_pos", sa.Integer),  # index in chain of the level whose turn it is
    sa.Column("stamping_unit_code", sa.String(2)),
    sa.Column("stamping_org_code", sa.Text),  # the organisation that stamps: the unit's org
    sa.Column("submitted_by", JSONB),  # the school's acting account at submission: 学校经办人, 联系电话
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("stamped_at", sa.DateTime(timezone=True)),
    sa.Column("graduated_at", sa.DateTime(timezone=True)),
    sa.Column("round", sa.Integer, nullable=False, server_default="1"),  # +1 on every return
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("verified", sa.Integer, nullable=False),  # rows with a final verdict
    # rows by verdict, kept by the statement triggers on graduates (migration 0012)
    sa.Column("qualified", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unqualified", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    # bumped by triggers on any change to the review or its graduates, approvals and history
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    sa.UniqueConstraint("school_code", "year", "season", "kind", name="reviews_one_per_season"),
)

graduates = sa.Table(
    "graduates", metadata,
    sa.Column("review_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True),  # the list's spreadsheet row
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),  # enrollment order within the list
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("gender", sa.Text),
    sa.Column("id_number", sa.Text, nullable=False),
    sa.Column("category", sa.Text),
    sa.Column("mode", sa.Text),
    sa.Column("student", JSONB),  # registry snapshot, when found
    sa.Column("intake_reasons", JSONB, nullable=False),
    sa.Column("verdict", sa.Text),  # qualified | unqualified; unqualified as soon as any reason is known
    sa.Column("reasons", JSONB),  # all reasons known so far, intake and grades
    sa.Column("graded", sa.Boolean, nullable=False),  # grades verified, or nothing to verify
    sa.Column("scores", JSONB),  # qualified: per-category composites and grades
    sa.Column("list_reasons", JSONB),  # what the list's own cells are wrong in: kept through 重新核验
    sa.Column("previous", JSONB),  # {verdict, reasons} before the last 重新核验 of this row
    sa.Index("graduates_by_id_number", "id_number"),  # is a listed student in another open review?
    # finding a graduate by the start of the name (LIKE '张三%'), whatever the database's collation
    sa.Index("graduates_by_name", "name", postgresql_ops={"name": "text_pattern_ops"}),
    # a review's qualified or unqualified rows (its page, approvals, numbering)
    sa.Index("graduates_by_review_verdict", "review_id", "verdict"),
)

history = sa.Table(
    "history", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("review_id", UUID(as_uuid=False), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column("by_name", sa.Text, nullable=False),
    sa.Column("by_username", sa.Text, nullable=False),
    sa.Column("org", sa.Text, nullable=False),
    sa.Column("from_status", sa.Text),
    sa.Column("to_status", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
)

major_approvals = sa.Table(
    "major_approvals", metadata,
    sa.Column("review_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),  # +1 each time the review is returned
    sa.Column("level_code", sa.Text, primary_key=True),  # the school, or a level of the chain
    sa.Column("major_code", sa.Text, primary_key=True),
    sa.Column("by_name", sa.Text, nullable=False),
    sa.Column("by_username", sa.Text, nullable=False),
    sa.Column("by_phone", sa.Text, nullable=False),
    sa.Column("org", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

level_approvals = sa.Table(
    "level_approvals", metadata,
    sa.Column("review_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),
    sa.Column("level_code", sa.Text, primary_key=True),
    sa.Column("by_name", sa.Text, nullable=False),
    sa.Column("by_phone", sa.Text, nullable=False),
    sa.Column("org", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

calendar_days = sa.Table(
    "calendar_days", metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("workday", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("by_username", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)
