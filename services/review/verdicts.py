"""Gathering grading's chunk verdicts into the review's graduate list."""
import sqlalchemy as sa
from psycopg2.extras import Json, execute_values
from sqlalchemy.orm import Session

from services.review.tables import graduates, reviews
from services.review.views import load


def apply_chunk(session: Session, payload: dict) -> bool:
    """Store one chunk's verdicts; True when this completed the review's verification.

    The review row is locked first, so chunks of one review are applied one at a time and the
    count of verified rows is exact. Verdicts for an older generation (the list was rebuilt) are
    dropped."""
    review = load(session, payload["review_id"], lock=True)
    if review["generation"] != payload["generation"]:
        return False
    cursor = session.connection().connection.cursor()
    execute_values(cursor, """
        UPDATE review.graduates AS g SET
            graded = true,
            reasons = CASE WHEN g.intake_reasons = '[]'::jsonb AND v.reasons = '[]'::jsonb THEN NULL
                           ELSE g.intake_reasons || v.reasons END,
            verdict = CASE WHEN g.intake_reasons = '[]'::jsonb AND v.qualified THEN 'qualified' ELSE 'unqualified' END,
            scores = CASE WHEN g.intake_reasons = '[]'::jsonb AND v.qualified THEN v.scores END
        FROM (VALUES %s) AS v(review_id, generation, row, qualified, reasons, scores)
        WHERE g.review_id = v.review_id AND g.row = v.row AND g.generation = v.generation""",
        [(review["id"], review["generation"], r["row"], r["qualified"], Json(r["reasons"]), Json(r["scores"]))
         for r in payload["results"]],
        template="(%s::uuid, %s::int, %s::int, %s::boolean, %s::jsonb, %s::jsonb)", page_size=1000)
    verified = session.execute(sa.select(sa.func.count()).select_from(graduates).where(
        graduates.c.review_id == review["id"], graduates.c.graded)).scalar_one()
    session.execute(reviews.update().where(reviews.c.id == review["id"]).values(verified=verified,
                                                                                 updated_at=sa.func.now()))
    return verified >= review["total"] and review["verified"] < review["total"]
