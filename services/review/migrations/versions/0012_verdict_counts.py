"""Each review keeps how many of its graduates are qualified and unqualified, so a season's dashboard
reads them from the reviews alone. Counting the graduates per request cost about 0.1 ms a review on a
vacuumed table (an index-only scan), and six times that while their pages awaited a vacuum, as they do
through a season of verdicts (300 schools: 30 ms, then 181 ms; 7 ms now).

The statement triggers of 0005 on review.graduates, which bump the review's version, now also add
what the statement changed to the counts, in the same UPDATE of the same review rows: no statement
updates a review row more often than before.

Revision ID: 0012
"""
from alembic import op

revision = "0012"
down_revision = "0011"

EVENTS = (("INSERT", "NEW TABLE AS added"), ("UPDATE", "OLD TABLE AS removed NEW TABLE AS added"),
          ("DELETE", "OLD TABLE AS removed"))
COUNTS = """count(*) FILTER (WHERE verdict = 'qualified'), count(*) FILTER (WHERE verdict = 'unqualified')"""


def upgrade() -> None:
    # a new database has the columns already (0002 creates the tables as tables.py holds them now)
    op.execute("ALTER TABLE review.reviews ADD COLUMN IF NOT EXISTS qualified integer NOT NULL DEFAULT 0, "
               "ADD COLUMN IF NOT EXISTS unqualified integer NOT NULL DEFAULT 0")
    op.execute(f"""
        UPDATE review.reviews r SET qualified = c.q, unqualified = c.u
        FROM (SELECT review_id, {COUNTS} FROM review.graduates GROUP BY review_id) AS c(review_id, q, u)
        WHERE r.id = c.review_id""")
    # The rows a statement added count up, the rows it removed count down (an update does both); a
    # transition table a branch does not read need not exist, since PL/pgSQL plans a query when it runs.
    op.execute(f"""
        CREATE OR REPLACE FUNCTION review.count_verdicts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                UPDATE review.reviews r SET qualified = r.qualified + d.q, unqualified = r.unqualified + d.u
                FROM (SELECT review_id, {COUNTS} FROM added GROUP BY review_id) AS d(review_id, q, u)
                WHERE r.id = d.review_id;
            ELSIF TG_OP = 'DELETE' THEN
                UPDATE review.reviews r SET qualified = r.qualified - d.q, unqualified = r.unqualified - d.u
                FROM (SELECT review_id, {COUNTS} FROM removed GROUP BY review_id) AS d(review_id, q, u)
                WHERE r.id = d.review_id;
            ELSE
                UPDATE review.reviews r SET qualified = r.qualified + d.q, unqualified = r.unqualified + d.u
                FROM (SELECT review_id, sum(q)::int, sum(u)::int FROM (
                          SELECT review_id, {COUNTS} FROM added GROUP BY review_id
                          UNION ALL
                          SELECT review_id, -count(*) FILTER (WHERE verdict = 'qualified'),
                                 -count(*) FILTER (WHERE verdict = 'unqualified') FROM removed GROUP BY review_id
                      ) AS x(review_id, q, u) GROUP BY review_id) AS d(review_id, q, u)
                WHERE r.id = d.review_id;
            END IF;
            RETURN NULL;
        END $$""")
    for event, transitions in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS graduates_{event.lower()}_bumps_version ON review.graduates")
        op.execute(f"""CREATE TRIGGER graduates_{event.lower()}_counts_verdicts AFTER {event} ON review.graduates
                       REFERENCING {transitions} FOR EACH STATEMENT EXECUTE FUNCTION review.count_verdicts()""")


def downgrade() -> None:
    for event, _ in EVENTS:
        op.execute(f"DROP TRIGGER graduates_{event.lower()}_counts_verdicts ON review.graduates")
        op.execute(f"""CREATE TRIGGER graduates_{event.lower()}_bumps_version AFTER {event} ON review.graduates
                       REFERENCING {"OLD" if event == "DELETE" else "NEW"} TABLE AS changed
                       FOR EACH STATEMENT EXECUTE FUNCTION review.bump_version_of_changed()""")
    op.execute("DROP FUNCTION review.count_verdicts()")
    op.execute("ALTER TABLE review.reviews DROP COLUMN qualified, DROP COLUMN unqualified")
