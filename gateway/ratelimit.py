"""Request limits kept in the database, so every gateway process counts together.

The generic cell rate algorithm: each caller has a theoretical arrival time (tat) that every
allowed request pushes one interval (window / limit) further; a request is refused while tat
lies more than one window ahead. A burst of `limit` passes at once, and the allowance comes
back steadily, with no window edge to slip through twice.
"""
import random

import sqlalchemy as sa

from gateway.db import connect
from services.common.errors import ServiceError


class TooManyRequests(ServiceError):
    status = 429
    code = "too_many_requests"


def hit(bucket: str, key: str, limit: int, window_seconds: int) -> None:
    """Count one request of `key`; raise 429 once more than `limit` came within one window."""
    interval = window_seconds / limit
    with connect() as conn:
        allowed = conn.execute(sa.text("""
            INSERT INTO accounts.rate_buckets AS b (bucket, key, tat)
            VALUES (:b, :k, now() + make_interval(secs => :i))
            ON CONFLICT (bucket, key) DO UPDATE
               SET tat = greatest(b.tat, now()) + make_interval(secs => :i)
             WHERE greatest(b.tat, now()) + make_interval(secs => :i) <= now() + make_interval(secs => :w)
            RETURNING 1"""), {"b": bucket, "k": key, "i": interval, "w": window_seconds}).first()
        if random.random() < 0.01:
            conn.execute(sa.text("DELETE FROM accounts.rate_buckets WHERE tat < now()"))
    if allowed is None:
        raise TooManyRequests("查询过于频繁，请稍后再试")
