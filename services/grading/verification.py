"""Verifying a review's list in chunks that any grading worker may take.

A list is cut into chunks of at most CHUNK_SIZE students (the service's config), as even as they
can be; each chunk is announced as its own event, so the grading processes on the broker share the
work as competing consumers. A chunk is verified with one set-based query and the engine's wording
(sql_verify).
"""
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.metrics import after_commit
from services.grading import engine, plans, sql_verify
from services.grading.metrics import CHUNK_SECONDS, STUDENTS_VERIFIED
from services.grading.tables import chunks, grades

CHUNK_SIZE = 1000


def cut(session: Session, review_id: str, generation: int, school_code: str, students: list[dict],
        size: int = CHUNK_SIZE) -> list[int]:
    """Store the chunks of a list; returns their numbers. A school's list of up to `size` students is
    one chunk, one statement and one event each way: the work per chunk (the query's set-up, the
    events, the review's write) is paid once, and the chunks of a larger list are even (1,001
    students: 501 and 500), so each worker taking one finishes at the same time."""
    if not students:  # nobody on the list was found in the registry: nothing for grading
        return []
    count = -(-len(students) // size)
    bounds = [len(students) * k // count for k in range(count + 1)]
    for chunk_no in range(count):
        session.execute(chunks.insert().values(
            review_id=review_id, generation=generation, chunk_no=chunk_no, school_code=school_code,
            students=students[bounds[chunk_no]:bounds[chunk_no + 1]]))
    return list(range(count))


def load_grades(session: Session, school_code: str, id_numbers: list[str]) -> dict[str, dict]:
    """Every grade of these students, in one query: {id_number: {(course, term): Grade}}."""
    result: dict[str, dict] = {i: {} for i in id_numbers}
    rows = session.execute(
        sa.select(grades.c.id_number, grades.c.course, grades.c.term, grades.c.score, grades.c.word,
                  grades.c.makeup_score, grades.c.makeup_word)
        .where(grades.c.school_code == school_code, grades.c.id_number.in_(id_numbers))
    )
    for r in rows:
        result[r.id_number][(r.course, r.term)] = engine.Grade(
            None if r.score is None else float(r.score), r.word,
            None if r.makeup_score is None else float(r.makeup_score), r.makeup_word)
    return result


def verify_chunk(session: Session, review_id: str, generation: int, chunk_no: int) -> list[dict] | None:
    """The verdicts of one chunk (None if the chunk is gone: its list was rebuilt)."""
    started = time.perf_counter()
    chunk = session.execute(sa.select(chunks).where(
        chunks.c.review_id == review_id, chunks.c.generation == generation, chunks.c.chunk_no == chunk_no,
    )).mappings().first()
    if chunk is None:
        return None
    results = sql_verify.verify_students(session, chunk["school_code"], chunk["students"])
    CHUNK_SECONDS.observe(time.perf_counter() - started)
    return results


def student_detail(session: Session, school_code: str, id_number: str, major_code: str, cohort: int) -> list[dict]:
    """Every planned course-term of a student with the grade held for it (the 'detail grades' view)."""
    plan = plans.load(session, school_code, {(major_code, cohort)}).get((major_code, cohort), [])
    held = load_grades(session, school_code, [id_number])[id_number]
    detail = []
    for item in sorted(plan, key=lambda p: (p.term, p.category, p.course)):
        grade = held.get((item.course, item.term))
        passed, value = engine.effective(grade) if grade else (False, None)
        detail.append({
            "course": item.course, "category": item.category, "term": item.term, "hours": item.hours,
            "score": grade.score if grade else None, "word": grade.word if grade else None,
            "makeup_score": grade.makeup_score if grade else None, "makeup_word": grade.makeup_word if grade else None,
            "passed": passed, "value": value,
        })
    return detail


def mark_verified(session: Session, chunk: dict, results: list[dict], worker: str) -> None:
    session.execute(chunks.update().where(
        chunks.c.review_id == chunk["review_id"], chunks.c.generation == chunk["generation"],
        chunks.c.chunk_no == chunk["chunk_no"],
    ).values(verdicts=len(results), verified_by=worker, verified_at=sa.func.now(),
             times_verified=chunks.c.times_verified + 1))
    after_commit(session, lambda: STUDENTS_VERIFIED.inc(len(results)))
