"""Know before it changes: a dry run of each re-import (registry, course plans, grades) through the
real API says what the import would add, change, keep and remove, with the same checks and nothing
stored; the real import then says the same. A change that reaches a graduate of a review the school
has submitted is refused until the chain returns the review."""
import pytest
import sqlalchemy as sa

from services.common.idnumber import mask
from tests.support.courses import PLAN, grade_rows, plan_rows
from tests.support.gateway import PASSWORD, login
from tests.support.people import student_row
from tests.support.season import approve_all_majors, listed_review, numbered_certificates, verified_review
from tests.support.snapshots import table_digest
from tests.support.uploads import upload
from tests.support.workbooks import xlsx

# Schools of this file's own, directly under 渭南市教育局 (chain: the city, then the province).
REGISTRY, GRADES, LOCKED = "DRS", "DRG", "DRL"


def url(school: str, kind: str) -> str:
    return f"/api/v1/schools/{school}/{kind}"


@pytest.fixture(scope="module")
def managers(app, province, stack) -> dict[str, dict]:
    client = app.test_client()
    for code in (REGISTRY, GRADES, LOCKED):
        r = client.post("/api/v1/orgs", headers=province, json={
            "code": code, "name": f"试运行测试学校{code}", "kind": "school", "parent_code": "6105",
            "reviews_graduation": False})
        assert r.status_code == 201, r.get_json()
        r = client.post("/api/v1/users", headers=province, json={
            "username": f"{code.lower()}_manager", "password": PASSWORD, "name": f"{code}经办人",
            "phone": "0913-7000000", "org_code": code, "roles": ["school_graduation_manager"]})
        assert r.status_code == 201, r.get_json()
    return {code: login(client, f"{code.lower()}_manager") for code in (REGISTRY, GRADES, LOCKED)}


def logged(engine, schema: str, school: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {schema}.imports WHERE school_code = :s"),
                            {"s": school}).scalar_one()


def who(student: dict) -> str:
    return f"{student['姓名']}（{mask(student['身份证号'])}）"


def changes(new=(), changed=(), missing=(), unchanged=0, missing_action="kept") -> dict:
    return {"new": len(new), "changed": len(changed), "unchanged": unchanged, "missing": len(missing),
            "missing_action": missing_action, "items": {"new": list(new), "changed": list(changed),
                                                        "missing": list(missing)}}


# The registry: keyed by ID number; the school's students the file lacks are kept.

def registry_item(student: dict, row: int | None = None, **fields: tuple) -> dict:
    item = {"key": {"身份证号": mask(student["身份证号"])}, "label": who(student)}
    if row is not None:
        item["row"] = row
    if fields:
        item["fields"] = [{"column": c, "old": old, "new": new} for c, (old, new) in fields.items()]
    return item


def test_registry_dry_run_shows_then_the_import_makes_the_changes(client, managers, engine):
    manager = managers[REGISTRY]
    first = [student_row(n) for n in range(4601, 4605)]
    r = upload(client, url(REGISTRY, "students"), manager, xlsx(first), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["changes"] == changes(new=[registry_item(s, row) for row, s in enumerate(first, start=2)])
    log_rows = logged(engine, "roster", REGISTRY)

    newcomer = student_row(4605)
    again = [dict(first[0], 班级="2023级计算机2班"), first[1], dict(first[2], 学籍状态="休学", 政治面貌="群众"),
             newcomer]
    expected = changes(
        new=[registry_item(newcomer, 5)],
        changed=[registry_item(first[0], 2, 班级=("2023级计算机1班", "2023级计算机2班")),
                 registry_item(first[2], 4, 政治面貌=("共青团员", "群众"), 学籍状态=("在籍", "休学"))],
        missing=[registry_item(first[3])], unchanged=1)
    data = xlsx(again, headers=[*again[0], "备注"])
    before = table_digest(engine, "roster.students", "roster.majors")
    r = upload(client, url(REGISTRY, "students"), manager, data, "学籍.xlsx", dry_run="true")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"dry_run": True, "imported": 0, "errors": [], "ignored_columns": ["备注"],
                            "changes": expected}
    assert table_digest(engine, "roster.students", "roster.majors") == before
    assert logged(engine, "roster", REGISTRY) == log_rows

    r = upload(client, url(REGISTRY, "students"), manager, data, "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"imported": 4, "added": 1, "updated": 3, "ignored_columns": ["备注"], "errors": [],
                            "changes": expected}
    assert logged(engine, "roster", REGISTRY) == log_rows + 1
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT id_number, class_name || '/' || status FROM roster.students "
                                           "WHERE school_code = :s"), {"s": REGISTRY}).all())
    assert stored[first[0]["身份证号"]] == "2023级计算机2班/在籍"
    assert stored[first[2]["身份证号"]] == "2023级计算机1班/休学"
    assert first[3]["身份证号"] in stored and newcomer["身份证号"] in stored  # missing ones are kept

    r = upload(client, url(REGISTRY, "students"), manager, data, "学籍.xlsx", dry_run="yes")
    assert r.get_json()["changes"] == changes(missing=[registry_item(first[3])], unchanged=4)


