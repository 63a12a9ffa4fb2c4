"""What a registry (学籍) file changes against the school's registry, by ID number, and the refusal of
changes to graduates the school has submitted for review. The school's students the file lacks are
kept: a registry import adds and updates, it never deletes."""
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.changes import KEPT, Changes, differing, locked_message, student_label
from services.common.idnumber import mask
from services.common.rowerrors import RowErrors
from services.roster.tables import majors, students

# record key → template header, in the template's order (身份证号 is the key)
COLUMNS = {"student_no": "学号", "name": "姓名", "gender": "性别", "birth_date": "出生日期",
           "political_status": "政治面貌", "major_code": "专业代码", "major_name": "专业名称",
           "schooling_years": "学制", "education_level": "学历层次", "enrolled_month": "入学年月",
           "class_name": "班级", "status": "学籍状态", "enrollment_category": "招生类别",
           "enrollment_seq": "招生登记序号"}


def stored(session: Session, school_code: str) -> dict[str, dict]:
    """The school's registry as it is, by ID number, with each student's major name."""
    rows = session.execute(
        sa.select(students, majors.c.name.label("major_name"))
        .outerjoin(majors, sa.and_(majors.c.school_code == students.c.school_code,
                                   majors.c.code == students.c.major_code))
        .where(students.c.school_code == school_code).order_by(students.c.id)).mappings()
    return {r["id_number"]: dict(r) for r in rows}


def diff(session: Session, school_code: str, records: list[dict]) -> tuple[Changes, list[tuple[dict, str]]]:
    """The changes, and each new or changed record with the column the clerk should look at."""
    before = stored(session, school_code)
    changes = Changes(KEPT)
    touched: list[tuple[dict, str]] = []
    for rec in records:
        key = {"身份证号": mask(rec["id_number"])}
        label = student_label(rec["name"], rec["id_number"])
        old = before.pop(rec["id_number"], None)
        if old is None:
            changes.new(key, label, rec["row"])
            touched.append((rec, "身份证号"))
            continue
        fields = differing(COLUMNS, old, rec)
        if fields:
            changes.changed(key, label, rec["row"], fields)
            touched.append((rec, fields[0]["column"]))
        else:
            changes.unchanged()
    for number, old in before.items():
        changes.missing({"身份证号": mask(number)}, student_label(old["name"], number))
    return changes, touched


def judge(session: Session, school_code: str, records: list[dict], filename: str,
          locked_of: Callable[[list[str]], dict[str, dict]]) -> dict:
    """The changes the file makes; InvalidRows (422) if any of them reaches a graduate in a review the
    school has submitted. `locked_of(id_numbers)` gives {id_number: lock} of those so held."""
    changes, touched = diff(session, school_code, records)
    locks = locked_of(sorted({rec["id_number"] for rec, _ in touched})) if touched else {}
    errors = RowErrors(filename)
    for rec, column in touched:
        if rec["id_number"] in locks:
            errors.add(rec["row"], column, locked_message(locks[rec["id_number"]], "该生", "其学籍"))
    errors.raise_if_any()
    return changes.as_dict()
