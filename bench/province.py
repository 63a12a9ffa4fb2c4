"""A synthetic province: organisations and managers, registry, course plans and grades.

Set-up, not what is measured: organisations and accounts go in through gateway.orgs and the accounts
tables, registry, plans and grades straight into the services' tables with COPY. Each student has 46
course-terms (40 courses and 6 conduct terms); a few fail a course, make one up, lack a grade or are
suspended (休学), so the engine writes reasons as it does in a real season. Deterministic per school.
"""
import datetime as dt
import io
import random
from dataclasses import dataclass

import openpyxl
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from gateway import accounts
from gateway import orgs as org_tree
from gateway.tables import users
from services.common.idnumber import check_char

YEAR, SEASON, KIND = 2026, "春季", "正常验印"
COHORT = 2023
MAJORS = [("710204", "计算机应用"), ("730301", "会计事务"), ("660301", "汽车运用与维修")]
# course, category, terms, hours: 40 course-terms, and 操行 in each of the 6 terms
PLAN = [
    ("中国特色社会主义", "公共基础课", [1], 36), ("心理健康与职业生涯", "公共基础课", [2], 36),
    ("哲学与人生", "公共基础课", [3], 36), ("职业道德与法治", "公共基础课", [4], 36),
    ("语文", "公共基础课", [1, 2, 3, 4], 72), ("数学", "公共基础课", [1, 2, 3, 4], 72),
    ("英语", "公共基础课", [1, 2, 3, 4], 72), ("体育与健康", "公共基础课", [1, 2, 3, 4, 5], 36),
    ("信息技术", "公共基础课", [1, 2], 72), ("历史", "公共基础课", [1, 2], 36), ("艺术", "公共基础课", [3], 36),
    ("专业基础", "专业核心课", [2, 3, 4], 72), ("专业核心技能", "专业核心课", [3, 4, 5], 108),
    ("专业实训", "专业核心课", [3, 4, 5], 72), ("专业方向课", "专业(技能)方向课", [4, 5], 72),
    ("专业选修", "专业(技能)方向课", [4, 5], 36), ("顶岗实习", "实习", [6], 540),
    ("操行", "思政类", [1, 2, 3, 4, 5, 6], 1),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉浩宇轩然欣怡晨阳佳琪子涵梓"
PASSWORD = "bench-pass-123"


@dataclass
class School:
    code: str
    students: int
    index: int  # makes ID numbers unique across the province


def plan_items(major_code: str) -> list[tuple[str, str, int, int]]:
    return [(course if category != "专业核心课" else f"{course}({major_code})", category, term, hours)
            for course, category, terms, hours in PLAN for term in terms]


def student(school: School, n: int) -> dict:
    """Registry row n of a school: a valid ID number, unique in the province."""
    rng = random.Random(school.index * 100_003 + n)
    male = n % 2 == 1
    born = dt.date(2007, 1, 1) + dt.timedelta(days=n % 730)
    first17 = f"{610000 + school.index:06d}{born:%Y%m%d}{100 + 2 * (n // 730) + int(male):03d}"
    major_code, major_name = MAJORS[n % len(MAJORS)]
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return {
        "id_number": first17 + check_char(first17), "name": name,
        "gender": "男" if male else "女", "birth_date": born, "major_code": major_code, "major_name": major_name,
        "status": "休学" if rng.random() < 0.004 else "在籍", "mode": "升学" if rng.random() < 0.02 else "正常毕业",
        "student_no": f"{COHORT}{n:05d}", "class_name": f"{COHORT}级{major_name}{n // 45 % 9 + 1}班", "seq": n + 1,
    }


def students(school: School) -> list[dict]:
    return [student(school, n) for n in range(school.students)]


def grade_rows(school: School, s: dict) -> list[tuple]:
    """(course, term, score, word, makeup_score, makeup_word) of one student; ~6% are unqualified."""
    rng = random.Random(f"{school.code}:{s['id_number']}")
    items = plan_items(s["major_code"])
    fate = rng.random()
    victim = rng.randrange(len(items) - 6)  # a course-term, never conduct
    rows = []
    for i, (course, category, term, _) in enumerate(items):
        if category == "思政类":
            if fate < 0.005 and term == 6:
                continue  # conduct of term 6 missing
            rows.append((course, term, None, rng.choice(("优秀", "良好", "良好")), None, None))
        elif category == "实习":
            rows.append((course, term, None, "合格", None, None))
        elif i == victim and fate < 0.015:
            continue  # a course-term without a grade
        elif i == victim and fate < 0.045:
            rows.append((course, term, float(rng.randint(30, 59)), None, None, None))  # failed, no make-up
        elif i == victim and fate < 0.07:
            rows.append((course, term, float(rng.randint(40, 59)), None, float(rng.randint(60, 75)), None))
        else:
            rows.append((course, term, rng.randint(120, 198) / 2, None, None, None))
    return rows


# -- loading -----------------------------------------------------------------------------------------
def _tsv(rows) -> io.StringIO:
    def cell(v):
        return "\\N" if v is None else str(v)
    return io.StringIO("".join("\t".join(map(cell, r)) + "\n" for r in rows))


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", _tsv(rows))


def load_school(engine: sa.Engine, school: School, with_grades: bool = True) -> list[dict]:
    """Registry, plans and (unless told not to) grades of one school; returns its students."""
    people = students(school)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        _copy(cur, "roster.majors", ("school_code", "code", "name"), [(school.code, c, n) for c, n in MAJORS])
        _copy(cur, "roster.students", (
            "school_code", "id_number", "student_no", "name", "gender", "birth_date", "political_status",
            "major_code", "schooling_years", "education_level", "enrolled_month", "class_name", "status",
            "enrollment_category", "enrollment_seq"), [
            (school.code, s["id_number"], s["student_no"], s["name"], s["gender"], s["birth_date"], "共青团员",
             s["major_code"], 3, "中职", f"{COHORT}-09", s["class_name"], s["status"], "应届初中毕业生", s["seq"])
            for s in people])
        _copy(cur, "grading.course_plans", ("school_code", "major_code", "cohort", "course", "term", "category",
                                            "hours"),
              [(school.code, code, COHORT, c, t, cat, h) for code, _ in MAJORS for c, cat, t, h in plan_items(code)])
        if with_grades:
            _copy(cur, "grading.grades", ("school_code", "id_number", "course", "term", "score", "word",
                                          "makeup_score", "makeup_word"),
                  ((school.code, s["id_number"], *g) for s in people for g in grade_rows(school, s)))
        raw.commit()
    finally:
        raw.close()
    return people


SEASON_TABLES = ("review.reviews", "review.graduates", "review.history", "review.outbox", "review.processed_events",
                 "grading.chunks", "grading.outbox", "grading.processed_events", "roster.outbox")


def vacuum(engine: sa.Engine, tables: tuple[str, ...] = ("roster.students", "grading.course_plans",
                                                         "grading.grades")) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))


