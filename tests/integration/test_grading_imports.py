"""Course plans and grades through the real HTTP API: every bad row named, nothing half-stored."""
import pytest

from tests.support.courses import grade_rows, plan_rows
from tests.support.gateway import login
from tests.support.people import student_row
from tests.support.snapshots import table_digest
from tests.support.uploads import upload
from tests.support.workbooks import xlsx

SCHOOL = "S4"
PLAN_URL = f"/api/v1/schools/{SCHOOL}/course-plans"
GRADES_URL = f"/api/v1/schools/{SCHOOL}/grades"


@pytest.fixture(scope="module")
def students(app, province, stack):
    client = app.test_client()
    manager = login(client, "s4_manager")
    rows = [student_row(n) for n in range(601, 604)]
    assert upload(client, f"/api/v1/schools/{SCHOOL}/students", manager, xlsx(rows), "学籍.xlsx").status_code == 200
    assert upload(client, PLAN_URL, manager, xlsx(plan_rows()), "课程设置.xlsx").status_code == 200
    return rows


@pytest.fixture
def manager(client, students):
    return login(client, "s4_manager")


def without_conduct_term(term: int) -> list[dict]:
    return [r for r in plan_rows(cohort=2024) if not (r["课程名称"] == "操行" and r["学期"] == str(term))]


def conduct_hours(value: str, course: str = "操行") -> list[dict]:
    return [dict(r, 学时=value) if r["课程名称"] == course else r for r in plan_rows(cohort=2024)]


PLAN_CASES = [
    ("0 hours for a taught course", conduct_hours("0", course="体育与健康"), (None, "学时", "只有“操行”课")),
    ("blank hours for a taught course", conduct_hours("", course="体育与健康"), (None, "学时", "不能是空")),
    ("conduct missing in a term", without_conduct_term(3), (None, "课程名称", "缺少第3学期的“操行”课")),
    ("unknown major", [dict(r, 专业代码="999999") for r in plan_rows(cohort=2024)], (2, "专业代码", "不在本校学籍中")),
    ("unknown category", [dict(r, 课程类别="选修课") if i == 0 else r for i, r in enumerate(plan_rows(cohort=2024))],
     (2, "课程类别", "不是可选值")),
    ("term out of range", [dict(r, 学期="7") if i == 1 else r for i, r in enumerate(plan_rows(cohort=2024))],
     (3, "学期", "1到6")),
    ("duplicate course-term", plan_rows(cohort=2024) + plan_rows(cohort=2024)[:1], (None, "课程名称", "重复")),
]


@pytest.mark.parametrize("case, rows, expected", PLAN_CASES, ids=[c[0] for c in PLAN_CASES])
def test_bad_course_plans_are_refused(client, manager, engine, case, rows, expected):
    before = table_digest(engine, "grading.course_plans")
    r = upload(client, PLAN_URL, manager, xlsx(rows), "课程设置.xlsx")
    assert r.status_code == 422, r.get_json()
    row, column, fragment = expected
    assert any((row is None or e["row"] == row) and e["column"] == column and fragment in e["message"]
               for e in r.get_json()["errors"]), r.get_json()
    assert table_digest(engine, "grading.course_plans") == before


@pytest.mark.parametrize("hours", ["0", "", "０"], ids=["zero", "blank", "full-width-zero"])
def test_conduct_may_have_0_or_blank_hours(client, manager, engine, hours):
    r = upload(client, PLAN_URL, manager, xlsx(conduct_hours(hours)), "课程设置.xlsx")
    assert r.status_code == 200, r.get_json()
    import sqlalchemy as sa
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text(
            "SELECT course, max(hours)::float8 FROM grading.course_plans WHERE school_code = :s AND cohort = 2024 "
            "GROUP BY course"), {"s": SCHOOL}).all())
    assert stored["操行"] == 0.0 and stored["体育与健康"] == 36.0


def grade_case(student_index: int, **changes):
    def build(students):
        rows = grade_rows(students[student_index])
        rows[0].update(changes)
        return rows
    return build


