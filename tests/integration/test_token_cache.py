"""Signed-in callers remembered by the gateway (gateway/token_cache.py): every request after the first
is answered from memory, and a deactivated user or a revoked token still stops working at once in the
process that made the change, and within moments in every other one, also after the listener's
connection was lost.

Once in this process (the Flask test client), and once under gunicorn with two worker processes,
changed from outside by another connection, as an administrator on another gateway would."""
import time

import psutil
import pytest
import requests
import sqlalchemy as sa

from gateway.token_cache import LISTENER_NAME, SignedIn, TokenCache
from services.common import engines
from tests.support import gunicorn
from tests.support.gateway import PASSWORD
from tests.support.prometheus import get, parse
from tests.support.wait import until

ANNOUNCED_WITHIN = 10  # seconds; without the announcement an answer would be kept for minutes


def new_user(client, admin, username: str) -> None:
    r = client.post("/api/v1/users", headers=admin, json={
        "username": username, "password": PASSWORD, "name": "缓存测试", "phone": "0913-1234567",
        "org_code": "S1", "roles": ["school_user"]})
    assert r.status_code == 201, r.get_json()


def from_memory(samples) -> float:  # requests answered without the database, over all workers
    return get(samples, "biye_gateway_signed_in_lookups_total", source="memory")


def test_a_change_this_process_commits_is_forgotten_before_its_connection_is_handed_back(app, database_url,
                                                                                      monkeypatch):
    """Without waiting for the announcement: the process's next request must not see the old state (the app
    fixture: the accounts schema)."""
    engine = engines.create_engine(database_url, pool_size=1, max_overflow=0)
    cache = TokenCache(engine)
    monkeypatch.setattr(cache, "_ensure_listener", lambda: None)  # no announcements at all
    cache.listening = True
    reads = []

    def load() -> SignedIn:
        reads.append(1)
        return SignedIn({"id": 1}, None, time.time() + 3600)
    try:
        cache.lookup("t", load)
        with engine.begin() as conn:  # reads, and writes that change no answer, keep what is remembered
            conn.execute(sa.text("SELECT count(*) FROM accounts.users"))
            conn.execute(sa.text("INSERT INTO accounts.login_failures (username) VALUES ('cache_probe')"))
        cache.lookup("t", load)
        assert len(reads) == 1
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE accounts.users SET name = name WHERE username = 'cache_probe'"))
            cache.lookup("t", load)  # not yet committed: the old state is still the state
            assert len(reads) == 1
        cache.lookup("t", load)
        assert len(reads) == 2
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM accounts.tokens WHERE user_id = -1"))
        cache.lookup("t", load)
        assert len(reads) == 3
    finally:
        engine.dispose()


def listeners(engine, pids: list[int]) -> dict[int, int]:
    """The listening backend of each of these gateway processes: process id -> backend pid."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT application_name, pid FROM pg_stat_activity "
                                    "WHERE application_name LIKE :name AND query LIKE 'LISTEN%'"),
                            {"name": f"{LISTENER_NAME} %"}).all()
    found = {int(name.rsplit(" ", 1)[1]): pid for name, pid in rows}
    return {p: found[p] for p in pids if p in found}


@pytest.fixture
def gateway(service_env, tmp_path):
    with gunicorn.gunicorn_gateway(service_env, str(tmp_path), "token-cache-gunicorn.log") as (base, proc):
        yield base, [w.pid for w in psutil.Process(proc.pid).children()]


def test_every_worker_forgets_a_change_committed_elsewhere(app, client, province, engine, gateway):
    base, workers = gateway
    new_user(client, province, "cache_there")
    token = requests.post(f"{base}/api/v1/auth/token", json={"username": "cache_there", "password": PASSWORD},
                          timeout=10).json()["token"]

    def me() -> int:  # a fresh connection each time, so both workers answer some
        return requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}", "Connection": "close"},
                            timeout=10).status_code

    def remembered_by_all() -> bool:
        """Twenty requests in a row, every one answered from memory (whichever worker took it)."""
        before = from_memory(parse(requests.get(f"{base}/metrics", timeout=10).text))
        assert all(me() == 200 for _ in range(20))
        return from_memory(parse(requests.get(f"{base}/metrics", timeout=10).text)) == before + 20

    def refused_by_all() -> bool:
        return all(me() == 401 for _ in range(10))

    # a worker starts listening at its first signed-in request
    until(lambda: me() == 200 and len(listeners(engine, workers)) == 2, timeout=30, what="both workers listening")
    until(remembered_by_all, timeout=30, what="both workers answering from memory")
    with engine.begin() as conn:  # another process's change
        conn.execute(sa.text("UPDATE accounts.users SET active = false WHERE username = 'cache_there'"))
    until(refused_by_all, timeout=ANNOUNCED_WITHIN, what="the deactivated user refused by both workers")

    # the listeners' connections cut: each worker reconnects, and announcements reach it again
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE accounts.users SET active = true WHERE username = 'cache_there'"))
    until(remembered_by_all, timeout=30, what="the reactivated user remembered again")
    cut = listeners(engine, workers)
    with engine.connect() as conn:
        for backend in cut.values():
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": backend}).scalar_one()
    until(lambda: len(set(listeners(engine, workers).values()) - set(cut.values())) == 2, timeout=30,
          what="both workers listening again")
    until(remembered_by_all, timeout=30, what="both workers answering from memory again")
    with engine.begin() as conn:  # the token revoked, as a sign-out elsewhere would
        conn.execute(sa.text("DELETE FROM accounts.tokens WHERE user_id = "
                             "(SELECT id FROM accounts.users WHERE username = 'cache_there')"))
    until(refused_by_all, timeout=ANNOUNCED_WITHIN, what="the revoked token refused by both workers")