# Course plans: keyed by (专业代码, 入学年级, 课程名称, 学期); a file replaces its majors × cohorts.

def plan_item(row: dict, at: int | None = None, **fields: tuple) -> dict:
    major, cohort, course, term = row["专业代码"], int(row["入学年级"]), row["课程名称"], int(row["学期"])
    item = {"key": {"专业代码": major, "入学年级": cohort, "课程名称": course, "学期": term},
            "label": f"{major} {cohort}级“{course}”第{term}学期"}
    if at is not None:
        item["row"] = at
    if fields:
        item["fields"] = [{"column": c, "old": old, "new": new} for c, (old, new) in fields.items()]
    return item


@pytest.fixture(scope="module")
def grade_school(app, managers) -> list[dict]:
    """Three students of 710204, cohort 2023, with that plan."""
    client, manager = app.test_client(), managers[GRADES]
    students = [student_row(n) for n in range(4621, 4624)]
    assert upload(client, url(GRADES, "students"), manager, xlsx(students), "学籍.xlsx").status_code == 200
    assert upload(client, url(GRADES, "course-plans"), manager, xlsx(plan_rows()), "课程设置.xlsx").status_code == 200
    return students


def test_course_plan_dry_run_shows_what_is_replaced(client, managers, grade_school, engine):
    manager = managers[GRADES]
    plan = plan_rows(cohort=2030)
    r = upload(client, url(GRADES, "course-plans"), manager, xlsx(plan), "课程设置.xlsx")
    assert r.get_json()["changes"] == changes(new=[plan_item(p, at) for at, p in enumerate(plan, start=2)],
                                              missing_action="removed")
    log_rows = logged(engine, "grading", GRADES)

    edited = [dict(p, 学时="40") if (p["课程名称"], p["学期"]) == ("体育与健康", "2") else
              dict(p, 课程类别="专业(技能)方向课") if (p["课程名称"], p["学期"]) == ("计算机基础", "1") else p
              for p in plan if p["课程名称"] != "顶岗实习"]
    english = {**plan[0], "课程名称": "英语"}
    edited.append(english)
    at = {(p["课程名称"], p["学期"]): i for i, p in enumerate(edited, start=2)}
    expected = changes(
        new=[plan_item(english, at[("英语", "1")])],
        changed=[plan_item(plan[2], at[("体育与健康", "2")], 学时=(36, 40)),
                 plan_item(plan[5], at[("计算机基础", "1")], 课程类别=("专业核心课", "专业(技能)方向课"))],
        missing=[plan_item(next(p for p in plan if p["课程名称"] == "顶岗实习"))],
        unchanged=len(plan) - 3, missing_action="removed")
    before = table_digest(engine, "grading.course_plans")
    r = upload(client, url(GRADES, "course-plans") + "?dry_run=1", manager, xlsx(edited), "课程设置.xlsx")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"dry_run": True, "imported": 0, "errors": [], "ignored_columns": [], "changes": expected}
    assert table_digest(engine, "grading.course_plans") == before
    assert logged(engine, "grading", GRADES) == log_rows

    r = upload(client, url(GRADES, "course-plans"), manager, xlsx(edited), "课程设置.xlsx")
    assert r.get_json() == {"imported": len(edited), "ignored_columns": [], "errors": [], "changes": expected}
    assert logged(engine, "grading", GRADES) == log_rows + 1
    with engine.connect() as conn:
        courses = set(conn.execute(sa.text("SELECT course FROM grading.course_plans WHERE school_code = :s "
                                           "AND cohort = 2030"), {"s": GRADES}).scalars())
    assert "英语" in courses and "顶岗实习" not in courses  # removed, as the dry run said


# Grades: keyed by (身份证号, 课程名称, 学期); the file's students' grades it lacks are kept.

