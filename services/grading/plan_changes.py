"""What a course plan file changes. A file replaces the plans of the majors × cohorts it holds, so a
course-term of such a plan that the file lacks is removed. A plan whose students are in a review the
school has submitted is refused any change (the review was verified against it)."""
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.changes import REMOVED, Changes, differing, locked_message
from services.common.rowerrors import RowErrors
from services.grading.tables import course_plans

COLUMNS = {"category": "课程类别", "hours": "学时"}  # the key: 专业代码, 入学年级, 课程名称, 学期

Key = tuple[str, int, str, int]


def key_of(row: dict) -> Key:
    return row["major_code"], row["cohort"], row["course"], row["term"]


def shown_key(key: Key) -> dict:
    major, cohort, course, term = key
    return {"专业代码": major, "入学年级": cohort, "课程名称": course, "学期": term}


def label(key: Key) -> str:
    """710204 2023级“体育与健康”第2学期"""
    major, cohort, course, term = key
    return f"{major} {cohort}级“{course}”第{term}学期"


def stored(session: Session, school_code: str, pairs: list[tuple[str, int]]) -> dict[Key, dict]:
    rows = session.execute(sa.select(course_plans).where(
        course_plans.c.school_code == school_code,
        sa.tuple_(course_plans.c.major_code, course_plans.c.cohort).in_(pairs))
        .order_by(course_plans.c.major_code, course_plans.c.cohort, course_plans.c.term, course_plans.c.course)
    ).mappings()
    return {key_of(r): dict(r) for r in rows}


def diff(session: Session, school_code: str, rows: list[dict]) -> tuple[Changes, list[tuple[dict, str]], list[Key]]:
    """The changes; each new or changed row with the column to look at; the keys the import removes."""
    before = stored(session, school_code, sorted({(r["major_code"], r["cohort"]) for r in rows}))
    changes = Changes(REMOVED)
    touched: list[tuple[dict, str]] = []
    for row in rows:
        key = key_of(row)
        old = before.pop(key, None)
        if old is None:
            changes.new(shown_key(key), label(key), row["row"])
            touched.append((row, "课程名称"))
            continue
        fields = differing(COLUMNS, old, row)
        if fields:
            changes.changed(shown_key(key), label(key), row["row"], fields)
            touched.append((row, fields[0]["column"]))
        else:
            changes.unchanged()
    for key in before:
        changes.missing(shown_key(key), label(key))
    return changes, touched, list(before)


def judge(session: Session, school_code: str, rows: list[dict], filename: str,
          locked_of: Callable[[list[tuple[str, int]]], list[dict]]) -> dict:
    """The changes the file makes; InvalidRows (422) if it changes, adds to or removes from the plan of
    a major × cohort whose students a submitted review holds. `locked_of(pairs)` gives those plans
    as [{major_code, cohort, **lock}]."""
    changes, touched, removed = diff(session, school_code, rows)
    pairs = sorted({(r["major_code"], r["cohort"]) for r, _ in touched} | {k[:2] for k in removed})
    locks = {(p["major_code"], p["cohort"]): p for p in locked_of(pairs)} if pairs else {}
    errors = RowErrors(filename)
    for row, column in touched:
        lock = locks.get((row["major_code"], row["cohort"]))
        if lock:
            errors.add(row["row"], column, refusal(lock))
    for key in removed:
        lock = locks.get(key[:2])
        if lock:
            errors.add(None, "课程名称", f"文件中没有{label(key)}，导入会删除这门课程，但{refusal(lock)}")
    errors.raise_if_any()
    return changes.as_dict()


def refusal(lock: dict) -> str:
    return locked_message(lock, f"{lock['major_code']} {lock['cohort']}级有学生", "该专业年级的课程设置")
