"""A review's chunk verdicts, applied by the review service side by side: counted once each, and the
review completed exactly once, however the chunks arrive (all at once, twice, after a rebuild)."""
import uuid

import pytest
import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher

from services.common import events
from tests.support.wait import until

ROWS, CHUNK = 60, 6  # ten chunks


@pytest.fixture
def review(engine, stack) -> str:
    """A review of ROWS graduates (rows 2..) waiting for grading's verdicts, written straight to the
    review's tables: no list import, so grading sends nothing of its own."""
    review_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(sa.text("""
            INSERT INTO review.reviews (id, school_code, school_name, year, season, kind, status, generation,
                                        chain, total, verified)
            VALUES (:id, :school, '核验计数学校', 2096, '夏季', '正常验印', 'draft', 1, '[]', :n, 0)"""),
            {"id": review_id, "school": f"VD{review_id[:6]}", "n": ROWS})
        conn.execute(sa.text("""
            INSERT INTO review.graduates (review_id, row, generation, seq, name, id_number, student,
                                          intake_reasons, graded)
            SELECT :id, r, 1, r, '学生' || r, :id || '-' || r, '{}'::jsonb, '[]'::jsonb, false
              FROM generate_series(2, :last) AS r"""), {"id": review_id, "last": ROWS + 1})
    return review_id


def chunk_verified(review_id: str, chunk_no: int, generation: int = 1) -> dict:
    rows = range(2 + chunk_no * CHUNK, 2 + (chunk_no + 1) * CHUNK)
    scores = {"categories": {"公共基础课": 80.0}, "overall": 80.0, "overall_grade": "良好", "conduct_grade": "良好",
              "internship_grade": "合格"}
    results = [{"row": r, "qualified": r % 7 != 0, "reasons": [] if r % 7 else ["“语文”第1学期不及格"],
                "scores": scores if r % 7 else None} for r in rows]
    payload = events.stamped(events.CHUNK_VERIFIED, {"review_id": review_id, "generation": generation,
                                                    "chunk_no": chunk_no, "results": results})
    return {**payload, "event_id": str(uuid.uuid4())}


def state(engine, review_id: str) -> dict:
    with engine.connect() as conn:
        return conn.execute(sa.text("""
            SELECT r.verified, r.total,
                   (SELECT count(*) FROM review.graduates g WHERE g.review_id = r.id AND g.graded) AS graded,
                   (SELECT count(*) FROM review.graduates g WHERE g.review_id = r.id AND g.verdict = 'unqualified')
                       AS unqualified,
                   (SELECT count(*) FROM review.outbox o WHERE o.event_type = :completed
                       AND o.payload->>'review_id' = CAST(r.id AS text)) AS completions
              FROM review.reviews r WHERE r.id = :id"""),
            {"id": review_id, "completed": events.VERIFICATION_COMPLETED}).mappings().one()


def test_chunks_arriving_together_and_twice_count_once_and_complete_once(review, engine, amqp_uri):
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    chunks = list(range(ROWS // CHUNK))
    # every chunk, and half of them again as new events (a chunk verified twice by grading)
    sent = [chunk_verified(review, chunk_no) for chunk_no in chunks + chunks[::2]]
    for payload in sent:
        dispatch("grading", events.CHUNK_VERIFIED, payload)
    until(lambda: state(engine, review)["completions"] == 1, what="the review's verification completed")
    until(lambda: handled(engine, sent) == len(sent), what="every delivery handled")
    found = state(engine, review)
    assert (found["verified"], found["graded"], found["completions"]) == (ROWS, ROWS, 1)
    assert found["unqualified"] == len([r for r in range(2, ROWS + 2) if r % 7 == 0])


def test_verdicts_of_an_older_generation_change_nothing(review, engine, amqp_uri):
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE review.reviews SET generation = 2 WHERE id = :id"), {"id": review})
        conn.execute(sa.text("UPDATE review.graduates SET generation = 2 WHERE review_id = :id"), {"id": review})
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    sent = [chunk_verified(review, 0, generation=1), chunk_verified(review, 1, generation=2)]
    for payload in sent:
        dispatch("grading", events.CHUNK_VERIFIED, payload)
    until(lambda: state(engine, review)["graded"] == CHUNK, what="the current generation's chunk applied")
    until(lambda: handled(engine, sent) == 2, what="both deliveries handled")
    assert state(engine, review)["verified"] == CHUNK


def handled(engine, sent: list[dict]) -> int:
    """How many of these CHUNK_VERIFIED events the review service has recorded as handled."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM review.processed_events WHERE handler = 'review.on_chunk_verified' "
            "AND CAST(event_id AS text) = ANY(:ids)"), {"ids": [p["event_id"] for p in sent]}).scalar_one()

