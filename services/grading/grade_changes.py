"""What a grade import changes, set-based against the staged rows (`incoming_grades`, checked, each
student's registry row in `incoming_students`): a file may hold 200,000 rows, so the rows are compared
in SQL and only the first items of each kind come back to Python.

Key: (身份证号, 课程名称, 学期). Scope: the file's students (a sheet of one class and course: those
students in that course and term); their grades the file lacks are kept. A new or changed grade of
a student whom a review submitted by the school holds is refused."""
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.changes import CAP, KEPT, field, locked_message, student_label, summary
from services.common.idnumber import mask
from services.common.rowerrors import MAX_LISTED, RowErrors

# Only the rows that change: new ones (no stored grade) and changed ones (is_new false).
CHANGES = """
    CREATE TEMP TABLE grade_changes ON COMMIT DROP AS
    SELECT i.row, i.id_number, i.name, i.course, i.term, i.score, i.word, i.m_score, i.m_word,
           g.score AS o_score, g.word AS o_word, g.makeup_score AS o_m_score, g.makeup_word AS o_m_word,
           g.id_number IS NULL AS is_new
    FROM incoming_grades i LEFT JOIN grading.grades g ON g.school_code = :school
         AND g.id_number = i.id_number AND g.course = i.course AND g.term = i.term
    WHERE g.id_number IS NULL OR (g.score, g.word, g.makeup_score, g.makeup_word)
                                 IS DISTINCT FROM (i.score, i.word, i.m_score, i.m_word)"""

# The stored grades of the file's students (in its course and term, for a class sheet) it lacks.
MISSING = """
    CREATE TEMP TABLE grade_missing ON COMMIT DROP AS
    SELECT g.id_number, s.name, g.course, g.term
    FROM grading.grades g JOIN incoming_students s USING (id_number)
    WHERE g.school_code = :school
      AND (CAST(:course AS text) IS NULL OR (g.course = :course AND g.term = CAST(:term AS int)))
      AND NOT EXISTS (SELECT 1 FROM incoming_grades i
                      WHERE i.id_number = g.id_number AND i.course = g.course AND i.term = g.term)"""

# How many grades the file's students hold (a whole sheet's scope).
STORED = """
    SELECT count(*) FROM grading.grades g JOIN incoming_students s USING (id_number) WHERE g.school_code = :school"""

SCORE_CHANGED = "(score, word) IS DISTINCT FROM (o_score, o_word)"


def diff(session: Session, school_code: str, staged: int, scope: dict | None) -> dict:
    """The changes summary; leaves the changing rows in `grade_changes` for `refuse_locked` and store."""
    course, term = (scope or {}).get("课程名称"), (scope or {}).get("学期")
    params = {"school": school_code, "course": course, "term": term}
    session.execute(sa.text(CHANGES), params)
    new, changed = session.execute(sa.text(
        "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new) FROM grade_changes")).one()
    missing = None
    if course is None:
        # A whole sheet: each row holds a different key of a known student (checked before), so its
        # stored grades are the rows' matches (all rows but the new ones) and the missing ones; counting
        # them spares the anti-join of every stored grade against the rows, unless some are missing.
        stored = session.execute(sa.text(STORED), params).scalar_one()
        missing = stored - (staged - new)
    if missing != 0:
        session.execute(sa.text(MISSING), params)
        missing = session.execute(sa.text("SELECT count(*) FROM grade_missing")).scalar_one()
    items = {
        "new": [item(r) for r in _rows(session, "SELECT * FROM grade_changes WHERE is_new ORDER BY row")],
        "changed": [item(r, changed=True)
                    for r in _rows(session, "SELECT * FROM grade_changes WHERE NOT is_new ORDER BY row")],
        "missing": [{"key": key(r), "label": label(r)}
                    for r in _rows(session, "SELECT * FROM grade_missing ORDER BY 1, 3, 4")] if missing else [],
    }
    counts = {"new": new, "changed": changed, "unchanged": staged - new - changed, "missing": missing}
    return summary(counts, items, KEPT)


def _rows(session: Session, sql: str) -> list:
    return session.execute(sa.text(f"{sql} LIMIT {CAP}")).mappings().all()


def key(r) -> dict:
    return {"身份证号": mask(r["id_number"]), "课程名称": r["course"], "学期": r["term"]}


def label(r) -> str:
    """张三（610502********123X）“体育与健康”第2学期"""
    return f"{student_label(r['name'], r['id_number'])}“{r['course']}”第{r['term']}学期"


def item(r, changed: bool = False) -> dict:
    found = {"key": key(r), "label": label(r), "row": r["row"]}
    if changed:
        found["fields"] = [field(column, _grade(r[f"o_{s}"], r[f"o_{w}"]), _grade(r[s], r[w]))
                           for column, s, w in (("成绩", "score", "word"), ("补考成绩", "m_score", "m_word"))
                           if (r[s], r[w]) != (r[f"o_{s}"], r[f"o_{w}"])]
    return found


def _grade(score: object, word: str | None) -> object:
    return word if word is not None else score


def refuse_locked(session: Session, locked_of: Callable[[list[str]], dict[str, dict]], errors: RowErrors) -> None:
    """A row error for each new or changed grade of a student a submitted review holds (unchanged rows
    of such a student pass: clerks re-import whole sheets)."""
    ids = list(session.execute(sa.text("SELECT DISTINCT id_number FROM grade_changes")).scalars())
    locks = locked_of(ids) if ids else {}
    if not locks:
        return
    where = " FROM grade_changes WHERE id_number = ANY (CAST(:ids AS text[]))"
    params = {"ids": list(locks)}
    total = session.execute(sa.text("SELECT count(*)" + where), params).scalar_one()
    rows = session.execute(sa.text(f"SELECT row, id_number, is_new OR {SCORE_CHANGED} AS score_changed"
                                   f"{where} ORDER BY row LIMIT {MAX_LISTED}"), params)
    for row, id_number, score_changed in rows:
        errors.add(row, "成绩" if score_changed else "补考成绩", locked_message(locks[id_number], "该生", "其成绩"))
        total -= 1
    errors.total += total  # the rows past those listed still count
