"""Every committed change to a user, a token or an organisation is announced (NOTIFY
accounts_changed), so that each gateway process forgets the callers it remembers
(gateway/token_cache.py). Inserts are not announced: no remembered answer can depend on a row
that did not exist (users.org_code and tokens.user_id are foreign keys).

Revision ID: 0005
"""
from alembic import op

revision = "0005"
down_revision = "0004"
TABLES = ("users", "tokens", "orgs")


def upgrade() -> None:
    op.execute("""
        CREATE OR REPLACE FUNCTION accounts.announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('accounts_changed', TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"""
            CREATE OR REPLACE TRIGGER {table}_announce_change
                AFTER UPDATE OR DELETE OR TRUNCATE ON accounts.{table}
                FOR EACH STATEMENT EXECUTE FUNCTION accounts.announce_change()""")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_announce_change ON accounts.{table}")
    op.execute("DROP FUNCTION IF EXISTS accounts.announce_change()")
