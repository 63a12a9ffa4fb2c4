"""A list verified end to end by the real services: every rule's message, composites for the
qualified, progress through the review, rebuild re-verifies."""
import pytest

from tests.support.courses import grade_rows, plan_rows
from tests.support.gateway import login
from tests.support.people import graduate_row, student_row
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

SCHOOL = "S3"
CONDUCT_ONLY = {("中国特色社会主义", None), ("体育与健康", None), ("计算机基础", None), ("顶岗实习", None)}


@pytest.fixture(scope="module")
def season(app, province, stack):
    """S3 with a registry, a plan and grades that exercise every rule; its list imported."""
    client = app.test_client()
    manager = login(client, "s3_manager")
    s = [student_row(n, **({"学籍状态": "休学"} if n == 708 else {})) for n in range(701, 710)]
    assert upload(client, f"/api/v1/schools/{SCHOOL}/students", manager, xlsx(s), "学籍.xlsx").status_code == 200
    assert upload(client, f"/api/v1/schools/{SCHOOL}/course-plans", manager, xlsx(plan_rows()),
                  "课程设置.xlsx").status_code == 200
    grades = (
        grade_rows(s[0], score="92")                                              # qualified, 优秀
        + grade_rows(s[1], skip={("操行", None)})                                  # conduct missing 1-6
        + grade_rows(s[2], skip={("中国特色社会主义", 1), ("体育与健康", None)})     # courses missing
        # s[3]: no grades at all
        + grade_rows(s[4], override={("计算机基础", 2): ("55", "48")})             # failed, also at make-up
        + grade_rows(s[5], override={("计算机基础", 2): ("50", "70")})             # passed at make-up
        + grade_rows(s[6], skip=CONDUCT_ONLY)                                     # 升学, only conduct
        + grade_rows(s[7], skip={("操行", 2), ("操行", 4)})                        # 休学 and conduct missing
        + grade_rows(s[8], skip=CONDUCT_ONLY)                                     # not 升学, only conduct
    )
    r = upload(client, f"/api/v1/schools/{SCHOOL}/grades", manager, xlsx(grades), "成绩.xlsx")
    assert r.status_code == 200, r.get_json()
    listed = [graduate_row(x) for x in s]
    listed[6]["毕业方式"] = "升学"
    r = upload(client, "/api/v1/reviews", manager, xlsx(listed), "名单.xlsx",
               school_code=SCHOOL, year="2026", season="春季", kind="正常验印")
    assert r.status_code == 202, r.get_json()
    review_id = r.get_json()["review_id"]
    review = until(lambda: done(client, manager, review_id), timeout=60, what="verification done")
    return {"client": client, "manager": manager, "id": review_id, "review": review, "students": s}


def done(client, headers, review_id):
    review = client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()
    return review if review["verification"]["state"] == "done" else None


def test_every_rule_gives_its_message(season):
    review = season["review"]
    assert review["verification"] == {"state": "done", "total": 9, "done": 9}
    reasons = {u["row"]: u["reasons"] for u in review["unqualified"]}
    assert reasons[3] == ["缺少1-6学期的“操行”成绩，须补录成绩"]
    assert reasons[4] == ["基础课“中国特色社会主义”1学期、“体育与健康”1-4学期缺少成绩"]
    assert reasons[5] == ["各类课程都无成绩，须补录"]
    assert reasons[6] == ["专业核心课“计算机基础”第2学期不及格（55分，补考48分）"]
    assert reasons[9] == ["学籍状态为“休学”，不能毕业", "缺少2、4学期的“操行”成绩，须补录成绩"]
    assert reasons[10] == ["基础课“中国特色社会主义”1学期、“体育与健康”1-4学期缺少成绩",
                           "专业核心课“计算机基础”1-2学期缺少成绩", "实习“顶岗实习”6学期缺少成绩"]
    assert set(reasons) == {3, 4, 5, 6, 9, 10}
    assert review["qualified"] == 3
    assert review["majors"] == [{"major_code": "710204", "major_name": "计算机应用", "qualified": 3,
                                 "status": "pending", "status_name": "待学校确认"}]


def test_qualification_table_has_composites_in_list_order(season):
    client, manager = season["client"], season["manager"]
    table = client.get(f"/api/v1/reviews/{season['id']}/majors/710204", headers=manager).get_json()
    assert [s["row"] for s in table["students"]] == [2, 7, 8]
    assert [s["seq"] for s in table["students"]] == [1, 2, 3]
    top, makeup, further = table["students"]
    assert top["overall_grade"] == "优秀" and top["scores"]["公共基础课"] == 92.0
    assert top["conduct_grade"] == "良好" and top["internship_grade"] == "优秀"
    # 计算机基础: term 1 85, term 2 passed at make-up with 70, equal hours → 77.5
    assert makeup["scores"]["专业核心课"] == 77.5
    assert further["mode"] == "升学" and further["conduct_grade"] == "良好"
    assert client.get(f"/api/v1/reviews/{season['id']}/majors/000000", headers=manager).status_code == 404


def test_detail_grades_are_a_click_away(season):
    client, manager = season["client"], season["manager"]
    detail = client.get(f"/api/v1/reviews/{season['id']}/graduates/6/grades", headers=manager).get_json()
    failed = [g for g in detail["grades"] if not g["passed"]]
    assert [(g["course"], g["term"], g["score"], g["makeup_score"]) for g in failed] == [("计算机基础", 2, 55.0, 48.0)]
    assert len(detail["grades"]) == 14
    assert detail["reasons"] == ["专业核心课“计算机基础”第2学期不及格（55分，补考48分）"]


def test_rebuild_after_fixing_grades_verifies_again(season):
    client, manager, s = season["client"], season["manager"], season["students"]
    fix = grade_rows(s[1], skip={c for c in CONDUCT_ONLY})
    assert upload(client, f"/api/v1/schools/{SCHOOL}/grades", manager, xlsx(fix), "补录操行.xlsx").status_code == 200
    listed = [graduate_row(x) for x in s]
    listed[6]["毕业方式"] = "升学"
    r = upload(client, "/api/v1/reviews", manager, xlsx(listed), "名单.xlsx",
               school_code=SCHOOL, year="2026", season="春季", kind="正常验印", rebuild="true")
    assert r.status_code == 202
    review = until(lambda: (lambda v: v if v and v["generation"] == 2 else None)(done(client, manager, season["id"])),
                   timeout=60, what="re-verification")
    assert 3 not in {u["row"] for u in review["unqualified"]}
    assert review["qualified"] == 4
