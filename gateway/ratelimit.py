"""Request limits kept in the database, so every gateway process counts together."""
import random

import sqlalchemy as sa

from gateway.db import connect
from services.common.errors import ServiceError


class TooManyRequests(ServiceError):
    status = 429
    code = "too_many_requests"


def hit(bucket: str, key: str, limit: int, window_seconds: int) -> None:
    """Count one request of `key`; raise 429 past `limit` requests in the current window."""
    with connect() as conn:
        count = conn.execute(sa.text("""
            INSERT INTO accounts.rate_windows (bucket, key, window_start, count)
            VALUES (:b, :k, to_timestamp(floor(extract(epoch FROM now()) / :w) * :w), 1)
            ON CONFLICT (bucket, key, window_start) DO UPDATE SET count = accounts.rate_windows.count + 1
            RETURNING count"""), {"b": bucket, "k": key, "w": window_seconds}).scalar_one()
        if random.random() < 0.01:
            conn.execute(sa.text("DELETE FROM accounts.rate_windows WHERE window_start < now() - interval '1 day'"))
    if count > limit:
        raise TooManyRequests("查询过于频繁，请稍后再试")
