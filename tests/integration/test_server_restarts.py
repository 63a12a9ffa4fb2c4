"""Restarts of the servers themselves in the middle of a season: RabbitMQ while a list is being verified,
PostgreSQL between two approvals (a clean restart) and again while the province's approval is being
numbered (a crash: `pg_ctl -m immediate`). Every service reconnects by itself, the same process all along,
and the season finishes: every student verified once, numbers gap-free and never repeated, a print batch
printed.

The servers restarted are the test's own (tests/support/servers.py: a RabbitMQ node on 5681 and a
PostgreSQL on 55433), never the machine's shared ones. To restart them at an exact moment rather than by
luck, the test holds a lock the work in flight needs: ACCESS EXCLUSIVE on grading.grades while the list
is verified (each chunk a grading worker takes waits at its grades look-up), on numbering.sequences while
the approval is numbered (the allocation waits at its sequence row); the restart comes while PostgreSQL
shows the worker waiting.
"""
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest
import sqlalchemy as sa

from deploy import databases
from gateway.app import create_app
from tests.support.bigschool import chunk_events_handled, chunk_rows, import_list, school_with_students, students
from tests.support.bigschool import verdicts as graduate_verdicts
from tests.support.gateway import create_province, login
from tests.support.season import submit_through_chain
from tests.support.stack import services_on
from tests.support.wait import until

SCHOOL = "R1"
STUDENTS = 1000  # four chunks
YEAR = 2062
PRINTER = "biye-test-pdf"  # the CUPS PDF queue of the tests (deploy/setup.sh test, tests/integration/test_documents.py)
PRINTED = 25  # certificates in the print batch: three parts (PRINT_PART_SHEETS=10)


def waiting_for_lock(engine: sa.Engine, table: str) -> int:
    """Sessions waiting for a lock on `table`."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass(:t)"),
                            {"t": table}).scalar_one()


@contextmanager
def holding(url: str, table: str) -> Iterator[psycopg2.extensions.connection]:
    """A transaction holding an ACCESS EXCLUSIVE lock on `table` (released by its rollback, or a restart)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield conn
    finally:
        try:
            conn.close()
        except psycopg2.Error:  # the server restarted under it
            pass


def review_of(client, headers: dict, review_id: str) -> dict:
    r = client.get(f"/api/v1/reviews/{review_id}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def certificates(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT number, sequence, review_id::text, id_number FROM numbering.certificates "
            "WHERE year = :y AND unit_code = '05' ORDER BY sequence"), {"y": YEAR}).all()


def printer_ready() -> None:
    if subprocess.run(["lpstat", "-p", PRINTER], capture_output=True).returncode != 0:
        pytest.fail(f"no CUPS queue {PRINTER}: run deploy/setup.sh test (or tests/integration/test_documents.py)")


@pytest.mark.timeout(1800)
def test_a_season_goes_on_through_restarts_of_rabbitmq_and_postgresql(own_rabbit, own_postgres, service_env):
    printer_ready()
    url = own_postgres.url("biye_restarts_test")
    databases.recreate(url)
    amqp_uri = own_rabbit.uri("/")
    engine = sa.create_engine(url, pool_pre_ping=True)  # the test's own look-ups, across the restarts
    app = None
    try:
        with services_on(service_env, url, amqp_uri, "restarts") as procs:
            pids = {name: proc.proc.pid for name, proc in procs.items()}
            app = create_app({"TESTING": True, "DATABASE_URL": url, "AMQP_URI": amqp_uri, "RPC_TIMEOUT": 10})
            client = app.test_client()
            admin = create_province(app)
            rows = students(STUDENTS, area="610527")
            manager = school_with_students(client, admin, SCHOOL, "蒲城县职业中专", "6105", "r1_manager", rows)

            # RabbitMQ restarted while the list is verified: the grading worker holds two chunks
            with holding(url, "grading.grades") as lock:
                review_id = import_list(client, manager, SCHOOL, rows, YEAR)
                until(lambda: waiting_for_lock(engine, "grading.grades") == 2, timeout=120,
                      what="the grading worker inside two chunks")
                own_rabbit.stop()
                lock.rollback()  # the chunks are finished while the broker is away; their events wait in the outbox
            until(lambda: sum(c.times_verified for c in chunk_rows(engine, review_id)) == 2,
                  what="the two chunks committed with the broker down")
            own_rabbit.start()
            until(lambda: review_of(client, manager, review_id)["verification"]["state"] == "done", timeout=300,
                  interval=0.5, what="the verification finished after the broker's restart")

            # PostgreSQL restarted between two approvals, every pooled connection of every process gone
            city, province = login(client, "weinan_reviewer"), login(client, "province_reviewer")
            submit_through_chain(client, manager, review_id, [city, province])
            own_postgres.restart("fast")

            # … and crashed while the province's approval is numbered
            with holding(url, "numbering.sequences"):
                r = client.post(f"/api/v1/reviews/{review_id}/approve", headers=province)
                assert r.status_code == 200, r.get_json()
                until(lambda: waiting_for_lock(engine, "numbering.sequences") == 1, what="the numbering under way")
                own_postgres.restart("immediate")
            engine.dispose()
            until(lambda: review_of(client, manager, review_id)["status"] == "numbered", timeout=300, interval=0.5,
                  what="the review numbered after the crash")

            # a print batch: the first certificates, to the CUPS PDF printer
            listed = client.get(f"/api/v1/reviews/{review_id}/certificates", headers=manager).get_json()
            seqs = sorted(c["seq"] for c in listed)[:PRINTED]
            r = client.post(f"/api/v1/reviews/{review_id}/print-jobs", headers=manager,
                            json={"printer": PRINTER, "what": "certificates", "only_seq": seqs})
            assert r.status_code == 202, r.get_json()
            job_id = r.get_json()["job_id"]

            def finished():
                job = client.get(f"/api/v1/print-jobs/{job_id}", headers=manager).get_json()
                return job if job["state"] in ("done", "failed") else None
            job = until(finished, timeout=300, interval=0.5, what="the print batch")
            assert job["state"] == "done" and job["pages"] == PRINTED, job

            # the same processes all along: none was restarted, none died
            assert {name: proc.proc.pid for name, proc in procs.items() if proc.proc.poll() is None} == pids

        # every student verified once, every chunk's verdicts handled once
        chunks = chunk_rows(engine, review_id)
        assert [c.times_verified for c in chunks] == [1] * 4 and sum(c.n for c in chunks) == STUDENTS
        assert graduate_verdicts(engine, review_id) == (STUDENTS, STUDENTS, STUDENTS, STUDENTS)
        assert chunk_events_handled(engine, review_id) == (4, 4)
        # numbers gap-free and never repeated: one for each student, in one run of the unit's sequence
        certs = certificates(engine)
        assert [c.sequence for c in certs] == list(range(1, STUDENTS + 1))
        assert len({c.number for c in certs}) == len({c.id_number for c in certs}) == STUDENTS
        assert {c.review_id for c in certs} == {review_id}
        assert len(listed) == STUDENTS
        with engine.connect() as conn:
            last = conn.execute(sa.text("SELECT last FROM numbering.sequences WHERE unit_code = '05' AND year = :y"),
                                {"y": YEAR}).scalar_one()
            numbered = conn.execute(sa.text("SELECT count(*) FROM review.history WHERE review_id = :r "
                                            "AND action = 'numbered'"), {"r": review_id}).scalar_one()
        assert last == STUDENTS and numbered == 1
    finally:
        if app is not None:
            app.extensions["rpc"].reset()
            app.extensions["db"].dispose()
        engine.dispose()
