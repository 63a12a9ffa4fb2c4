"""The messaging tests' consumer: records every note event it handles, through handle_once."""
import sqlalchemy as sa

from services.common.db import Database
from services.common.entrypoints import event_handler, rpc
from services.common.errors import NotFound
from services.common.handlers import handle_once
from services.common.service import HealthMixin
from tests.probe.receiver.tables import received


class ProbeReceiver(HealthMixin):
    name = "probe_receiver"
    db = Database("probe_receiver", "tests.probe.receiver")

    @event_handler("probe_sender", "note_added", requeue_on_error=True)
    @handle_once("probe_receiver.on_note_added")
    def on_note_added(self, session, payload: dict) -> None:
        if payload["text"] == "poison":  # a domain error: it would fail the same way on every delivery
            raise NotFound("这条记录不存在")
        session.execute(received.insert().values(note_id=payload["note_id"], event_id=payload["event_id"]))

    @rpc
    def received(self) -> list[int]:
        with self.db.transaction() as session:
            return list(session.execute(sa.select(received.c.note_id).order_by(received.c.id)).scalars())
