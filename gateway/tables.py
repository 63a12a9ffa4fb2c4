"""The gateway's own tables (schema `accounts`): organisations, users, tokens, audit."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

S = "accounts"
metadata = sa.MetaData(schema=S)

orgs = sa.Table(
    "orgs", metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("kind", sa.Text),
    sa.Column("parent_code", sa.Text),
    sa.Column("reviews_graduation", sa.Boolean),
    sa.Column("stamping_unit_code", sa.String(2)),
    sa.Column("path", sa.Text),
    sa.Column("contact_name", sa.Text),
    sa.Column("contact_phone", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("username", sa.Text),
    sa.Column("password_hash", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("org_code", sa.Text),
    sa.Column("roles", ARRAY(sa.Text)),
    sa.Column("active", sa.Boolean),
    sa.Column("must_change_password", sa.Boolean),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
tokens = sa.Table(
    "tokens", metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("user_id", sa.BigInteger),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
)
login_failures = sa.Table(
    "login_failures", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("username", sa.Text),
    sa.Column("remote_addr", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True)),
)
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("username", sa.Text),
    sa.Column("org_code", sa.Text),
    sa.Column("action", sa.Text),
    sa.Column("target", sa.Text),
    sa.Column("details", JSONB),
)
settings = sa.Table(
    "settings", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text),
)
