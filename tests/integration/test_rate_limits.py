"""Rate limits: a burst of `limit` passes, the next is refused, and the allowance comes back steadily."""
import uuid

import pytest
import sqlalchemy as sa

from gateway.ratelimit import TooManyRequests, hit


def tries(key: str, count: int, limit: int = 3, window: int = 3600) -> list[bool]:
    allowed = []
    for _ in range(count):
        try:
            hit("test", key, limit, window)
            allowed.append(True)
        except TooManyRequests:
            allowed.append(False)
    return allowed


def test_a_burst_passes_up_to_the_limit_and_no_further(app):
    key = uuid.uuid4().hex
    with app.app_context():
        assert tries(key, 5) == [True, True, True, False, False]
        assert tries(uuid.uuid4().hex, 1) == [True]  # another caller counts apart


def test_the_allowance_comes_back_one_interval_at_a_time(app, engine):
    key = uuid.uuid4().hex
    with app.app_context():
        assert tries(key, 4) == [True, True, True, False]
        # As if one interval (3600 s / 3) had passed: exactly one more request is allowed.
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE accounts.rate_buckets SET tat = tat - interval '1200 seconds' "
                                 "WHERE bucket = 'test' AND key = :k"), {"k": key})
        assert tries(key, 2) == [True, False]


def test_a_refused_request_does_not_push_the_wait_further(app, engine):
    key = uuid.uuid4().hex
    with app.app_context():
        tries(key, 3)
        before = tat(engine, key)
        assert tries(key, 10) == [False] * 10
        assert tat(engine, key) == before


def tat(engine, key: str):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT tat FROM accounts.rate_buckets WHERE bucket = 'test' AND key = :k"),
                            {"k": key}).scalar_one()


@pytest.mark.parametrize("limit", [1, 30])
def test_the_limit_holds_for_any_size(app, limit):
    with app.app_context():
        assert tries(uuid.uuid4().hex, limit + 2, limit=limit).count(True) == limit