def maintain(engine: sa.Engine) -> None:
    """What autovacuum does between a season's runs in production: this machine's PostgreSQL runs
    without it, and every rebuild of 200,000 graduate rows would otherwise leave the next run's
    planner with dead rows and stale estimates."""
    vacuum(engine, SEASON_TABLES)


def create_orgs(engine: sa.Engine, school_codes: list[str]) -> dict[str, str]:
    """The province, a city (with its stamping unit) per 30 schools, the schools, and a graduation
    manager with a bearer token for each school: {school_code: token}."""
    password_hash = generate_password_hash(PASSWORD)
    tokens = {}
    with engine.begin() as conn:
        org_tree.create(conn, {"code": "61", "name": "陕西省教育厅", "kind": "province"})
        for i, code in enumerate(school_codes):
            city = f"61{i // 30 + 1:02d}"
            if i % 30 == 0:
                org_tree.create(conn, {"code": city, "name": f"第{i // 30 + 1}市教育局", "kind": "city",
                                       "parent_code": "61", "reviews_graduation": True,
                                       "stamping_unit_code": f"{i // 30 + 1:02d}"})
            org_tree.create(conn, {"code": code, "name": f"第{i + 1}职业中专({code})", "kind": "school",
                                   "parent_code": city})
            user_id = conn.execute(users.insert().values(
                username=f"m_{code}", password_hash=password_hash, name=f"{code}教务", phone="029-8888888",
                org_code=code, roles=["school_graduation_manager"], active=True).returning(users.c.id)).scalar_one()
            tokens[code] = accounts.issue_token(conn, user_id, 86400)
    return tokens


def province_admin_token(engine: sa.Engine) -> str:
    """A bearer token of a province admin (the season dashboard's reader)."""
    with engine.begin() as conn:
        user_id = conn.execute(users.insert().values(
            username="bench_admin", password_hash=generate_password_hash(PASSWORD), name="省级管理员",
            phone="029-8888888", org_code="61", roles=["province_admin"], active=True,
        ).returning(users.c.id)).scalar_one()
        return accounts.issue_token(conn, user_id, 86400)


# -- files as clerks make them -------------------------------------------------------------------------
def xlsx(headers: list[str], rows) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def graduate_list(people: list[dict]) -> bytes:
    return xlsx(["姓名", "性别", "身份证号", "招生类别", "毕业方式"],
                ((s["name"], s["gender"], s["id_number"], "应届初中毕业生", s["mode"]) for s in people))


def grade_sheet(school: School, people: list[dict]) -> bytes:
    """The school's long grade sheet (身份证号, 姓名, 课程名称, 学期, 成绩, 补考成绩)."""
    return xlsx(["身份证号", "姓名", "课程名称", "学期", "成绩", "补考成绩"], (
        (s["id_number"], s["name"], c, t, w if sc is None else sc, mw if ms is None else ms)
        for s in people for c, t, sc, w, ms, mw in grade_rows(school, s)))


def registry_sheet(people: list[dict]) -> bytes:
    """The school's registry (学籍) import file."""
    headers = ["学号", "姓名", "性别", "身份证号", "出生日期", "政治面貌", "专业代码", "专业名称", "学制", "学历层次",
               "入学年月", "班级", "学籍状态", "招生类别", "招生登记序号"]
    return xlsx(headers, ([p["student_no"], p["name"], p["gender"], p["id_number"], p["birth_date"].isoformat(),
                           "共青团员", p["major_code"], p["major_name"], "3", "中职", f"{COHORT}-09", p["class_name"],
                           p["status"], "应届初中毕业生", str(p["seq"])] for p in people))
