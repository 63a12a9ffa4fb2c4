"""Graduates past the school: listed in a review the school has submitted to its chain (any state but
draft), so their registry, grades and course plan are no longer the school's to change; the chain
returns the review (退回修改) for that. Once numbers are issued the list is settled: a graduate not
qualified in it is free again (they may be listed in another review), a qualified one stays locked."""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.review import states

LOCKED = """
    FROM review.graduates g JOIN review.reviews r ON r.id = g.review_id
    WHERE r.school_code = :school AND r.status <> :draft
      AND (g.verdict = 'qualified' OR r.status <> ALL (CAST(:settled AS text[])))"""

QUERY = f"""
    (SELECT DISTINCT ON (g.id_number) 'student' AS what, g.id_number, NULL::text AS major_code,
            NULL::int AS cohort, r.id::text AS id, r.year, r.season, r.kind, r.status
     {LOCKED} AND g.id_number = ANY (CAST(:ids AS text[]))
     ORDER BY g.id_number, r.created_at DESC)
    UNION ALL
    (SELECT DISTINCT ON (g.student->>'major_code', (g.student->>'cohort')::int) 'plan', NULL,
            g.student->>'major_code', (g.student->>'cohort')::int, r.id::text, r.year, r.season, r.kind, r.status
     {LOCKED} AND g.student IS NOT NULL
       AND (g.student->>'major_code', (g.student->>'cohort')::int) IN (
           SELECT * FROM unnest(CAST(:majors AS text[]), CAST(:cohorts AS int[])))
     ORDER BY g.student->>'major_code', (g.student->>'cohort')::int, r.created_at DESC)"""


def locked(session: Session, school_code: str, id_numbers: list[str],
           plans: list[tuple[str, int]]) -> dict:
    """{"students": {id_number: lock}, "plans": [{major_code, cohort, **lock}]} for those of these
    students, and of these (major, cohort) plans, that a submitted review of the school holds; a lock
    is {review_id, title, status, status_name}. One statement."""
    found: dict = {"students": {}, "plans": []}
    if not id_numbers and not plans:
        return found
    rows = session.execute(sa.text(QUERY), {
        "school": school_code, "draft": states.DRAFT, "settled": list(states.AFTER_NUMBERING),
        "ids": list(id_numbers), "majors": [str(m) for m, _ in plans], "cohorts": [int(c) for _, c in plans]})
    for r in rows:
        lock = {"review_id": r.id, "title": f"{r.year}年{r.season}{r.kind}", "status": r.status,
                "status_name": states.name_of(r.status)}
        if r.what == "student":
            found["students"][r.id_number] = lock
        else:
            found["plans"].append({"major_code": r.major_code, "cohort": r.cohort, **lock})
    return found
