"""The province's administration: organisations' contacts, one-time passwords, the audit log's filters.

Revision ID: 0003
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("""
        ALTER TABLE accounts.orgs
            ADD COLUMN IF NOT EXISTS contact_name text,
            ADD COLUMN IF NOT EXISTS contact_phone text""")
    # set by a reset (one-time password): the user must choose a password of their own first
    op.execute("ALTER TABLE accounts.users ADD COLUMN IF NOT EXISTS must_change_password boolean NOT NULL "
               "DEFAULT false")
    # GET /api/v1/audit pages on id descending; each filter finds its rows by an index of its own
    # (action also by prefix, e.g. 'user.', hence text_pattern_ops).
    op.execute("CREATE INDEX IF NOT EXISTS audit_log_action ON accounts.audit_log (action text_pattern_ops, id)")
    op.execute("CREATE INDEX IF NOT EXISTS audit_log_username ON accounts.audit_log (username, id)")
    op.execute("CREATE INDEX IF NOT EXISTS audit_log_org_code ON accounts.audit_log (org_code, id)")
    op.execute("CREATE INDEX IF NOT EXISTS audit_log_target ON accounts.audit_log (target, id)")
    op.execute("CREATE INDEX IF NOT EXISTS audit_log_at ON accounts.audit_log (at)")


def downgrade() -> None:
    for index in ("audit_log_action", "audit_log_username", "audit_log_org_code", "audit_log_target", "audit_log_at"):
        op.execute(f"DROP INDEX IF EXISTS accounts.{index}")
    op.execute("ALTER TABLE accounts.users DROP COLUMN IF EXISTS must_change_password")
    op.execute("ALTER TABLE accounts.orgs DROP COLUMN IF EXISTS contact_name, DROP COLUMN IF EXISTS contact_phone")