def grade_item(student: dict, course: str, term: int, row: int | None = None, **fields: tuple) -> dict:
    item = {"key": {"身份证号": mask(student["身份证号"]), "课程名称": course, "学期": term},
            "label": f"{who(student)}“{course}”第{term}学期"}
    if row is not None:
        item["row"] = row
    if fields:
        item["fields"] = [{"column": c, "old": old, "new": new} for c, (old, new) in fields.items()]
    return item


def grade_of(engine, student: dict, course: str, term: int) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT score::float8, word, makeup_score::float8 FROM grading.grades "
            "WHERE school_code = :s AND id_number = :i AND course = :c AND term = :t"),
            {"s": GRADES, "i": student["身份证号"], "c": course, "t": term}).one())


def test_grade_dry_run_shows_then_the_import_makes_the_changes(client, managers, grade_school, engine):
    manager = managers[GRADES]
    a, b, c = grade_school
    r = upload(client, url(GRADES, "grades"), manager, xlsx(grade_rows(a) + grade_rows(b)), "成绩.xlsx")
    assert r.status_code == 200 and r.get_json()["changes"]["new"] == 28, r.get_json()
    log_rows = logged(engine, "grading", GRADES)

    rows = (grade_rows(a, override={("体育与健康", 2): ("55", "70"), ("计算机基础", 1): ("良好", "")})
            + grade_rows(b, skip={("操行", 6)}, override={("体育与健康", 1): ("85", "90")}) + grade_rows(c)[:1])
    at = {(r["身份证号"], r["课程名称"], int(r["学期"])): i for i, r in enumerate(rows, start=2)}
    expected = changes(
        new=[grade_item(c, "中国特色社会主义", 1, at[(c["身份证号"], "中国特色社会主义", 1)])],
        changed=[grade_item(a, "体育与健康", 2, at[(a["身份证号"], "体育与健康", 2)], 成绩=(85, 55),
                            补考成绩=(None, 70)),
                 grade_item(a, "计算机基础", 1, at[(a["身份证号"], "计算机基础", 1)], 成绩=(85, "良好")),
                 grade_item(b, "体育与健康", 1, at[(b["身份证号"], "体育与健康", 1)], 补考成绩=(None, 90))],
        missing=[grade_item(b, "操行", 6)], unchanged=24)
    before = table_digest(engine, "grading.grades")
    r = upload(client, url(GRADES, "grades"), manager, xlsx(rows), "成绩.xlsx", dry_run="true")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"dry_run": True, "imported": 0, "errors": [], "ignored_columns": [], "changes": expected}
    assert table_digest(engine, "grading.grades") == before
    assert logged(engine, "grading", GRADES) == log_rows

    r = upload(client, url(GRADES, "grades"), manager, xlsx(rows), "成绩.xlsx")
    assert r.get_json() == {"imported": 28, "ignored_columns": [], "errors": [], "changes": expected}
    assert logged(engine, "grading", GRADES) == log_rows + 1
    assert grade_of(engine, a, "体育与健康", 2) == (55.0, None, 70.0)
    assert grade_of(engine, a, "计算机基础", 1) == (None, "良好", None)
    assert grade_of(engine, b, "操行", 6) == (None, "良好", None)  # missing from the file: kept
    before = table_digest(engine, "grading.grades")

    # one class and course: the scope is those students in that course and term
    sheet = [{"身份证号": s["身份证号"], "姓名": s["姓名"], "成绩": score}
             for s, score in ((a, "60"), (b, "85"), (c, "90"))]
    r = upload(client, url(GRADES, "grades"), manager, xlsx(sheet), "体育与健康-第2学期.xlsx", course="体育与健康",
               term="2", dry_run="1")
    assert r.get_json()["changes"] == changes(
        new=[grade_item(c, "体育与健康", 2, 4)], unchanged=1,
        changed=[grade_item(a, "体育与健康", 2, 2, 成绩=(55, 60), 补考成绩=(70, None))])

    # JSON records: "dry_run" in the body; the scope is every grade of the students sent
    r = client.post(url(GRADES, "grades"), headers=manager, json={"dry_run": True, "grades": [
        {"id_number": a["身份证号"], "name": a["姓名"], "course": "体育与健康", "term": 2, "score": "55",
         "makeup_score": "70"}]})
    found = r.get_json()
    assert (found["dry_run"], found["imported"], found["ignored_columns"]) == (True, 0, [])
    assert {k: found["changes"][k] for k in ("new", "changed", "unchanged", "missing")} == \
        {"new": 0, "changed": 0, "unchanged": 1, "missing": sum(len(terms) for _, _, terms, _ in PLAN) - 1}
    assert table_digest(engine, "grading.grades") == before
    assert logged(engine, "grading", GRADES) == log_rows + 1


