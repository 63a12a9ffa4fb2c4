"""Backup and restore in the middle of a season (deploy/BACKUP.md, deploy/backup.py), against the real servers.

Three schools of one season (2057). At the backup:
- A (S1, stamping unit 05) is approved and numbered, but the review service has not yet handled the
  numbering's answer: the event is published and waits in the old broker's queue (the review that
  waits for its numbers);
- B (S2, unit 05) waits for the province;
- C (S3, unit 90) is approved by a review process that died right after its commit, before its relay
  ran: the province's approval is an unpublished outbox row.
After the backup the old installation goes on (B is approved and numbered there). The dump is restored
into a new database and a new set of services starts on it with a broker that holds a message from
after the backup (B's approval in the old installation), which the procedure purges. The season is
finished there: A gets marked numbered, C numbered, B approved again and numbered. Each unit's numbers
are gap-free and never repeat, A keeps the numbers it had, B gets the very numbers the lost installation
gave it (same approvals in the same order), nothing is numbered twice.
"""
import pytest
import sqlalchemy as sa
from nameko.amqp.publish import Publisher
from nameko.events import get_event_exchange
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from deploy import backup, databases
from gateway.app import create_app
from services.common import events
from services.common.events import SUBSCRIPTIONS, listener_queues
from tests.support import infra
from tests.support.gateway import login
from tests.support.processes import ServiceProcess
from tests.support.season import submit_through_chain, verified_review
from tests.support.stack import services_on
from tests.support.wait import until

YEAR = 2057
REVIEW = ("services.review.service:ReviewService", "review", "services/review/config.yml")
PROVINCE = {"username": "province_reviewer", "name": "province_reviewer的姓名", "phone": "0913-1234567",
            "org_code": "61", "org_name": "陕西省教育厅", "roles": ["province_reviewer"]}
NUMBERING_QUEUE = next(s.queue_name for s in SUBSCRIPTIONS if s.event_type == events.REVIEW_APPROVED)


def status(client, headers: dict, review_id: str) -> str:
    return client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()["status"]


def approve(client, headers: dict, review_id: str) -> None:
    r = client.post(f"/api/v1/reviews/{review_id}/approve", headers=headers)
    assert r.status_code == 200, r.get_json()


def outbox(engine, schema: str, event_type: str, review_id: str) -> list:
    """(event_id, published_at, payload) of the review's events of this type in the schema's outbox."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            f"SELECT event_id::text, published_at, payload FROM {schema}.outbox "
            "WHERE event_type = :t AND payload->>'review_id' = :r ORDER BY id"),
            {"t": event_type, "r": review_id}).all()


def published(engine, schema: str, event_type: str, review_id: str) -> bool:
    rows = outbox(engine, schema, event_type, review_id)
    return bool(rows) and all(r.published_at is not None for r in rows)


def unhandled(engine, review_ids: list[str]) -> dict[tuple[str, str], int]:
    """{(event type, listener): events} of these reviews' events in the outboxes that a listener has not
    handled (not in its processed_events)."""
    found = {}
    with engine.connect() as conn:
        for s in SUBSCRIPTIONS:
            listener = f"{s.service}.{s.method}"
            n = conn.execute(sa.text(
                f"SELECT count(*) FROM {s.source}.outbox o WHERE o.event_type = :t AND o.payload->>'review_id' = "
                f"ANY(:ids) AND NOT EXISTS (SELECT 1 FROM {s.service}.processed_events p "
                "WHERE p.event_id = o.event_id AND p.handler = :h)"),
                {"t": s.event_type, "ids": review_ids, "h": listener}).scalar_one()
            if n:
                found[(s.event_type, listener)] = n
    return found


def certificates(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT number, unit_code, sequence, review_id::text, seq, id_number, status FROM numbering.certificates "
            "WHERE year = :y ORDER BY unit_code, sequence"), {"y": YEAR}).all()


def numbers_of(engine, review_id: str) -> list[str]:
    return [c.number for c in certificates(engine) if c.review_id == review_id]


def running(proc: ServiceProcess) -> None:
    """The session's process started again if it is not running."""
    if proc.proc is None or proc.proc.poll() is not None:
        proc.start()


