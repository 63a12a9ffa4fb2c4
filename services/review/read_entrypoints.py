"""The review service's reading entry points: a review, its tables and graduates, lists and search.
Mixed into ReviewService (services.review.service), whose `db` and `review_views` they use."""
import datetime as dt

from services.common.db import Database
from services.common.entrypoints import rpc
from services.review import machine, states, views
from services.review import search as graduate_search
from services.review import season as season_view
from services.review.view_cache import ReviewViews


class ReviewReads:
    db: Database
    review_views: ReviewViews

    @rpc
    def get_review(self, review_id: str, actor: dict | None = None) -> dict:
        """The review; with `actor`, also what that user may do now (`actions`) and what blocks (`blocked`)."""
        view = self.review_views.current(self.db.engine, review_id)
        if view is None:
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
    def major_table(self, review_id: str, major_code: str) -> dict:
        with self.db.transaction() as session:
            return views.major_table(session, review_id, major_code)

    @rpc
    def graduate(self, review_id: str, row: int) -> dict:
        with self.db.transaction() as session:
            return views.graduate(session, review_id, row)