def without_annotation(body: dict) -> dict:
    """The 422 answer but its annotated copy of the file (a link of its own each time)."""
    return {k: v for k, v in body.items() if k != "annotated_file"}


def test_a_bad_file_in_a_dry_run_gets_the_same_422(client, managers, grade_school, engine):
    manager = managers[GRADES]
    a = grade_school[0]
    bad = {
        "students": [student_row(4631), student_row(4632, 身份证号=student_row(4631)["身份证号"])],
        "course-plans": [dict(p, 课程类别="选修课") if i == 0 else p for i, p in enumerate(plan_rows(cohort=2031))],
        "grades": [dict(r, 姓名="李四") if i == 1 else r for i, r in enumerate(grade_rows(a))],
    }
    tables = ("roster.students", "grading.course_plans", "grading.grades")
    before = table_digest(engine, *tables)
    for kind, rows in bad.items():
        real = upload(client, url(GRADES, kind), manager, xlsx(rows), "错误.xlsx")
        dry = upload(client, url(GRADES, kind), manager, xlsx(rows), "错误.xlsx", dry_run="true")
        assert real.status_code == dry.status_code == 422, kind
        assert without_annotation(dry.get_json()) == without_annotation(real.get_json()), kind
        assert dry.get_json()["errors"], kind
    assert table_digest(engine, *tables) == before
    r = upload(client, url(GRADES, "grades"), manager, xlsx(grade_rows(a)), "成绩.xlsx", dry_run="maybe")
    assert r.status_code == 400 and "dry_run" in r.get_json()["error"]["message"]


# Past the school: a review submitted to the chain holds its graduates' registry, grades and plan.

def test_changes_to_graduates_of_a_submitted_review_wait_for_a_return(client, managers, engine):
    manager = managers[LOCKED]
    review_id, students = verified_review(client, manager, LOCKED, 4640, 2, year=2090)
    listed = students[0]  # 710204, cohort 2023, like the student outside the review
    outside = student_row(4650)
    assert upload(client, url(LOCKED, "students"), manager, xlsx(students + [outside]), "学籍.xlsx").status_code == 200
    records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term, "score": "88"}
               for s in (*students, outside) for course, _, terms, _ in PLAN for term in terms]
    assert client.post(url(LOCKED, "grades"), headers=manager, json={"grades": records}).status_code == 200

    def grade_change(student: dict, score: str, dry_run: bool = True):
        changed = [dict(r, score=score) if (r["id_number"], r["course"], r["term"]) ==
                   (student["身份证号"], "体育与健康", 2) else r for r in records]
        return client.post(url(LOCKED, "grades"), headers=manager, json={"grades": changed, "dry_run": dry_run})

    def registry_change(dry_run: str = "true"):
        rows = [dict(listed, 班级="2023级计算机9班"), students[1], outside]
        return upload(client, url(LOCKED, "students"), manager, xlsx(rows), "学籍.xlsx", dry_run=dry_run)

    plan = plan_rows(major="710204")
    longer = [dict(p, 学时="40") if (p["课程名称"], p["学期"]) == ("体育与健康", "2") else p for p in plan]
    shorter = [p for p in plan if p["课程名称"] != "顶岗实习"]

    def plan_upload(rows: list[dict], dry_run: str = "true"):
        return upload(client, url(LOCKED, "course-plans"), manager, xlsx(rows), "课程设置.xlsx", dry_run=dry_run)

    assert grade_change(listed, "70").status_code == 200  # a draft is still the school's to change
    approve_all_majors(client, manager, review_id)
    r = client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager)
    assert r.status_code == 200 and r.get_json()["status"] == "pending_city", r.get_json()
    held = "在“2090年春季正常验印”毕业审核中，审核已提交（当前：待市级审核）"
    tables = ("roster.students", "grading.course_plans", "grading.grades")
    before = table_digest(engine, *tables)

    row = 1 + next(i for i, g in enumerate(records)
                   if (g["id_number"], g["course"], g["term"]) == (listed["身份证号"], "体育与健康", 2))
    for dry_run in (True, False):
        r = grade_change(listed, "70", dry_run)
        assert r.status_code == 422, r.get_json()
        assert r.get_json()["errors"] == [{"row": row, "column": "成绩", "message": f"该生{held}，不能修改其成绩；"
                                           "如需修改，请联系审核单位退回后再导入"}]
    for dry_run in ("true", "false"):
        r = registry_change(dry_run)
        assert r.status_code == 422, r.get_json()
        assert [(e["row"], e["column"]) for e in r.get_json()["errors"]] == [(2, "班级")]
        assert f"该生{held}，不能修改其学籍" in r.get_json()["errors"][0]["message"]
    r = plan_upload(longer)
    assert r.status_code == 422, r.get_json()
    assert [(e["row"], e["column"]) for e in r.get_json()["errors"]] == [(4, "学时")]
    assert f"710204 2023级有学生{held}，不能修改该专业年级的课程设置" in r.get_json()["errors"][0]["message"]
    r = plan_upload(shorter, "false")
    assert r.status_code == 422, r.get_json()
    assert [(e["row"], e["column"]) for e in r.get_json()["errors"]] == [(None, "课程名称")]
    assert r.get_json()["errors"][0]["message"].startswith(
        "文件中没有710204 2023级“顶岗实习”第6学期，导入会删除这门课程")
    assert table_digest(engine, *tables) == before

    # unchanged rows of its graduates pass (clerks re-import whole sheets), and so do other students' changes
    assert grade_change(outside, "70").status_code == 200
    r = client.post(url(LOCKED, "grades"), headers=manager, json={"grades": records})
    assert r.status_code == 200 and r.get_json()["changes"]["unchanged"] == len(records), r.get_json()
    r = upload(client, url(LOCKED, "students"), manager, xlsx(students + [outside]), "学籍.xlsx")
    assert r.status_code == 200 and r.get_json()["changes"]["unchanged"] == 3, r.get_json()
    assert plan_upload(plan, "false").status_code == 200
    assert plan_upload(plan_rows(major="710204", cohort=2031)).status_code == 200  # another cohort

    r = client.post(f"/api/v1/reviews/{review_id}/return", headers=login(client, "weinan_reviewer"),
                    json={"reason": "请核对体育与健康成绩"})
    assert r.status_code == 200 and r.get_json()["status"] == "draft", r.get_json()
    r = grade_change(listed, "70", dry_run=False)
    assert r.status_code == 200 and r.get_json()["changes"]["changed"] == 1, r.get_json()
    assert registry_change("false").status_code == 200
    assert plan_upload(longer, "false").status_code == 200


