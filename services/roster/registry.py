"""Registry (学籍) import: every row checked, then all rows added or updated in one transaction."""
import re

import sqlalchemy as sa
from psycopg2.extras import execute_values
from sqlalchemy.orm import Session

from services.common import cells, columns, idnumber, vocab
from services.common.rowerrors import RowErrors
from services.common.rows import RowReader
from services.common.sheets import open_table, unusable
from services.roster.tables import majors, students

CHINESE_YEARS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
MAJOR_CODE_RE = re.compile(r"^\d{4,6}$")


def schooling_years(raw: object) -> int:
    value = cells.text(raw).removesuffix("年制").removesuffix("年")
    value = str(CHINESE_YEARS.get(value, value))
    return cells.integer(value, 1, 6, "学制")


def major_code(raw: object) -> str:
    value = cells.code(raw)
    if not MAJOR_CODE_RE.match(value):
        raise cells.CellError(f"专业代码“{value}”应为4-6位数字")
    return value


def check_identity(reader: RowReader, number: str | None, gender: str | None, born) -> None:
    """Gender and birth date must agree with the ID number."""
    if not number:
        return
    if gender and gender != idnumber.gender(number):
        reader.fail("性别", f"性别“{gender}”与身份证号不一致（身份证号显示为{idnumber.gender(number)}）")
    if born and born != idnumber.birth_date(number):
        reader.fail("出生日期", f"出生日期{born:%Y-%m-%d}与身份证号中的{idnumber.birth_date(number):%Y-%m-%d}不一致")


def parse(path: str, filename: str) -> tuple[list[dict], list[str]]:
    """Every student of the file and the headers of the columns it ignored, or InvalidRows with each
    problem by row and column."""
    table = open_table(path, filename, columns.headers("students"))
    errors = RowErrors(filename)
    reader = RowReader(errors, table.columns)
    seen_ids: dict[str, int] = {}
    major_names: dict[str, tuple[str, int]] = {}
    records = []
    for number, row in table.rows:
        reader.start(number, row)
        rec = {
            "row": number,
            "student_no": reader.get("学号", cells.required_code),
            "name": reader.get("姓名", cells.name),
            "gender": reader.get("性别", cells.choice, vocab.GENDERS, vocab.GENDER_SYNONYMS),
            "id_number": reader.get("身份证号", cells.id_number),
            "birth_date": reader.get("出生日期", cells.date),
            "political_status": reader.get("政治面貌", cells.optional, cells.choice, vocab.POLITICAL_STATUSES,
                                           vocab.POLITICAL_SYNONYMS),
            "major_code": reader.get("专业代码", major_code),
            "major_name": reader.get("专业名称", cells.required),
            "schooling_years": reader.get("学制", schooling_years),
            "education_level": reader.get("学历层次", cells.required),
            "enrolled_month": reader.get("入学年月", cells.year_month),
            "class_name": reader.get("班级", cells.required),
            "status": reader.get("学籍状态", cells.choice, vocab.REGISTRY_STATUSES),
            "enrollment_category": reader.get("招生类别", cells.choice, vocab.ENROLLMENT_CATEGORIES),
            "enrollment_seq": reader.get("招生登记序号", cells.integer, 1, 999999, "招生登记序号"),
        }
        check_identity(reader, rec["id_number"], rec["gender"], rec["birth_date"])
        if rec["id_number"]:
            first = seen_ids.setdefault(rec["id_number"], number)
            if first != number:
                reader.fail("身份证号", f"身份证号与第{first}行重复")
        if rec["major_code"] and rec["major_name"]:
            name, row_of = major_names.setdefault(rec["major_code"], (rec["major_name"], number))
            if name != rec["major_name"]:
                reader.fail("专业名称", f"专业代码{rec['major_code']}在第{row_of}行的专业名称是“{name}”，两处不一致")
        if reader.ok:
            records.append(rec)
    if not records and not errors:
        raise unusable("文件中没有学生数据（表头下面没有数据行）", filename)
    errors.raise_if_any()
    return records, table.ignored


STUDENT_COLUMNS = ("school_code", "id_number", "student_no", "name", "gender", "birth_date", "political_status",
                   "major_code", "schooling_years", "education_level", "enrolled_month", "class_name", "status",
                   "enrollment_category", "enrollment_seq")


def store(session: Session, school_code: str, records: list[dict]) -> dict:
    """Add new students and update known ones (by ID number) in the caller's transaction."""
    cursor = session.connection().connection.cursor()
    majors = {(r["major_code"], r["major_name"]) for r in records}
    execute_values(cursor, """
        INSERT INTO roster.majors (school_code, code, name) VALUES %s
        ON CONFLICT (school_code, code) DO UPDATE SET name = EXCLUDED.name""",
        [(school_code, code, name) for code, name in sorted(majors)])
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in STUDENT_COLUMNS[2:])
    rows = execute_values(cursor, f"""
        INSERT INTO roster.students ({", ".join(STUDENT_COLUMNS)}) VALUES %s
        ON CONFLICT (school_code, id_number) DO UPDATE SET {updates}, updated_at = now()
        RETURNING (xmax = 0)""",
        [tuple(school_code if c == "school_code" else r[c] for c in STUDENT_COLUMNS) for r in records],
        page_size=1000, fetch=True)
    added = sum(1 for (inserted,) in rows if inserted)
    return {"imported": len(records), "added": added, "updated": len(records) - added}


def major_codes(session: Session, school_code: str) -> list[str]:
    return list(session.execute(sa.select(majors.c.code).where(majors.c.school_code == school_code)).scalars())


def brief(session: Session, school_code: str, id_numbers: list[str]) -> dict[str, dict]:
    rows = session.execute(
        sa.select(students.c.id_number, students.c.name, students.c.major_code, students.c.enrolled_month)
        .where(students.c.school_code == school_code, students.c.id_number.in_(id_numbers)))
    return {r.id_number: {"name": r.name, "major_code": r.major_code, "cohort": int(r.enrolled_month[:4])}
            for r in rows}


def mark_graduated(session: Session, school_code: str, id_numbers: list[str]) -> None:
    session.execute(students.update().where(students.c.school_code == school_code,
                                            students.c.id_number.in_(id_numbers))
                    .values(status="毕业", updated_at=sa.func.now()))
