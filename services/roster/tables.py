"""The roster schema: each school's majors and student registry (学籍), and graduates' photos."""
import sqlalchemy as sa

S = "roster"
metadata = sa.MetaData(schema=S)

majors = sa.Table(
    "majors", metadata,
    sa.Column("school_code", sa.Text, primary_key=True),
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
)

students = sa.Table(
    "students", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("school_code", sa.Text, nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("student_no", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("gender", sa.Text, nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("political_status", sa.Text),
    sa.Column("major_code", sa.Text, nullable=False),
    sa.Column("schooling_years", sa.Integer, nullable=False),
    sa.Column("education_level", sa.Text, nullable=False),
    sa.Column("enrolled_month", sa.String(7), nullable=False),
    sa.Column("class_name", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("enrollment_category", sa.Text, nullable=False),
    sa.Column("enrollment_seq", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.UniqueConstraint("school_code", "id_number", name="students_school_id_number"),
)

photos = sa.Table(
    "photos", metadata,
    sa.Column("school_code", sa.Text, primary_key=True),
    sa.Column("id_number", sa.String(18), primary_key=True),
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
    sa.Column("uploaded_by", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)

imports = sa.Table(
    "imports", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("school_code", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("username", sa.Text),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("details", sa.JSON),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
)
