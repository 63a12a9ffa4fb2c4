"""The token cache's bookkeeping: what it may remember, and when it must ask the database again.
(The listener and the announcements themselves: tests/integration/test_token_cache.py.)"""
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from gateway.tables import audit_log, orgs, tokens, users
from gateway.token_cache import CHANGES, SignedIn, TokenCache

RATE_LIMIT = "INSERT INTO accounts.rate_buckets AS b (bucket, key, tat) VALUES (:b, :k, now()) ON CONFLICT DO NOTHING"


@pytest.fixture
def cache(monkeypatch):
    cache = TokenCache(sa.create_engine("postgresql://nobody@127.0.0.1:9/none"))  # never connected
    monkeypatch.setattr(cache, "_ensure_listener", lambda: None)
    cache.listening = True
    return cache


class Loads:
    """A stand-in for the database: counts its reads, and may run something in the middle of one."""

    def __init__(self, ends_in: float = 3600, during=None):
        self.count = 0
        self.ends_in = ends_in
        self.during = during

    def __call__(self) -> SignedIn:
        self.count += 1
        if self.during:
            self.during()
        return SignedIn({"id": 1, "roles": ["school_user"]}, {"code": "S1"}, time.time() + self.ends_in)


def test_an_answer_is_remembered_until_a_change_is_announced(cache):
    load = Loads()
    assert cache.lookup("t", load).user["id"] == 1
    assert cache.lookup("t", load).org == {"code": "S1"}
    assert load.count == 1
    cache.forget()
    cache.lookup("t", load)
    assert load.count == 2


def test_an_answer_read_while_a_change_was_announced_is_not_remembered(cache):
    load = Loads(during=cache.forget)  # the announcement arrives while the row is being read
    cache.lookup("t", load)
    load.during = None
    cache.lookup("t", load)
    assert load.count == 2  # the first answer may hold the state from before the change


def test_nothing_is_remembered_while_the_listener_is_away(cache):
    load = Loads()
    cache.listening = False
    cache.lookup("t", load)
    cache.lookup("t", load)
    assert load.count == 2
    cache.listening = True
    cache.lookup("t", load)
    cache.listening = False  # lost after the answer was stored: not used either
    cache.lookup("t", load)
    assert load.count == 4


def test_an_expired_token_is_looked_up_again(cache):
    load = Loads(ends_in=-1)
    cache.lookup("t", load)
    cache.lookup("t", load)
    assert load.count == 2


def test_a_remembered_answer_is_handed_out_as_a_copy(cache):
    load = Loads()
    cache.lookup("t", load).user["roles"] = ["province_admin"]
    cache.lookup("t", load).org["code"] = "S2"
    again = cache.lookup("t", load)
    assert (again.user["roles"], again.org["code"], load.count) == (["school_user"], "S1", 1)


def sql(statement) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))


@pytest.mark.parametrize("statement", [
    sql(users.update().where(users.c.id == 1).values(active=False)),
    sql(tokens.delete().where(tokens.c.user_id == 1)),
    sql(orgs.update().where(orgs.c.code == "S1").values(name="x")),
    "delete from accounts.tokens where expires_at < now()",
    "  TRUNCATE TABLE accounts.users CASCADE",
])
def test_own_statements_that_change_an_answer_are_noticed(statement):
    assert CHANGES.match(statement)


@pytest.mark.parametrize("statement", [
    sql(tokens.insert().values(token_hash="h", user_id=1)),  # a login: no remembered answer depends on it
    sql(users.insert().values(username="u")),
    sql(audit_log.insert().values(action="user.update")),
    sql(sa.select(users).where(users.c.id == 1)),
    RATE_LIMIT,
    "DELETE FROM accounts.rate_buckets WHERE tat < now()",
    "UPDATE accounts.users_archive SET x = 1",
])
def test_other_statements_do_not_empty_the_cache(statement):
    assert not CHANGES.match(statement)