GRADE_CASES = [
    ("unknown student", lambda s: grade_rows(dict(s[0], 身份证号=student_row(699)["身份证号"])),
     (2, "身份证号", "不在本校学籍中")),
    ("name disagrees", grade_case(0, 姓名="李四"), (2, "姓名", "不一致")),
    ("course outside the plan", grade_case(1, 课程名称="高等数学"), (2, "课程名称", "不在该生专业")),
    ("term out of range", grade_case(1, 学期="9"), (2, "学期", "1到6")),
    ("impossible score", grade_case(2, 成绩="105"), (2, "成绩", "超出0-100")),
    ("unreadable score", grade_case(2, 成绩="缺考"), (2, "成绩", "无法识别")),
    ("impossible make-up", grade_case(2, 补考成绩="-3"), (2, "补考成绩", "超出0-100")),
    ("duplicate grade", lambda s: grade_rows(s[0]) + grade_rows(s[0])[:1], (None, "课程名称", "重复")),
]


@pytest.mark.parametrize("case, build, expected", GRADE_CASES, ids=[c[0] for c in GRADE_CASES])
def test_bad_grades_are_refused(client, manager, students, engine, case, build, expected):
    before = table_digest(engine, "grading.grades")
    r = upload(client, GRADES_URL, manager, xlsx(build(students)), "成绩.xlsx")
    assert r.status_code == 422, r.get_json()
    row, column, fragment = expected
    assert any((row is None or e["row"] == row) and e["column"] == column and fragment in e["message"]
               for e in r.get_json()["errors"]), r.get_json()
    assert table_digest(engine, "grading.grades") == before


def stored_grade(engine, id_number, course, term):
    import sqlalchemy as sa
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT score, word, makeup_score FROM grading.grades WHERE id_number=:i AND course=:c AND term=:t"),
            {"i": id_number, "c": course, "t": term}).first()


def test_three_ways_to_import_grades(client, manager, students, engine):
    first, second, third = students
    r = upload(client, GRADES_URL, manager, xlsx(grade_rows(first)), "全校成绩.xlsx")
    assert {**r.get_json(), "changes": None} == {"imported": 14, "ignored_columns": [], "errors": [], "changes": None}

    # one sheet per class and course: course and term come with the upload
    sheet = [{"身份证号": s["身份证号"], "姓名": s["姓名"], "成绩": "58", "补考成绩": "66"} for s in (first, second)]
    r = upload(client, GRADES_URL, manager, xlsx(sheet), "计算机1班-体育与健康-第2学期.xlsx",
               course="体育与健康", term="2")
    assert {**r.get_json(), "changes": None} == {"imported": 2, "ignored_columns": [], "errors": [], "changes": None}
    assert [float(x) if x is not None else None for x in stored_grade(engine, first["身份证号"], "体育与健康", 2)] \
        == [58.0, None, 66.0]  # replaced the long sheet's 85

    # the API
    r = client.post(GRADES_URL, headers=manager, json={"grades": [
        {"id_number": third["身份证号"], "name": third["姓名"], "course": "操行", "term": 1, "score": "优秀"}]})
    assert {**r.get_json(), "changes": None} == {"imported": 1, "errors": [], "changes": None}
    assert stored_grade(engine, third["身份证号"], "操行", 1).word == "优秀"
    r = client.post(GRADES_URL, headers=manager, json={"grades": [
        {"id_number": third["身份证号"], "name": third["姓名"], "course": "操行", "term": 1, "score": "101"}]})
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["row"] == 1


def test_a_reimported_sheet_writes_only_what_changed(client, manager, students, engine):
    student = students[1]
    rows = grade_rows(student)
    assert upload(client, GRADES_URL, manager, xlsx(rows), "全校成绩.xlsx").status_code == 200
    before = table_digest(engine, "grading.grades")

    assert upload(client, GRADES_URL, manager, xlsx(rows), "全校成绩.xlsx").get_json()["imported"] == len(rows)
    assert table_digest(engine, "grading.grades") == before  # not even updated_at moved

    a, b = [i for i, r in enumerate(rows) if r["课程名称"] != "操行"][:2]
    rows[a] = dict(rows[a], 成绩="良好")  # a score becomes a grade word
    rows[b] = dict(rows[b], 成绩="55", 补考成绩="70")  # a make-up exam added
    assert upload(client, GRADES_URL, manager, xlsx(rows), "全校成绩.xlsx").status_code == 200
    grade = [stored_grade(engine, student["身份证号"], rows[i]["课程名称"], int(rows[i]["学期"])) for i in (a, b)]
    assert tuple(grade[0]) == (None, "良好", None)
    assert (float(grade[1].score), grade[1].word, float(grade[1].makeup_score)) == (55, None, 70)
