"""A real three-node RabbitMQ cluster on this machine (tests/support/servers.py: biye-c1/c2/c3@localhost
on AMQP 5701-5703): the services connect with a failover URI (kombu's `amqp://…;amqp://…`, which nameko
hands to kombu as it is), their queues are quorum queues replicated on the three nodes, and the node that
holds their leaders (and the services' connections) is stopped in the middle of a verification. The
season finishes on the two nodes left: every student verified once, every chunk's verdicts handled
once, numbers gap-free, the same service processes all along.

The stop comes at an exact moment, not by luck: the test holds an ACCESS EXCLUSIVE lock on grading.grades
while the list is imported, so the grading worker waits inside two chunks (their messages unacknowledged
on the node about to go) when the node is stopped; the lock is released once the node is down.
"""
from collections import Counter
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from deploy import databases
from deploy.processes import SERVICE_CLASSES
from gateway.app import create_app
from services.common.events import SUBSCRIPTIONS
from tests.support.bigschool import (
    chunk_events_handled,
    chunk_rows,
    import_list,
    school_with_students,
    students,
    verdicts,
    wait_verified,
)
from tests.support.gateway import create_province, login
from tests.support.season import submit_through_chain
from tests.support.servers import RabbitNode
from tests.support.stack import services_on
from tests.support.wait import until

VHOST = "biye-cluster"
SCHOOL = "K1"
STUDENTS = 1500  # six chunks
YEAR = 2063
SERVICE_QUEUES = [s.queue_name for s in SUBSCRIPTIONS] + [f"rpc-{service}" for service in SERVICE_CLASSES]


def service_queues(node: RabbitNode) -> dict[str, dict]:
    """The services' queues as `node` sees them (their definitions and placement, not sampled counts)."""
    found = {q["name"]: q for q in node.get(f"queues/{quote(VHOST, safe='')}")}
    return {name: found.get(name, {}) for name in SERVICE_QUEUES}


def waiting_on_grades(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted "
                                    "AND relation = 'grading.grades'::regclass")).scalar_one()


@pytest.mark.timeout(1800)
def test_a_season_finishes_when_the_node_holding_the_queue_leaders_stops(rabbit_cluster, database_url, service_env):
    nodes = rabbit_cluster
    names = sorted(n.nodename for n in nodes)
    assert sorted(n["name"] for n in nodes[0].get("nodes") if n["running"]) == names, "three nodes, clustered"
    nodes[0].create_vhost(VHOST)
    failover_uri = ";".join(node.uri(VHOST) for node in nodes)

    base, _, name = database_url.rpartition("/")
    url = f"{base}/{name.removesuffix('_test')}_cluster_test"
    databases.recreate(url)
    engine = sa.create_engine(url)
    app = None
    try:
        with services_on(service_env, url, failover_uri, "cluster") as procs:
            pids = {service: proc.proc.pid for service, proc in procs.items()}
            # every queue a service consumes from is a quorum queue with a member on each node
            queues = service_queues(nodes[0])
            assert {q: d.get("type") for q, d in queues.items()} == {q: "quorum" for q in SERVICE_QUEUES}
            assert all(sorted(d["members"]) == names for d in queues.values()), queues

            app = create_app({"TESTING": True, "DATABASE_URL": url, "AMQP_URI": failover_uri, "RPC_TIMEOUT": 10})
            client = app.test_client()
            admin = create_province(app)
            rows = students(STUDENTS, area="610528")
            manager = school_with_students(client, admin, SCHOOL, "富平县职业教育中心", "6105", "k1_manager", rows)

            with engine.connect() as lock:
                lock.execute(sa.text("LOCK TABLE grading.grades IN ACCESS EXCLUSIVE MODE"))
                review_id = import_list(client, manager, SCHOOL, rows, YEAR)
                until(lambda: waiting_on_grades(engine) == 2, timeout=120, what="the grading worker inside two chunks")
                leaders = Counter(d["leader"] for d in service_queues(nodes[0]).values())
                doomed = next(n for n in nodes if n.nodename == leaders.most_common(1)[0][0])
                doomed.stop()
                lock.rollback()
            survivor = next(n for n in nodes if n is not doomed)
            # the queues elected leaders on the nodes left, and the services consume there again
            until(lambda: all(d.get("leader") not in (None, doomed.nodename)
                              for d in service_queues(survivor).values()), what="new leaders")

            review = wait_verified(client, manager, review_id)
            assert review["qualified"] == STUDENTS
            city, province = login(client, "weinan_reviewer"), login(client, "province_reviewer")
            submit_through_chain(client, manager, review_id, [city, province])
            r = client.post(f"/api/v1/reviews/{review_id}/approve", headers=province)
            assert r.status_code == 200, r.get_json()
            until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["status"]
                  == "numbered", timeout=300, interval=0.5, what="the review numbered")
            assert {s: p.proc.pid for s, p in procs.items() if p.proc.poll() is None} == pids, "no process restarted"
            queues = service_queues(survivor)
            assert {q: d.get("type") for q, d in queues.items()} == {q: "quorum" for q in SERVICE_QUEUES}

        chunks = chunk_rows(engine, review_id)
        assert [c.times_verified for c in chunks] == [1] * 6 and sum(c.n for c in chunks) == STUDENTS
        assert verdicts(engine, review_id) == (STUDENTS, STUDENTS, STUDENTS, STUDENTS)
        assert chunk_events_handled(engine, review_id) == (6, 6)
        with engine.connect() as conn:
            sequences = conn.execute(sa.text(
                "SELECT sequence FROM numbering.certificates WHERE year = :y AND unit_code = '05' ORDER BY sequence"),
                {"y": YEAR}).scalars().all()
            numbered = conn.execute(sa.text("SELECT count(*) FROM review.history WHERE review_id = :r "
                                            "AND action = 'numbered'"), {"r": review_id}).scalar_one()
        assert sequences == list(range(1, STUDENTS + 1)) and numbered == 1
    finally:
        if app is not None:
            app.extensions["rpc"].reset()
            app.extensions["db"].dispose()
        engine.dispose()
