"""The probe services (tests/probe): a sender that commits a note and announces it through the outbox,
a receiver that stores what it handles. The messaging, dead-letter and correlation tests drive them."""
import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ClusterRpcProxy

SENDER = ("tests.probe.sender.service:ProbeSender", "probe_sender", "tests/probe/config.yml")
RECEIVER = ("tests.probe.receiver.service:ProbeReceiver", "probe_receiver", "tests/probe/config.yml")
HANDLER = "probe_receiver.on_note_added"
QUEUE = "evt-probe_sender-note_added--probe_receiver.on_note_added"


@pytest.fixture
def probe_rpc(amqp_uri):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as proxy:
        yield proxy


def received_rows(engine, note_id: int) -> int:
    """How often the receiver stored the note."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM probe_receiver.received WHERE note_id = :n"),
                            {"n": note_id}).scalar_one()


def event_id_of(engine, note_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text(
            "SELECT event_id FROM probe_sender.outbox WHERE (payload->>'note_id')::bigint = :n"), {"n": note_id}
        ).scalar_one())


def unpublished(engine, note_id: int) -> int:
    """The note's event rows the sender's relay has not yet marked published."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM probe_sender.outbox WHERE published_at IS NULL AND (payload->>'note_id')::bigint = :n"
        ), {"n": note_id}).scalar_one()
