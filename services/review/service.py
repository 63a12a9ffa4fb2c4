"""The graduation review: state machine, per-major tables, chain of levels, history, deadlines."""
import datetime as dt

from services.common import events
from services.common.db import Database
from services.common.entrypoints import event_handler, rpc
from services.common.faults import bug_point
from services.common.handlers import handle_once
from services.common.service import HealthMixin
from services.review import actions, deadlines, intake, locks, machine, reverification, states, verdicts, views
from services.review import search as graduate_search
from services.review import season as season_view
from services.review.view_cache import ReviewViews


class ReviewService(HealthMixin):
    name = "review"

    db = Database("review", "services.review")
    review_views = ReviewViews()  # one per process: nameko makes a service instance per call

    @rpc
    def create_review(self, request: dict, rows: list[dict]) -> dict:
        """Open (or, with rebuild, replace) a review from a checked graduate list; grading is told."""
        bug_point("review.create_review")  # fault tests: a bug behind a list import, a 500 that names its request
        with self.db.transaction() as session:
            opened = intake.open_review(session, request, rows)
            self.db.add_event(session, events.GRADUATE_LIST_IMPORTED, {
                "review_id": opened["review_id"], "generation": opened["generation"],
                "school_code": request["school_code"], "rows": opened["to_verify"],
            })
        return {"review_id": opened["review_id"], "generation": opened["generation"]}

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
            self.db.add_event(session, events.GRADUATE_LIST_IMPORTED, {
                "review_id": done["review_id"], "generation": done["generation"],
                "school_code": done["school_code"], "rows": done["to_verify"],
            })
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

    @rpc
    def get_review(self, review_id: str, actor: dict | None = None) -> dict:
        """The review; with `actor`, also what that user may do now (`actions`) and what blocks (`blocked`)."""
        with self.db.transaction() as session:
            view = self.review_views.get(session, review_id)
        return views.for_actor(view, actor) if actor else view

    @rpc
    def vocabulary(self) -> dict:
        """The names pages show for review states and history actions."""
        return {"states": states.NAMES, "actions": machine.HISTORY_NAMES}

    @rpc
    def summary(self, review_id: str) -> dict:
        with self.db.transaction() as session:
            return views.summary(session, review_id)

    @rpc
    def list_reviews(self, school_codes: list[str], filters: dict) -> list[dict]:
        with self.db.transaction() as session:
            return views.listing(session, school_codes, filters)

    @rpc
    def deadlines(self, school_codes: list[str], today: str | None = None) -> list[dict]:
        """Stamped reviews with their graduation deadline (10 working days), most urgent first."""
        with self.db.transaction() as session:
            day = dt.date.fromisoformat(today) if today else dt.date.today()
            return deadlines.deadline_list(session, school_codes, day)

    @rpc
    def season(self, school_codes: list[str], year: int, season: str, today: str | None = None) -> dict:
        """Every review of these schools for a year and season, in one statement: dashboard state,
        counts, since when, last return, deadline; with the dashboard states in order."""
        with self.db.transaction() as session:
            day = dt.date.fromisoformat(today) if today else dt.date.today()
            found = season_view.season_reviews(session, school_codes, int(year), season, day)
        return {"reviews": found, "states": [{"state": s, "name": n} for s, n in season_view.DASHBOARD_STATES]}

    @rpc
    def search_graduates(self, school_codes: list[str], q: str, limit: int = graduate_search.LIMIT) -> list[dict]:
        """Graduates of these schools' reviews by whole ID number or by name (exact or its start)."""
        with self.db.transaction() as session:
            return graduate_search.search(session, school_codes, q, limit)

    @rpc
    def set_calendar_day(self, day: str, workday: bool, note: str, actor: dict) -> dict:
        """The province adds or corrects a day of the working calendar."""
        with self.db.transaction() as session:
            deadlines.set_day(session, dt.date.fromisoformat(day), workday, note, actor["username"])
        return {"day": day, "workday": workday, "note": note}

    @rpc
    def calendar_days(self, year: int) -> list[dict]:
        """The province's added or corrected days of a year [{date, workday, note, by, at}]."""
        with self.db.transaction() as session:
            return deadlines.days_of_year(session, int(year))

    @rpc
    def delete_calendar_day(self, day: str) -> dict:
        """Remove the province's correction of a day, so the public calendar holds; 404 if there is none."""
        with self.db.transaction() as session:
            return deadlines.delete_day(session, dt.date.fromisoformat(day))

    @rpc
    def major_table(self, review_id: str, major_code: str) -> dict:
        with self.db.transaction() as session:
            return views.major_table(session, review_id, major_code)

    @rpc
    def graduate(self, review_id: str, row: int) -> dict:
        with self.db.transaction() as session:
            return views.graduate(session, review_id, row)

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
