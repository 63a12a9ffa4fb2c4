"""Who changed verdict at the last 重新核验 (the review view's `changed`); no ID numbers."""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.review.tables import graduates

BEFORE = graduates.c.previous["verdict"].astext


def changed_rows(session: Session, review_id: str) -> list[dict]:
    """Rows verified again whose verdict, once graded, differs from the one before, in list order.
    `reasons` says why the row is or was unqualified: the reasons now if it became unqualified, the
    reasons before if it became qualified."""
    rows = session.execute(
        sa.select(graduates.c.row, graduates.c.name, graduates.c.verdict, graduates.c.reasons,
                  graduates.c.previous)
        .where(graduates.c.review_id == review_id, graduates.c.previous.isnot(None), graduates.c.graded,
               graduates.c.verdict.isnot(None), graduates.c.verdict != BEFORE)
        .order_by(graduates.c.seq)).mappings()
    return [{"row": r["row"], "name": r["name"], "from": r["previous"]["verdict"], "to": r["verdict"],
             "reasons": (r["reasons"] if r["verdict"] == "unqualified" else r["previous"]["reasons"]) or []}
            for r in rows]
