"""Nothing spins forever: an event its handler fails on every time (a bug: FAULTS=bug:<handler>) stops after
the queue's delivery limit and waits in the dead-letter queue beside the error the handler recorded; after the
fix it is replayed through the gateway and handled exactly once. A transient failure (FAULTS=outage:<handler>)
is retried past that limit without being dead-lettered. A domain error given up on is listed too. The probe
services of tests/probe, real processes, on the session's database and virtual host; the page is
tests/browser/test_messages_page.py."""
import pytest
import sqlalchemy as sa

from services.common import queues
from tests.support.gateway import ADMIN, login
from tests.support.probe import HANDLER, QUEUE, RECEIVER, SENDER, event_id_of, received_rows
from tests.support.wait import until

FAST = {"EVENT_RETRY_BACKOFF_SECONDS": "0.002"}  # the pauses between tries, short for the test


@pytest.fixture
def admin(client, province, app, monkeypatch):
    """The province admin's headers; the gateway asks the probe receiver for its failures too."""
    monkeypatch.setitem(app.config, "EVENT_SERVICES", ["probe_receiver"])
    return login(client, *ADMIN)


def failure_row(engine, event_id: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM probe_receiver.event_failures WHERE event_id = :e AND handler = :h"),
                           {"e": event_id, "h": HANDLER}).mappings().first()
    return dict(row) if row else None


def dead_letter(client, headers, event_id: str) -> dict | None:
    r = client.get("/api/v1/dead-letters", headers=headers)
    assert r.status_code == 200, r.get_json()
    return next((m for m in r.get_json()["messages"] if m["event_id"] == event_id), None)


def test_a_bug_stops_at_the_delivery_limit_in_the_dead_letter_queue_and_is_replayed_once_after_the_fix(
        spawn, probe_rpc, engine, client, admin, app):
    receiver = spawn(*RECEIVER, label="receiver-bug", extra_env={"FAULTS": f"bug:{HANDLER}", **FAST})
    spawn(*SENDER)
    note_id = probe_rpc.probe_sender.add_note("a handler with a bug")
    event_id = event_id_of(engine, note_id)

    dead = until(lambda: dead_letter(client, admin, event_id), what="the event in the dead-letter queue")
    assert (dead["queue"], dead["handler"], dead["event_type"], dead["reason"]) == (
        QUEUE, HANDLER, "note_added", "delivery_limit")
    assert dead["replayable"] and dead["payload"]["note_id"] == note_id
    failure = dead["failure"]
    assert failure["attempts"] == queues.DELIVERY_LIMIT + 1, "tried once, then once per allowed redelivery"
    assert "InjectedBug" in failure["last_error"] and failure["outcome"] == "retrying"
    assert failure["first_failed_at"] <= failure["last_failed_at"]
    assert received_rows(engine, note_id) == 0
    # the row and the dead message meet by event id; the row counts every try, and there were no more
    assert failure_row(engine, event_id)["attempts"] == queues.DELIVERY_LIMIT + 1

    # replaying before the fix is allowed, but an RPC request or a message that is not there is refused
    r = client.post("/api/v1/dead-letters/replay", headers=admin, json={"queue": QUEUE, "message_id": "nope"})
    assert r.status_code == 404, r.get_json()
    r = client.post("/api/v1/dead-letters/replay", headers=admin, json={"queue": "rpc-roster", "message_id": "x"})
    assert r.status_code == 409, r.get_json()
    school = login(client, "s1_manager")
    assert client.get("/api/v1/dead-letters", headers=school).status_code == 403

    receiver.stop()
    spawn(*RECEIVER, label="receiver-fixed")  # the fix deployed
    r = client.post("/api/v1/dead-letters/replay", headers=admin, json={"queue": QUEUE, "message_id": event_id})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["replayed"]["event_id"] == event_id
    until(lambda: received_rows(engine, note_id) == 1, what="the replayed event handled")
    until(lambda: failure_row(engine, event_id)["outcome"] == "handled", what="its failure row closed")
    assert dead_letter(client, admin, event_id) is None
    r = client.post("/api/v1/dead-letters/replay", headers=admin, json={"queue": QUEUE, "message_id": event_id})
    assert r.status_code == 404, "replayed once: no longer in the dead-letter queue"
    after = probe_rpc.probe_sender.add_note("the next one")
    until(lambda: received_rows(engine, after) == 1, what="a later event handled")
    assert received_rows(engine, note_id) == 1, "handled exactly once"

    audit = client.get(f"/api/v1/audit?action=message.&target={event_id}", headers=admin).get_json()["entries"]
    assert [(e["action"], e["username"], e["details"]["handler"]) for e in audit] == [
        ("message.replay", ADMIN[0], HANDLER)]


