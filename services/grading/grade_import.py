"""Grade import, three ways (the provincial guide's): one long sheet for the school, one sheet per
class and course (course and term given with the upload), or records through the API.

Every way goes through the same checks, and a file with any error stores nothing. Rows stream:
each row's cells are checked as it is read and the good ones go into a temporary table by one COPY
that reads them as they are checked; the checks that need the registry and the plan (unknown
student, name, course outside the plan, duplicates) then run as a few set-based queries, so memory
stays flat however large the file.
"""
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common import cells, vocab
from services.common.copy import copy_rows
from services.common.rowerrors import RowErrors
from services.common.rows import RowReader
from services.common.sheets import open_table, unusable
from services.grading import grade_changes

LONG_SHEET = ["身份证号", "姓名", "课程名称", "学期", "成绩"]
CLASS_SHEET = ["身份证号", "姓名", "成绩"]
OPTIONAL = ("补考成绩", "课程名称", "学期")
BATCH = 5000


def score(raw: object) -> tuple[float | None, str | None]:
    """A score 0–100 or a grade word, as (score, word)."""
    value = "".join(cells.text(raw).split())
    if value in vocab.GRADE_WORDS:
        return None, value
    try:
        number = float(value)
    except ValueError:
        raise cells.CellError(f"成绩“{value}”无法识别：应为0-100的分数，或{'/'.join(vocab.GRADE_WORDS)}") from None
    if not 0 <= number <= 100:
        raise cells.CellError(f"成绩“{value}”超出0-100的范围")
    return round(number, 1), None


COLUMNS = [("身份证号", cells.id_number, ()), ("姓名", cells.name, ()), ("课程名称", cells.required, ()),
           ("学期", cells.integer, (1, 6, "学期")), ("成绩", score, ()), ("补考成绩", cells.optional, (score,))]


