"""Certificate numbers and issue dates: gap-free, never doubled."""
import logging

from sqlalchemy.dialects.postgresql import insert

from services.common import events
from services.common.db import Database
from services.common.entrypoints import event_handler, rpc
from services.common.faults import fault_point
from services.common.handlers import handle_once
from services.common.service import HealthMixin
from services.numbering import allocation
from services.numbering.tables import failures

log = logging.getLogger(__name__)


class NumberingService(HealthMixin):
    name = "numbering"

    db = Database("numbering", "services.numbering")

    @event_handler("review", events.REVIEW_APPROVED, requeue_on_error=True)
    @handle_once("numbering.on_review_approved")
    def on_review_approved(self, session, payload: dict) -> None:
        """Numbers for an approved review, once, however often the event comes."""
        try:
            result = allocation.allocate(session, payload)  # a savepoint: running out undoes the reservation
        except allocation.SequenceExhausted as exc:
            log.error("numbering review %s failed: %s", payload["review_id"], exc.message)
            session.execute(insert(failures).values(review_id=payload["review_id"], message=exc.message)
                            .on_conflict_do_nothing())
            return
        fault_point("mid_allocation")  # fault tests: numbers inserted, transaction not committed
        for refusal in result.refused:
            log.warning("review %s: %s (%s) already holds %s; no second number", payload["review_id"],
                        refusal["name"], refusal["id_number"][:6], refusal["holder"]["number"])
        if result.count or result.refused:
            self.db.add_event(session, events.CERTIFICATES_NUMBERED, {
                "review_id": payload["review_id"], "count": result.count,
                "refused": [{k: r[k] for k in ("row", "seq", "name", "reason")} for r in result.refused]})

    @rpc
    def holders(self, id_numbers: list[str]) -> dict[str, dict]:
        """{id_number: {number, school_name, issue_date}} of these people who hold a valid certificate."""
        with self.db.transaction() as session:
            return allocation.holders(session, list(id_numbers))

    @rpc
    def certificates_of_people(self, id_numbers: list[str]) -> dict[str, list[dict]]:
        """{id_number: [{number, review_id, status, issue_date}]}, valid and void, newest first."""
        with self.db.transaction() as session:
            return allocation.of_people(session, list(id_numbers))

    @rpc
    def certificates(self, review_id: str) -> dict:
        with self.db.transaction() as session:
            failure = session.execute(failures.select().where(failures.c.review_id == review_id)).mappings().first()
            return {"certificates": allocation.of_review(session, review_id),
                    "failure": failure["message"] if failure else None}

    @rpc
    def reissue(self, number: str, reason: str, actor: dict) -> dict:
        """Void a number with its reason and issue a new one (a correction)."""
        with self.db.transaction() as session:
            new_number = allocation.reissue(session, number, reason, actor["username"])
        log.info("%s reissued %s as %s: %s", actor["username"], number, new_number, reason)
        return {"number": new_number, "replaces": number}

    @rpc
    def void(self, number: str, reason: str, actor: dict) -> dict:
        """Void a number issued in error; the person may then be listed and numbered again."""
        with self.db.transaction() as session:
            allocation.void(session, number, reason, actor["username"])
        log.info("%s voided %s: %s", actor["username"], number, reason)
        return {"number": number, "status": "void"}

    @rpc
    def verify(self, number: str, name: str) -> dict:
        with self.db.transaction() as session:
            return allocation.verify(session, number, name)
