"""A minimal service that changes state and announces it through the outbox: the messaging tests'
producer. It uses the same Database, outbox and relay as the real services."""
from services.common.db import Database
from services.common.entrypoints import rpc
from services.common.events import SUBSCRIPTIONS, Subscription
from services.common.service import HealthMixin
from tests.probe.sender.tables import notes

SUBSCRIPTIONS.append(Subscription("probe_sender", "note_added", "probe_receiver", "on_note_added"))


class ProbeSender(HealthMixin):
    name = "probe_sender"
    db = Database("probe_sender", "tests.probe.sender")

    @rpc
    def add_note(self, text: str) -> int:
        with self.db.transaction() as session:
            note_id = session.execute(notes.insert().values(text=text).returning(notes.c.id)).scalar_one()
            self.db.add_event(session, "note_added", {"note_id": note_id, "text": text})
        return note_id