def publish(amqp_uri: str, source: str, event_type: str, payload: dict) -> None:
    """As a relay publishes: the listeners' durable queues declared first."""
    exchange = get_event_exchange(source, {})
    Publisher(amqp_uri, use_confirms=True, declare=[exchange, *listener_queues(source)]).publish(
        payload, exchange=exchange, routing_key=event_type)


@pytest.mark.timeout(600)
def test_a_season_backed_up_midway_is_finished_on_a_restored_copy(client, province, stack, spawn, engine,
                                                                 database_url, amqp_uri, service_env, tmp_path):
    managers = {school: login(client, f"{school.lower()}_manager") for school in ("S1", "S2", "S3")}
    county, city, prov = (login(client, u) for u in ("linwei_reviewer", "weinan_reviewer", "province_reviewer"))
    a, _ = verified_review(client, managers["S1"], "S1", 3410, 4, year=YEAR)
    b, _ = verified_review(client, managers["S2"], "S2", 3420, 3, year=YEAR)
    c, _ = verified_review(client, managers["S3"], "S3", 3430, 2, year=YEAR)
    submit_through_chain(client, managers["S1"], a, [county, city, prov])
    submit_through_chain(client, managers["S2"], b, [city, prov])
    submit_through_chain(client, managers["S3"], c, [prov])

    try:
        # A: approved while numbering is away, so its approval waits in numbering's queue …
        stack["numbering"].stop()
        approve(client, prov, a)
        until(lambda: published(engine, "review", events.REVIEW_APPROVED, a), what="A's approval relayed")
        # C: the review process dies between committing the approval and relaying it
        stack["review"].stop()
        doomed = spawn(*REVIEW, label="review-doomed-backup", extra_env={"FAULTS": "after_commit"})
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=3) as short, \
                pytest.raises((RpcTimeout, UnknownService)):
            short.review.act(c, "approve", PROVINCE)
        assert doomed.wait_exit() == 137
        # … then numbering numbers A, and its answer waits in the queue of the review service, which is down
        stack["numbering"].start()
        until(lambda: published(engine, "numbering", events.CERTIFICATES_NUMBERED, a), what="A's numbers announced")

        [c_approval] = outbox(engine, "review", events.REVIEW_APPROVED, c)
        assert c_approval.published_at is None
        [a_answer] = outbox(engine, "numbering", events.CERTIFICATES_NUMBERED, a)
        a_numbers = numbers_of(engine, a)
        assert a_numbers == [f"{YEAR}05{n:05d}" for n in range(1, 5)]
        assert unhandled(engine, [a, b, c]) == {(events.REVIEW_APPROVED, "numbering.on_review_approved"): 1,
                                                (events.CERTIFICATES_NUMBERED, "review.on_certificates_numbered"): 1}
        dump_file = backup.dump(database_url, f"{tmp_path}/")
    finally:
        running(stack["numbering"])
        running(stack["review"])

    # The old installation goes on after the backup: what it does now is lost with it.
    until(lambda: status(client, managers["S1"], a) == "numbered", what="A marked numbered (old installation)")
    until(lambda: status(client, managers["S3"], c) == "numbered", what="C numbered (old installation)")
    approve(client, prov, b)
    until(lambda: status(client, managers["S2"], b) == "numbered", what="B numbered (old installation)")
    lost_b_numbers = numbers_of(engine, b)
    [lost_b_approval] = outbox(engine, "review", events.REVIEW_APPROVED, b)

    base, _, name = database_url.rpartition("/")
    restored_url = f"{base}/{name.removesuffix('_test')}_restored_test"
    databases.recreate(restored_url)
    backup.restore(dump_file, restored_url)
    restored = sa.create_engine(restored_url)
    vhost, uri = infra.create_vhost()
    app = None
    try:
        # the state at the backup, A's answer to be sent again (review had not handled it), C's approval unsent
        assert numbers_of(restored, a) == a_numbers and numbers_of(restored, b) == numbers_of(restored, c) == []
        assert [r.published_at for r in outbox(restored, "numbering", events.CERTIFICATES_NUMBERED, a)] == [None]
        assert [r.published_at for r in outbox(restored, "review", events.REVIEW_APPROVED, c)] == [None]
        assert published(restored, "review", events.REVIEW_APPROVED, a)  # numbering had handled it: not again
        assert outbox(restored, "review", events.REVIEW_APPROVED, b) == []

        # A broker kept from before holds B's approval of the old installation: purged before anything starts.
        publish(uri, "review", events.REVIEW_APPROVED, lost_b_approval.payload)
        until(lambda: infra.queue_depth(vhost, NUMBERING_QUEUE) == 1, what="the stale approval queued")
        assert NUMBERING_QUEUE in backup.purge_queues(uri)
        until(lambda: infra.queue_depth(vhost, NUMBERING_QUEUE) == 0, what="the queue purged")

        with services_on(service_env, restored_url, uri, "restored"):
            app = create_app({"TESTING": True, "DATABASE_URL": restored_url, "AMQP_URI": uri, "RPC_TIMEOUT": 10})
            there = app.test_client()
            managers = {school: login(there, f"{school.lower()}_manager") for school in ("S1", "S2", "S3")}
            until(lambda: status(there, managers["S1"], a) == "numbered", what="A marked numbered (restored)")
            until(lambda: status(there, managers["S3"], c) == "numbered", what="C numbered (restored)")
            assert status(there, managers["S2"], b) == "pending_province"
            approve(there, login(there, "province_reviewer"), b)
            until(lambda: status(there, managers["S2"], b) == "numbered", what="B numbered (restored)")
            shown = {r: there.get(f"/api/v1/reviews/{r}/certificates", headers=m).get_json()
                     for r, m in ((a, managers["S1"]), (b, managers["S2"]), (c, managers["S3"]))}

        certs = certificates(restored)
        # gap-free and never repeated, per stamping unit and year, across the backup
        for unit, count in (("05", 4 + 3), ("90", 2)):
            assert [x.sequence for x in certs if x.unit_code == unit] == list(range(1, count + 1)), unit
        assert len({x.number for x in certs}) == len(certs) == 9
        assert len({x.id_number for x in certs}) == 9 and {x.status for x in certs} == {"valid"}
        with restored.connect() as conn:
            last = dict(conn.execute(sa.text(
                "SELECT unit_code, last FROM numbering.sequences WHERE year = :y"), {"y": YEAR}).all())
        assert last == {"05": 7, "90": 2}
        assert not [p for p in backup.check(restored_url) if f" {YEAR}年" in p]
        # A keeps its numbers; B, approved again after A as before, gets the numbers the lost installation gave it
        assert numbers_of(restored, a) == a_numbers
        assert numbers_of(restored, b) == lost_b_numbers == [f"{YEAR}05{n:05d}" for n in range(5, 8)]
        assert numbers_of(restored, c) == [f"{YEAR}90{n:05d}" for n in range(1, 3)]
        assert {r: [x["number"] for x in shown[r]] for r in shown} == {r: numbers_of(restored, r) for r in shown}

        # every event committed before the backup handled (and those of the season's end), and once
        assert unhandled(restored, [a, b, c]) == {}
        with restored.connect() as conn:
            handled = set(conn.execute(sa.text("SELECT event_id::text FROM review.processed_events "
                                               "WHERE handler = 'review.on_certificates_numbered'")).scalars())
            numbered = conn.execute(sa.text(
                "SELECT review_id::text, count(*) FROM review.history WHERE action = 'numbered' "
                "AND review_id::text = ANY(:ids) GROUP BY review_id"), {"ids": [a, b, c]}).all()
            stale_handled = conn.execute(sa.text("SELECT count(*) FROM numbering.processed_events "
                                                 "WHERE event_id = :e"), {"e": lost_b_approval.event_id}).scalar_one()
        assert a_answer.event_id in handled
        assert dict(numbered) == {a: 1, b: 1, c: 1}
        assert stale_handled == 0
        for review_id in (a, b, c):
            assert len(outbox(restored, "review", events.REVIEW_APPROVED, review_id)) == 1
            assert len(outbox(restored, "numbering", events.CERTIFICATES_NUMBERED, review_id)) == 1
            assert published(restored, "numbering", events.CERTIFICATES_NUMBERED, review_id)
    finally:
        if app is not None:
            app.extensions["rpc"].reset()
            app.extensions["db"].dispose()
        restored.dispose()
        infra.delete_vhost(vhost)
