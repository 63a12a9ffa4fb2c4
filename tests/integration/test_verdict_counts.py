"""A review's counts of qualified and unqualified graduates, kept by the statement triggers on
review.graduates (review migration 0012): every kind of statement, straight into the schema."""

import pytest
import sqlalchemy as sa

from tests.support.reviews import insert_draft
from tests.support.verdict_counts import mismatched_counts

GRADUATE = """
    INSERT INTO review.graduates (review_id, row, generation, seq, name, id_number, intake_reasons, verdict, graded)
    SELECT :id, row, 1, row, '学生' || row, '6105022008010' || lpad(row::text, 4, '0') || 'X', '[]', verdict,
           verdict IS NOT NULL
    FROM unnest(CAST(:rows AS int[]), CAST(:verdicts AS text[])) AS v(row, verdict)"""


def make_review(engine, verdicts: list[str | None]) -> str:
    """A review whose rows 2, 3, … hold these verdicts (None: not yet verified), in one statement."""
    with engine.begin() as conn:
        rid = insert_draft(conn, "VN", "计数学校", 2091, total=len(verdicts), verified=0)
        conn.execute(sa.text(GRADUATE), {"id": rid, "rows": list(range(2, 2 + len(verdicts))), "verdicts": verdicts})
    return rid


def counts(engine, review_id: str) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text("SELECT qualified, unqualified, version FROM review.reviews WHERE id = :id"),
                                  {"id": review_id}).one())


@pytest.fixture
def review_id(stack, engine):
    return make_review(engine, ["qualified", "qualified", "unqualified", None])


def test_an_inserted_list_is_counted(engine, review_id):
    assert counts(engine, review_id)[:2] == (2, 1)


STATEMENTS = {
    "verdicts given": ("UPDATE review.graduates SET verdict = 'qualified', graded = true "
                       "WHERE review_id = :id AND verdict IS NULL", (3, 1)),
    "a qualified graduate refused": ("UPDATE review.graduates SET verdict = 'unqualified' "
                                     "WHERE review_id = :id AND row = 2", (1, 2)),
    "verdicts cleared for 重新核验": ("UPDATE review.graduates SET verdict = NULL, graded = false "
                                   "WHERE review_id = :id AND row IN (2, 4)", (1, 0)),
    "rows removed": ("DELETE FROM review.graduates WHERE review_id = :id AND row IN (3, 4)", (1, 0)),
    "the list replaced": ("DELETE FROM review.graduates WHERE review_id = :id", (0, 0)),
    "a verdict-free update": ("UPDATE review.graduates SET generation = 2 WHERE review_id = :id", (2, 1)),
}


@pytest.mark.parametrize("statement", STATEMENTS)
def test_each_statement_moves_the_counts_and_the_version(engine, review_id, statement):
    sql, expected = STATEMENTS[statement]
    version = counts(engine, review_id)[2]
    with engine.begin() as conn:
        conn.execute(sa.text(sql), {"id": review_id})
    qualified, unqualified, now = counts(engine, review_id)
    assert (qualified, unqualified) == expected
    assert now == version + 1, "the review's version moves once per statement, as before the counts"


def test_one_statement_over_several_reviews_counts_each(engine, stack):
    first, second = make_review(engine, ["qualified", None]), make_review(engine, [None, None, "unqualified"])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE review.graduates SET verdict = 'qualified' "
                             "WHERE review_id IN (:a, :b) AND verdict IS NULL"), {"a": first, "b": second})
    assert counts(engine, first)[:2] == (2, 0)
    assert counts(engine, second)[:2] == (2, 1)


def test_a_rolled_back_statement_leaves_the_counts(engine, review_id):
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE review.graduates SET verdict = 'qualified' WHERE review_id = :id"),
                         {"id": review_id})
            conn.execute(sa.text(GRADUATE), {"id": review_id, "rows": [2], "verdicts": ["qualified"]})  # row 2 again
    assert counts(engine, review_id)[:2] == (2, 1)
    assert not [m for m in mismatched_counts(engine) if m[0] == review_id]
