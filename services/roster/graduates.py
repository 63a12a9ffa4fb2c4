"""The graduate list (毕业生名单): read in enrollment order, each row's own data checked, and every
row matched against this school's registry in one query (verification steps 1–3 of DOMAIN.md).

A row whose own data is wrong does not refuse the list: it is kept with its reasons. Only a file
that cannot be used at all (not a spreadsheet, headers missing, no rows) is refused.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common import cells, columns, idnumber, vocab
from services.common.certificates import already_certified
from services.common.contracts import SNAPSHOT
from services.common.sheets import open_table, unusable
from services.roster.tables import majors, photos, students

NOT_FOUND = "未找到该学生，请检查姓名、身份证号是否正确，学籍是否在本校"


def _reason(parser, raw, *args) -> tuple[object, str | None]:
    try:
        return parser(raw, *args), None
    except cells.CellError as err:
        return None, str(err)


def read(path: str, filename: str) -> tuple[list[dict], list[str]]:
    """The list's rows in file order, each with its own-data reasons (`reasons`, to which matching
    adds; `list_reasons` keeps these alone, as only a new list can fix them), and the headers of the
    file's columns that were ignored."""
    table = open_table(path, filename, columns.headers("graduates"))
    col = table.columns
    rows, seen = [], {}
    for seq, (number, values) in enumerate(table.rows, start=1):
        def raw(header: str, values: list = values):
            return values[col[header]] if col[header] < len(values) else None
        reasons = []
        name = cells.text(raw("姓名")).replace(" ", "")
        if not name:
            reasons.append("姓名为空")
        number_, why = _reason(cells.id_number, raw("身份证号"))
        if why:
            reasons.append(f"身份证号有误：{why}")
        gender, why = _reason(cells.choice, raw("性别"), vocab.GENDERS, vocab.GENDER_SYNONYMS)
        if why:
            reasons.append(f"性别{why}")
        category, why = _reason(cells.choice, raw("招生类别"), vocab.ENROLLMENT_CATEGORIES)
        if why:
            reasons.append(f"招生类别{why}")
        mode, why = _reason(cells.choice, raw("毕业方式"), vocab.GRADUATION_MODES, vocab.GRADUATION_MODE_SYNONYMS)
        if why:
            reasons.append(f"毕业方式{why}")
        if number_:
            first = seen.setdefault(number_, number)
            if first != number:
                reasons.append(f"与第{first}行是同一身份证号，名单中重复")
        rows.append({
            "row": number, "seq": seq, "name": name, "gender": gender,
            "id_number": number_ or cells.text(raw("身份证号")).upper(),
            "id_valid": number_ is not None, "category": category, "mode": mode, "reasons": reasons,
            "list_reasons": list(reasons), "student": None,
        })
    if not rows:
        raise unusable("名单中没有学生（表头下面没有数据行）", filename)
    return rows, table.ignored


def valid_ids(rows: list[dict]) -> list[str]:
    return list({r["id_number"] for r in rows if r["id_valid"]})


def mark_certified(rows: list[dict], holders: dict[str, dict]) -> list[dict]:
    """One graduate, one certificate: a listed student who holds a valid number (any review, school or
    year; `holders` as numbering answers) gets the reason. Returns those rows, for the audit log."""
    found = []
    for row in rows:
        holder = holders.get(row["id_number"]) if row["id_valid"] else None
        if holder is not None:
            row["reasons"].append(already_certified(holder))
            row["certified"] = holder["number"]
            found.append({"row": row["row"], "id_number": row["id_number"], "number": holder["number"]})
    return found


def _has_photo():
    return sa.exists().where(photos.c.school_code == students.c.school_code,
                             photos.c.id_number == students.c.id_number).label("has_photo")


def match_registry(session: Session, school_code: str, rows: list[dict]) -> None:
    """Steps 1–3: found at this school by ID number and name, status allows graduation, identity agrees."""
    ids = valid_ids(rows)
    found = {}
    has_photo = _has_photo()
    if ids:
        query = (
            sa.select(students, majors.c.name.label("major_name"), has_photo)
            .join(majors, sa.and_(majors.c.school_code == students.c.school_code,
                                  majors.c.code == students.c.major_code))
            .where(students.c.school_code == school_code, students.c.id_number.in_(ids))
        )
        found = {s["id_number"]: dict(s) for s in session.execute(query).mappings()}
    for row in rows:
        student = found.get(row["id_number"]) if row["id_valid"] else None
        if student is None or student["name"] != row["name"]:
            if row["id_valid"] and row["name"]:
                row["reasons"].append(NOT_FOUND)
            continue
        if student["status"] not in vocab.GRADUATION_ALLOWED_STATUSES:
            row["reasons"].append(f"学籍状态为“{student['status']}”，不能毕业")
        number = row["id_number"]
        if row["gender"] and row["gender"] != idnumber.gender(number):
            row["reasons"].append(f"名单中的性别“{row['gender']}”与身份证号不一致")
        if student["gender"] != idnumber.gender(number):
            row["reasons"].append(f"学籍中的性别“{student['gender']}”与身份证号不一致")
        if student["birth_date"] != idnumber.birth_date(number):
            row["reasons"].append(
                f"学籍中的出生日期{student['birth_date']:%Y-%m-%d}与身份证号中的{idnumber.birth_date(number):%Y-%m-%d}不一致")
        row["student"] = snapshot(student)


def snapshot(student: dict) -> dict:
    """What review, grading and printing need of a registry entry, as plain JSON: the declared
    contracts.RegistrySnapshot, checked and stamped with its version."""
    return SNAPSHOT.stamped({
        "student_no": student["student_no"],
        "gender": student["gender"],
        "birth_date": student["birth_date"].isoformat(),
        "political_status": student["political_status"] or "",
        "major_code": student["major_code"],
        "major_name": student["major_name"],
        "schooling_years": student["schooling_years"],
        "education_level": student["education_level"],
        "enrolled_month": student["enrolled_month"],
        "cohort": int(student["enrolled_month"][:4]),
        "class_name": student["class_name"],
        "enrollment_seq": student["enrollment_seq"],
        "has_photo": student["has_photo"],
    }, "registry snapshot")