def test_a_dead_message_can_be_discarded(spawn, probe_rpc, engine, client, admin):
    spawn(*RECEIVER, label="receiver-bug", extra_env={"FAULTS": f"bug:{HANDLER}", **FAST})
    spawn(*SENDER)
    note_id = probe_rpc.probe_sender.add_note("nobody needs this one")
    event_id = event_id_of(engine, note_id)
    until(lambda: dead_letter(client, admin, event_id), what="the event in the dead-letter queue")
    r = client.post("/api/v1/dead-letters/discard", headers=admin, json={"queue": QUEUE, "message_id": event_id})
    assert r.status_code == 200, r.get_json()
    assert dead_letter(client, admin, event_id) is None
    assert received_rows(engine, note_id) == 0
    assert failure_row(engine, event_id)["outcome"] == "discarded", "no longer listed as retrying"
    retrying = client.get("/api/v1/event-failures?outcome=retrying", headers=admin).get_json()["failures"]
    assert event_id not in {f["event_id"] for f in retrying}
    audit = client.get(f"/api/v1/audit?action=message.discard&target={event_id}", headers=admin).get_json()
    assert len(audit["entries"]) == 1


def test_a_transient_failure_is_retried_past_the_delivery_limit_without_being_dead_lettered(
        spawn, probe_rpc, engine, client, admin):
    receiver = spawn(*RECEIVER, label="receiver-outage", extra_env={"FAULTS": f"outage:{HANDLER}", **FAST})
    spawn(*SENDER)
    note_id = probe_rpc.probe_sender.add_note("the database is away for a while")
    event_id = event_id_of(engine, note_id)
    beyond = queues.DELIVERY_LIMIT + 3
    until(lambda: (failure_row(engine, event_id) or {}).get("attempts", 0) >= beyond, timeout=90,
          what=f"{beyond} tries of the event")
    row = failure_row(engine, event_id)
    assert "InjectedOutage" in row["last_error"] and row["outcome"] == "retrying"
    assert dead_letter(client, admin, event_id) is None, "an outage does not use up the deliveries"
    retrying = client.get("/api/v1/event-failures?outcome=retrying", headers=admin).get_json()["failures"]
    assert event_id in {f["event_id"] for f in retrying}

    receiver.stop()
    spawn(*RECEIVER, label="receiver-back")  # the database is back
    until(lambda: received_rows(engine, note_id) == 1, what="the event handled once the outage is over")
    assert failure_row(engine, event_id)["outcome"] == "handled"
    assert dead_letter(client, admin, event_id) is None


def test_a_domain_error_given_up_on_is_listed_and_not_dead_lettered(spawn, probe_rpc, engine, client, admin):
    spawn(*RECEIVER)
    spawn(*SENDER)
    note_id = probe_rpc.probe_sender.add_note("poison")  # the receiver raises NotFound: a domain error
    event_id = event_id_of(engine, note_id)

    def listed():
        r = client.get("/api/v1/event-failures?outcome=gave_up", headers=admin)
        assert r.status_code == 200, r.get_json()
        return next((f for f in r.get_json()["failures"] if f["event_id"] == event_id), None)
    failure = until(listed, what="the domain error listed")
    assert (failure["handler"], failure["event_type"], failure["service"]) == (HANDLER, "note_added", "probe_receiver")
    assert failure["last_error"] == "这条记录不存在" and failure["attempts"] == 1
    assert failure["payload"]["text"] == "poison"
    assert dead_letter(client, admin, event_id) is None


def test_the_api_is_described(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert paths["/api/v1/dead-letters"]["get"]["responses"]["200"]["content"]
    assert {p["name"] for p in paths["/api/v1/event-failures"]["get"]["parameters"]} == {"outcome", "limit"}
    replay = paths["/api/v1/dead-letters/replay"]["post"]
    assert replay["requestBody"]["content"]["application/json"]["schema"]["required"] == ["queue", "message_id"]
    assert {"404", "409"} <= set(replay["responses"])
    assert "discard" in paths["/api/v1/dead-letters/discard"]["post"]["operationId"]
    assert {"DeadLetter", "EventFailure"} <= set(spec["components"]["schemas"])