def batches(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class GradeRows:
    """Rows to import: lists indexed through `columns` (a file) or dicts by header (API records);
    `defaults` fill empty cells."""
    rows: Iterable[tuple[int, list | dict]]
    columns: dict[str, int] | None = None
    defaults: dict[str, object] | None = None
    ignored: list[str] = field(default_factory=list)  # headers of the file's columns not imported


def read_file(path: str, filename: str, course: str | None, term: int | None) -> GradeRows:
    """The rows of a grade file; a sheet per class and course takes `course` and `term` from the upload."""
    table = open_table(path, filename, CLASS_SHEET if course else LONG_SHEET, OPTIONAL)
    defaults = {"课程名称": course, "学期": term} if course else None
    return GradeRows(table.rows, table.columns, defaults, table.ignored)


def stage_rows(session: Session, grade_rows: GradeRows, errors: RowErrors) -> tuple[int, set[str]]:
    """Check each row's cells and stage the good ones, in one COPY that reads them as they are
    checked; returns how many were staged, and the ID numbers they name."""
    session.execute(sa.text("""
        CREATE TEMP TABLE incoming_grades (row int, id_number text, name text, course text, term smallint,
            score numeric, word text, m_score numeric, m_word text) ON COMMIT DROP"""))
    reader = RowReader(errors, grade_rows.columns, grade_rows.defaults)
    staged, ids = 0, set()

    def good_rows() -> Iterator[tuple]:
        nonlocal staged
        for batch in batches(grade_rows.rows, BATCH):
            good = [(number, id_number, name, course, term, s, w, *(makeup or (None, None)))
                    for number, (id_number, name, course, term, (s, w), makeup) in reader.read_batch(batch, COLUMNS)]
            ids.update(map(itemgetter(1), good))
            staged += len(good)
            yield from good

    copy_rows(session, "incoming_grades", good_rows())
    return staged, ids


SET_CHECKS = [
    ("身份证号", """SELECT i.row, '身份证号为' || i.id_number || '的学生不在本校学籍中，请核对身份证号，或先导入学籍'
                 FROM incoming_grades i LEFT JOIN incoming_students s USING (id_number)
                 WHERE s.id_number IS NULL"""),
    ("姓名", """SELECT i.row, '姓名“' || i.name || '”与学籍中的“' || s.name || '”不一致'
              FROM incoming_grades i JOIN incoming_students s USING (id_number) WHERE s.name <> i.name"""),
    ("课程名称", """SELECT i.row, '“' || i.course || '”第' || i.term || '学期不在该生专业（' || s.major_code || '，'
                  || s.cohort || '级）的课程设置中'
                 FROM incoming_grades i JOIN incoming_students s USING (id_number)
                 WHERE NOT EXISTS (SELECT 1 FROM grading.course_plans p WHERE p.school_code = :school
                   AND p.major_code = s.major_code AND p.cohort = s.cohort AND p.course = i.course
                   AND p.term = i.term)"""),
    ("课程名称", """SELECT i.row, '与第' || d.first_row || '行重复：同一学生同一课程同一学期只能有一个成绩'
                 FROM incoming_grades i JOIN (SELECT id_number, course, term, min(row) AS first_row
                                              FROM incoming_grades GROUP BY id_number, course, term
                                              HAVING count(*) > 1) d USING (id_number, course, term)
                 WHERE i.row <> d.first_row"""),
]


def check_staged(session: Session, school_code: str, ids: set[str],
                 students_of: Callable[[list[str]], dict[str, dict]], errors: RowErrors) -> None:
    """The checks that need the registry and the plan, over the staged rows at once."""
    students = students_of(sorted(ids))
    session.execute(sa.text("""CREATE TEMP TABLE incoming_students (id_number text PRIMARY KEY, name text,
                               major_code text, cohort int) ON COMMIT DROP"""))
    copy_rows(session, "incoming_students",
              [(id_number, s["name"], s["major_code"], s["cohort"]) for id_number, s in students.items()])
    session.execute(sa.text("ANALYZE incoming_students"))
    found = []
    for column, sql in SET_CHECKS:
        found += [(row, column, message) for row, message in
                  session.execute(sa.text(sql + " ORDER BY 1 LIMIT 1000"), {"school": school_code})]
    for row, column, message in sorted(found):
        errors.add(row, column, message)


def import_rows(session: Session, school_code: str, grade_rows: GradeRows, source: str,
                students_of: Callable[[list[str]], dict[str, dict]],
                locked_of: Callable[[list[str]], dict[str, dict]], dry_run: bool = False) -> tuple[int, dict]:
    """Check every row, then insert or replace the grades; InvalidRows (nothing stored) on any error,
    also for a change to the grades of a student a submitted review holds (`locked_of(ids)` gives
    {id_number: lock} of those). Returns the rows read and what they change; `dry_run` stores nothing."""
    errors = RowErrors(source)
    # Every set-based step here joins thousands of staged rows to the school's stored grades, whose
    # statistics lag behind an import (autovacuum analyses late, and a school's first sheet is
    # estimated at one row): the planner then loops over one side for each row of the other, minutes
    # for a 46,000-row sheet; or it sorts both sides to merge them, on disk (120 ms of a 46,000-row
    # sheet's plan check instead of 20). Hashing in memory is right for every step, however stale the
    # estimates.
    session.execute(sa.text("SET LOCAL enable_nestloop = off"))
    session.execute(sa.text("SET LOCAL enable_mergejoin = off"))
    session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
    staged, ids = stage_rows(session, grade_rows, errors)
    if not staged and not errors:
        raise unusable("没有成绩数据（表头下面没有数据行）", source)
    check_staged(session, school_code, ids, students_of, errors)
    errors.raise_if_any()
    changes = grade_changes.diff(session, school_code, staged, grade_rows.defaults)
    grade_changes.refuse_locked(session, locked_of, errors)
    errors.raise_if_any()
    if not dry_run:
        store(session, school_code)
    return staged, changes


def store(session: Session, school_code: str) -> None:
    """Write the grades `grade_changes.diff` found new or changed; unchanged ones are left alone (a
    school re-imports its whole sheet after correcting a few cells)."""
    session.execute(sa.text("""
        UPDATE grading.grades g SET score = c.score, word = c.word, makeup_score = c.m_score,
            makeup_word = c.m_word, updated_at = now()
        FROM grade_changes c
        WHERE NOT c.is_new AND g.school_code = :school AND g.id_number = c.id_number AND g.course = c.course
          AND g.term = c.term"""), {"school": school_code})
    session.execute(sa.text("""
        INSERT INTO grading.grades (school_code, id_number, course, term, score, word, makeup_score, makeup_word)
        SELECT :school, c.id_number, c.course, c.term, c.score, c.word, c.m_score, c.m_word
        FROM grade_changes c WHERE c.is_new
        ON CONFLICT (school_code, id_number, course, term) DO UPDATE SET
            score = EXCLUDED.score, word = EXCLUDED.word, makeup_score = EXCLUDED.makeup_score,
            makeup_word = EXCLUDED.makeup_word, updated_at = now()"""), {"school": school_code})
