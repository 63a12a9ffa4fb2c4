"""The graduation review: state machine, per-major tables, chain of levels, history, deadlines."""
from services.common import events
from services.common.db import Database
from services.common.entrypoints import event_handler, rpc
from services.common.faults import bug_point
from services.common.handlers import handle_once
from services.common.service import HealthMixin
from services.review import actions, intake, locks, reverification, verdicts, views
from services.review.calendar_entrypoints import CalendarEntrypoints
from services.review.read_entrypoints import ReviewReads
from services.review.view_cache import ReviewViews


class ReviewService(ReviewReads, CalendarEntrypoints, HealthMixin):
    """Here the changes: lists in, actions, verdicts and numbers; the reads and the calendar are mixed in."""
    name = "review"

    db = Database("review", "services.review")
    review_views = ReviewViews()  # one per process: nameko makes a service instance per call

    @rpc
    def create_review(self, request: dict, rows: list[dict]) -> dict:
        """Open (or, with rebuild, replace) a review from a checked graduate list; grading is told."""
        bug_point("review.create_review")  # fault tests: a bug behind a list import, a 500 that names its request
        with self.db.transaction() as session:
            opened = intake.open_review(session, request, rows)
            self._to_grading(session, opened, request["school_code"])
        return {"review_id": opened["review_id"], "generation": opened["generation"]}

    def _to_grading(self, session, generation: dict, school_code: str) -> None:
        """A generation's rows to verify, announced in the transaction that stored them."""
        self.db.add_event(session, events.GRADUATE_LIST_IMPORTED, {
            "review_id": generation["review_id"], "generation": generation["generation"],
            "school_code": school_code, "rows": generation["to_verify"]})

    @rpc
    def reverify_list(self, review_id: str, scope: str, actor: dict) -> dict:
        """重新核验, first half: may `actor` do it now? Then the stored rows to verify again (as a file's
        rows are read) and the review's key fields, for roster to match against the registry."""
        with self.db.transaction() as session:
            return reverification.listed(session, review_id, scope, actor)

    @rpc
    def reverify(self, review_id: str, rows: list[dict], scope: str, actor: dict, generation: int) -> dict:
        """重新核验, second half: the matched rows stored in a new generation and sent to grading, in the
        transaction that judges the request and records it."""
        with self.db.transaction() as session:
            done = reverification.reverify(session, review_id, generation, rows, scope, actor)
            self._to_grading(session, done, done["school_code"])
        return {"review_id": done["review_id"], "generation": done["generation"], "reverified": done["reverified"]}

    @rpc
    def locked_graduates(self, school_code: str, id_numbers: list[str] | None = None,
                         plans: list[list] | None = None) -> dict:
        """Which of these students, and of these course plans ([major_code, cohort]), a review of the
        school submitted to its chain holds, so an import may not change them: {"students": {id_number:
        lock}, "plans": [{major_code, cohort, **lock}]}, a lock {review_id, title, status, status_name}."""
        with self.db.transaction() as session:
            return locks.locked(session, school_code, list(id_numbers or []),
                                [(str(m), int(c)) for m, c in plans or []])

    @rpc
    def act(self, review_id: str, action: str, actor: dict, major_code: str | None = None,
            reason: str | None = None) -> dict:
        """A reviewing action (approve a major, submit, approve, return, …); returns the review."""
        with self.db.transaction() as session:
            announced = actions.act(session, review_id, action, actor, major_code, reason)
            if announced:
                self.db.add_event(session, *announced)
        with self.db.transaction() as session:
            return views.for_actor(self.review_views.get(session, review_id), actor)

    @event_handler("grading", events.CHUNK_VERIFIED, requeue_on_error=True)
    @handle_once("review.on_chunk_verified")
    def on_chunk_verified(self, session, payload: dict) -> None:
        """Gather a chunk's verdicts; the last chunk completes the verification."""
        if verdicts.apply_chunk(session, payload):
            self.db.add_event(session, events.VERIFICATION_COMPLETED, {"review_id": payload["review_id"],
                                                                       "generation": payload["generation"]})

    @event_handler("numbering", events.CERTIFICATES_NUMBERED, requeue_on_error=True)
    @handle_once("review.on_certificates_numbered")
    def on_certificates_numbered(self, session, payload: dict) -> None:
        """Numbers are issued: the school may print; anyone refused a second number is shown why."""
        actions.mark_numbered(session, payload["review_id"], payload["count"], payload.get("refused", []))
