"""The gateway's database: its own `accounts` schema, migrated when the app is created."""
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Connection

from gateway.tables import settings
from services.common import engines
from services.common.migrate import upgrade


def init_engine(database_url: str) -> sa.Engine:
    upgrade(database_url, "gateway")
    return engines.create_engine(database_url, pool_size=10, max_overflow=20)


def secret_key(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(settings.c.value).where(settings.c.key == "secret_key")).scalar_one()


@contextmanager
def connect() -> Iterator[Connection]:
    """One transaction on the accounts schema: committed on success, rolled back on error."""
    with current_app.extensions["db"].begin() as conn:
        yield conn


@contextmanager
def read_once() -> Iterator[Connection]:
    """A connection for one read statement, outside any transaction: no BEGIN and COMMIT around it
    (two of the three round trips of a token lookup, made on a request whose caller is not remembered)."""
    with engines.outside_transaction(current_app.extensions["db"]) as conn:
        yield conn
