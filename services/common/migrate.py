"""Alembic at start-up: each service upgrades its own schema to head before it serves."""
import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.pool import NullPool


def upgrade(database_url: str, package: str) -> None:
    """Upgrade the schema whose migrations live in `<package>/migrations` to head."""
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.attributes["database_url"] = database_url
    command.upgrade(cfg, "head")


def run_env(schema: str) -> None:
    """The body of every service's migrations/env.py.

    Concurrent starts (several grading workers) take an advisory lock so one migrates and the
    others then find the schema at head.
    """
    url = context.config.attributes["database_url"]
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(hashtext(:k))"), {"k": f"migrate:{schema}"})
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        conn.commit()
        context.configure(connection=conn, version_table_schema=schema, include_schemas=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
        conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": f"migrate:{schema}"})
    engine.dispose()


def create_messaging_tables(schema: str) -> None:
    """For a service's first migration: its outbox and processed-events tables."""
    from alembic import op

    from services.common.messaging import Messaging

    Messaging(schema).metadata.create_all(bind=op.get_bind())


def create_failures_table(schema: str) -> None:
    """The event_failures table of a service's schema (messaging.event_failures_table); a schema whose
    first revision ran after it was added has it already."""
    from alembic import op

    from services.common.messaging import Messaging

    Messaging(schema).failures.create(bind=op.get_bind(), checkfirst=True)


def drop_failures_table(schema: str) -> None:
    from alembic import op

    op.execute(f'DROP TABLE IF EXISTS "{schema}".event_failures')


def add_correlation_column(schema: str) -> None:
    """The outbox keeps each event's correlation id (services.common.correlation)."""
    from alembic import op

    # the first revision creates the outbox as messaging.py holds it now: on a new database it is there already
    op.execute(f'ALTER TABLE "{schema}".outbox ADD COLUMN IF NOT EXISTS correlation_id text')


def drop_correlation_column(schema: str) -> None:
    from alembic import op

    op.execute(f'ALTER TABLE "{schema}".outbox DROP COLUMN IF EXISTS correlation_id')
