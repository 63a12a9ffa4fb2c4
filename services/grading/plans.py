"""Course plan (专业课程设置) import: per major × cohort × term, with category and hours; every term
of a plan must hold the conduct course 操行. A file replaces the plans of the majors and cohorts it holds."""
from collections import defaultdict

import sqlalchemy as sa
from psycopg2.extras import execute_values
from sqlalchemy.orm import Session

from services.common import cells, columns, vocab
from services.common.rowerrors import RowErrors
from services.common.rows import RowReader
from services.common.sheets import open_table, records, unusable
from services.grading.engine import PlanItem
from services.grading.tables import course_plans

CONDUCT_CATEGORY = "思政类"


def hours(raw: object) -> float:
    """学时 0–10000; a blank cell is 0. Only 操行 may have 0 (checked by the row: see `parse`)."""
    value = cells.code(raw)
    if not value:
        return 0.0
    try:
        number = float(value)
    except ValueError:
        raise cells.CellError(f"学时应为正数，不能是“{value}”") from None
    if not 0 <= number <= 10000:
        raise cells.CellError(f"学时应为正数，不能是“{value}”")
    return number


def parse(path: str, filename: str, known_majors: set[str]) -> tuple[list[dict], list[str]]:
    """The plan rows of the file and the headers of the columns it ignored; InvalidRows on any error."""
    table = open_table(path, filename, columns.headers("course-plans"))
    errors = RowErrors(filename)
    reader = RowReader(errors)
    seen: dict[tuple, int] = {}
    result = []
    for number, row in records(table):
        reader.start(number, row)
        rec = {
            "row": number,
            "major_code": reader.get("专业代码", cells.required_code),
            "cohort": reader.get("入学年级", cells.integer, 2000, 2100, "入学年级"),
            "course": reader.get("课程名称", cells.required),
            "category": reader.get("课程类别", cells.choice, vocab.COURSE_CATEGORIES, vocab.COURSE_CATEGORY_SYNONYMS),
            "term": reader.get("学期", cells.integer, 1, 6, "学期"),
            "hours": reader.get("学时", hours),
        }
        if rec["major_code"] and rec["major_code"] not in known_majors:
            reader.fail("专业代码", f"专业代码“{rec['major_code']}”不在本校学籍中，请核对，或先导入该专业的学籍")
        if rec["hours"] == 0 and rec["course"] and rec["course"] != vocab.CONDUCT_COURSE:
            shown = f"“{cells.text(row.get('学时'))}”" if cells.text(row.get("学时")) else "空"
            reader.fail("学时", f"学时应为正数，不能是{shown}：只有“{vocab.CONDUCT_COURSE}”课的学时可以为0或留空")
        if rec["course"] == vocab.CONDUCT_COURSE and rec["category"] and rec["category"] != CONDUCT_CATEGORY:
            reader.fail("课程类别", f"“{vocab.CONDUCT_COURSE}”课的类别应为“{CONDUCT_CATEGORY}”")
        key = (rec["major_code"], rec["cohort"], rec["course"], rec["term"])
        if reader.ok:
            first = seen.setdefault(key, number)
            if first != number:
                reader.fail("课程名称", f"与第{first}行重复：同一专业、年级、学期的课程只能出现一次")
        if reader.ok:
            result.append(rec)
    if not result and not errors:
        raise unusable("文件中没有课程设置（表头下面没有数据行）", filename)
    if not errors:
        check_conduct(result, errors)
    errors.raise_if_any()
    return result, table.ignored


def check_conduct(rows: list[dict], errors: RowErrors) -> None:
    """Every term of each plan must hold 操行, and terms must run from 1 without a gap."""
    terms: dict[tuple, set[int]] = defaultdict(set)
    conduct: dict[tuple, set[int]] = defaultdict(set)
    for r in rows:
        terms[(r["major_code"], r["cohort"])].add(r["term"])
        if r["course"] == vocab.CONDUCT_COURSE:
            conduct[(r["major_code"], r["cohort"])].add(r["term"])
    for (major, cohort), present in sorted(terms.items()):
        expected = set(range(1, max(present) + 1))
        lacking = sorted(expected - conduct[(major, cohort)])
        if lacking:
            shown = "、".join(str(t) for t in lacking)
            conduct_course = f"“{vocab.CONDUCT_COURSE}”课"
            errors.add(None, "课程名称", f"专业{major} {cohort}级的课程设置缺少第{shown}学期的{conduct_course}："
                                      f"每个学期都要有一门{CONDUCT_CATEGORY}的{conduct_course}")


def store(session: Session, school_code: str, rows: list[dict]) -> int:
    """Replace the plans of every major × cohort the file holds."""
    pairs = sorted({(r["major_code"], r["cohort"]) for r in rows})
    session.execute(course_plans.delete().where(
        course_plans.c.school_code == school_code,
        sa.tuple_(course_plans.c.major_code, course_plans.c.cohort).in_(pairs)))
    cursor = session.connection().connection.cursor()
    execute_values(cursor, "INSERT INTO grading.course_plans "
                           "(school_code, major_code, cohort, course, term, category, hours) VALUES %s",
                   [(school_code, r["major_code"], r["cohort"], r["course"], r["term"], r["category"], r["hours"])
                    for r in rows], page_size=2000)
    return len(rows)


def load(session: Session, school_code: str, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], list[PlanItem]]:
    """The plans of these (major, cohort) pairs, in one query."""
    plans: dict[tuple[str, int], list[PlanItem]] = defaultdict(list)
    if not pairs:
        return plans
    rows = session.execute(
        sa.select(course_plans).where(course_plans.c.school_code == school_code,
                                      sa.tuple_(course_plans.c.major_code, course_plans.c.cohort).in_(sorted(pairs)))
        .order_by(course_plans.c.major_code, course_plans.c.cohort, course_plans.c.term, course_plans.c.course)
    ).mappings()
    for r in rows:
        plans[(r["major_code"], r["cohort"])].append(PlanItem(r["course"], r["category"], r["term"], float(r["hours"])))
    return plans
