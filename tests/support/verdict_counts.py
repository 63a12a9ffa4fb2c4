"""Whether every review's kept counts (reviews.qualified, unqualified) equal its graduates' verdicts."""
import sqlalchemy as sa

MISMATCHES = sa.text("""
    SELECT r.id, r.qualified, r.unqualified, coalesce(g.q, 0) AS listed_qualified,
           coalesce(g.u, 0) AS listed_unqualified
    FROM review.reviews r
    LEFT JOIN (SELECT review_id, count(*) FILTER (WHERE verdict = 'qualified') AS q,
                      count(*) FILTER (WHERE verdict = 'unqualified') AS u
               FROM review.graduates GROUP BY review_id) g ON g.review_id = r.id
    WHERE (r.qualified, r.unqualified) <> (coalesce(g.q, 0), coalesce(g.u, 0))""")


def mismatched_counts(engine: sa.Engine) -> list:
    """The reviews whose kept counts differ from their list: [] when every one agrees."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(MISMATCHES)]