def test_once_numbers_are_issued_only_the_certified_stay_held(client, managers, engine):
    """The list of a numbered review is settled: a graduate it did not qualify may be fixed for another
    review; a qualified one, and their plan, stay held."""
    manager = managers[LOCKED]
    students = [student_row(n, 入学年月="2024-09", 班级="2024级计算机1班") for n in range(4660, 4663)]
    qualified, unqualified = students[:2], students[2]
    assert upload(client, url(LOCKED, "students"), manager, xlsx(students), "学籍.xlsx").status_code == 200
    plan = plan_rows(major="710204", cohort=2024)
    assert upload(client, url(LOCKED, "course-plans"), manager, xlsx(plan), "课程设置.xlsx").status_code == 200
    rows = [r for s in qualified for r in grade_rows(s)] + grade_rows(unqualified, skip={("体育与健康", 4)})
    assert upload(client, url(LOCKED, "grades"), manager, xlsx(rows), "成绩.xlsx").status_code == 200
    review_id = listed_review(client, manager, LOCKED, students, year=2091)
    numbered_certificates(client, manager, review_id, [login(client, "weinan_reviewer"),
                                                       login(client, "province_reviewer")])

    def sheet(student: dict, score: str) -> bytes:
        return xlsx([{"身份证号": student["身份证号"], "姓名": student["姓名"], "成绩": score}])

    r = upload(client, url(LOCKED, "grades"), manager, sheet(unqualified, "75"), "体育与健康-第4学期.xlsx",
               course="体育与健康", term="4", dry_run="true")
    assert r.status_code == 200 and r.get_json()["changes"]["new"] == 1, r.get_json()
    r = upload(client, url(LOCKED, "grades"), manager, sheet(qualified[0], "75"), "体育与健康-第4学期.xlsx",
               course="体育与健康", term="4", dry_run="true")
    assert r.status_code == 422, r.get_json()
    held = "该生在“2091年春季正常验印”毕业审核中，审核已提交（当前：已发证书编号）"
    assert held in r.get_json()["errors"][0]["message"]
    longer = [dict(p, 学时="40") if p["课程名称"] == "体育与健康" else p for p in plan]
    r = upload(client, url(LOCKED, "course-plans"), manager, xlsx(longer), "课程设置.xlsx", dry_run="true")
    assert r.status_code == 422 and len(r.get_json()["errors"]) == 4, r.get_json()
