"""Organisations, users, tokens, login throttling, audit log, application secret.

Revision ID: 0001
"""
import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0001"
down_revision = None
S = "accounts"


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text, sa.ForeignKey(f"{S}.orgs.code")),
        sa.Column("reviews_graduation", sa.Boolean, nullable=False),
        sa.Column("stamping_unit_code", sa.String(2), unique=True),
        sa.Column("path", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("kind IN ('province','city','county','school')", name="org_kind"),
        schema=S,
    )
    op.create_index("orgs_path", "orgs", ["path"], schema=S, postgresql_ops={"path": "text_pattern_ops"})
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("phone", sa.Text, nullable=False),
        sa.Column("org_code", sa.Text, sa.ForeignKey(f"{S}.orgs.code"), nullable=True),
        sa.Column("roles", ARRAY(sa.Text), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=S,
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey(f"{S}.users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("remote_addr", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=S,
    )
    op.create_index("login_failures_user_at", "login_failures", ["username", "at"], schema=S)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("username", sa.Text),
        sa.Column("org_code", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target", sa.Text),
        sa.Column("details", JSONB),
        schema=S,
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        schema=S,
    )
    op.execute(
        sa.text(f"INSERT INTO {S}.settings (key, value) VALUES ('secret_key', :v)").bindparams(
            v=secrets.token_hex(32)
        )
    )


def downgrade() -> None:
    for table in ("settings", "audit_log", "login_failures", "tokens", "users", "orgs"):
        op.drop_table(table, schema=S)
