"""Review views remembered by version: a review page is read far more often than it changes.

`reviews.version` is bumped by triggers on every change to a review, its graduates, approvals
or history (migration 0005), so a remembered view is current exactly when its version is the
review's version now. The view is stored under the version its own first read saw: if a change
committed while it was built, the stored version is already behind and it is never served.
"""
from collections import OrderedDict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common import engines, records
from services.common.errors import NotFound
from services.review.tables import reviews
from services.review.views import load, view_of

CAPACITY = 500
VERSION = sa.select(reviews.c.version).where(reviews.c.id == sa.bindparam("review_id"))


class ReviewViews:
    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self._views: OrderedDict[str, dict] = OrderedDict()

    def current(self, engine: sa.Engine, review_id: str) -> dict | None:
        """The remembered view if it is still current, else None; its version is read with one
        statement outside any transaction (no BEGIN and COMMIT: a page read is mostly this)."""
        if review_id not in self._views:
            return None
        with engines.outside_transaction(engine) as conn:
            version = conn.execute(VERSION, {"review_id": review_id}).scalar()
        return self._remembered(review_id, version)

    def get(self, session: Session, review_id: str) -> dict:
        version = None
        if records.is_uuid(review_id):
            version = session.execute(VERSION, {"review_id": review_id}).scalar()
        if version is None:
            raise NotFound("找不到该毕业审核")
        remembered = self._remembered(review_id, version)
        if remembered is not None:
            return remembered
        review = load(session, review_id)
        view = view_of(session, review)
        self._views[review_id] = {"version": review["version"], "view": view}
        self._views.move_to_end(review_id)
        while len(self._views) > self.capacity:
            self._views.popitem(last=False)
        return view

    def _remembered(self, review_id: str, version: int | None) -> dict | None:
        """The view remembered at this version (now the most recently used), else None."""
        cached = self._views.get(review_id)
        if cached is None or cached["version"] != version:
            return None
        self._views.move_to_end(review_id)
        return cached["view"]
