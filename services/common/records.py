"""Rows named by an id from outside (a URL, a message): one rule for ids that are not UUIDs."""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.errors import NotFound


def is_uuid(text: object) -> bool:
    """Whether `text` can name a row keyed by UUID (asked before the query: PostgreSQL would abort the
    transaction on a malformed one)."""
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def by_id(session: Session, table: sa.Table, record_id: object, missing: str, lock: bool = False) -> dict:
    """The row of `table` whose `id` is `record_id`; NotFound(`missing`) when there is none, or when
    the id is not a UUID at all."""
    row = None
    if is_uuid(record_id):
        query = sa.select(table).where(table.c.id == str(record_id))
        row = session.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(missing)
    return dict(row)
