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
    graded(client, manager, school, students, [row for code, _ in MAJORS for row in plan_rows(major=code)], "88")
    return listed_review(client, manager, school, students, year, season, kind), students


def graded(client, manager: dict, school: str, students: list[dict], plans: list[dict], score: str) -> None:
    """The school's registry of `students`, its course `plans`, and `score` in every planned course-term."""
    r = upload(client, f"/api/v1/schools/{school}/students", manager, xlsx(students), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    r = upload(client, f"/api/v1/schools/{school}/course-plans", manager, xlsx(plans), "课程设置.xlsx")
    assert r.status_code == 200, r.get_json()
    records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term, "score": score}
               for s in students for course, _, terms, _ in PLAN for term in terms]
    r = client.post(f"/api/v1/schools/{school}/grades", headers=manager, json={"grades": records})
    assert r.status_code == 200, r.get_json()


def listed_review(client, manager: dict, school: str, students: list[dict], year: int, season: str = "春季",
                  kind: str = "正常验印", rebuild: bool = False) -> str:
    """A graduate list of these registry rows imported as a review; returns its id once verified."""
    r = upload(client, "/api/v1/reviews", manager, xlsx([graduate_row(s) for s in students]), "名单.xlsx",
               school_code=school, year=str(year), season=season, kind=kind, rebuild=str(rebuild).lower())
    assert r.status_code == 202, r.get_json()
    review_id = r.get_json()["review_id"]
    verified_view(client, manager, review_id)
    return review_id


def verified_view(client, headers: dict, review_id: str) -> dict:
    def verified():
        review = client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()
        return review["verification"]["state"] == "done" and review
    return until(verified, timeout=60, what="verification")


def approve_all_majors(client, headers: dict, review_id: str) -> dict:
    review = client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()
    for major in (m for m in review["majors"] if m["status"] != "approved"):
        r = client.post(f"/api/v1/reviews/{review_id}/majors/{major['major_code']}/approve", headers=headers)
        assert r.status_code == 200, r.get_json()
    return client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()


def submit_through_chain(client, manager: dict, review_id: str, reviewers: list[dict]) -> None:
    """The school and every level but the last approve; the review then waits for `reviewers[-1]`."""
    approve_all_majors(client, manager, review_id)
    r = client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_json()
    for headers in reviewers[:-1]:
        approve_all_majors(client, headers, review_id)
        r = client.post(f"/api/v1/reviews/{review_id}/approve", headers=headers)
        assert r.status_code == 200, r.get_json()
    approve_all_majors(client, reviewers[-1], review_id)


def numbered_certificates(client, manager: dict, review_id: str, reviewers: list[dict]) -> list[dict]:
    """Through the whole chain to the province's approval; returns the numbers once issued."""
    submit_through_chain(client, manager, review_id, reviewers)
    r = client.post(f"/api/v1/reviews/{review_id}/approve", headers=reviewers[-1])
    assert r.status_code == 200, r.get_json()
    until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["status"] == "numbered",
          what="numbers issued")
    return client.get(f"/api/v1/reviews/{review_id}/certificates", headers=manager).get_json()
