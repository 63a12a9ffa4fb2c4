"""A school's season brought to a verified review through the real API: registry, plans, grades, list."""
from tests.support.courses import PLAN, plan_rows
from tests.support.people import graduate_row, student_row
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

MAJORS = [("710204", "计算机应用"), ("730301", "会计事务")]


def verified_review(client, manager: dict, school: str, first: int, count: int, year: int,
                    season: str = "春季", kind: str = "正常验印") -> tuple[str, list[dict]]:
    """A review of `count` qualified students in two majors, verification done."""
    students = []
    for n in range(first, first + count):
        code, name = MAJORS[n % 2]
        students.append(student_row(n, 专业代码=code, 专业名称=name))
    assert upload(client, f"/api/v1/schools/{school}/students", manager, xlsx(students), "学籍.xlsx").status_code == 200
    plans = [row for code, _ in MAJORS for row in plan_rows(major=code)]
    assert upload(client, f"/api/v1/schools/{school}/course-plans", manager, xlsx(plans),
                  "课程设置.xlsx").status_code == 200
    records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term, "score": "88"}
               for s in students for course, _, terms, _ in PLAN for term in terms]
    r = client.post(f"/api/v1/schools/{school}/grades", headers=manager, json={"grades": records})
    assert r.status_code == 200, r.get_json()
    r = upload(client, "/api/v1/reviews", manager, xlsx([graduate_row(s) for s in students]), "名单.xlsx",
               school_code=school, year=str(year), season=season, kind=kind)
    assert r.status_code == 202, r.get_json()
    review_id = r.get_json()["review_id"]

    def verified():
        review = client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()
        return review["verification"]["state"] == "done" and review
    until(verified, timeout=60, what="verification")
    return review_id, students


def approve_all_majors(client, headers: dict, review_id: str) -> dict:
    review = client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()
    for major in review["majors"]:
        r = client.post(f"/api/v1/reviews/{review_id}/majors/{major['major_code']}/approve", headers=headers)
        assert r.status_code == 200, r.get_json()
    return client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()
