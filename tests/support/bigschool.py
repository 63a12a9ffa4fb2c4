"""A province-sized list on this machine: a school of a few thousand qualified students, and what the
grading and review schemas recorded of its verification."""
import datetime as dt

import sqlalchemy as sa

from tests.support.courses import PLAN, plan_rows
from tests.support.orgs import school_with_manager
from tests.support.people import graduate_row, id_number, student_row
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

GRADES_PER_REQUEST = 1000  # students whose grades go in one API call


def students(count: int, area: str) -> list[dict]:
    """`count` registry rows of major 710204 whose identity numbers carry the county code `area`, so that
    they are no other test's students."""
    rows = []
    for n in range(1, count + 1):
        row = student_row(n)
        born = dt.date.fromisoformat(row["出生日期"])
        row["身份证号"] = id_number(born, 2 * (n % 400) + (101 if row["性别"] == "男" else 100), area=area)
        rows.append(row)
    return rows


def school_with_students(client, province: dict, code: str, name: str, parent: str, manager: str,
                         rows: list[dict]) -> dict:
    """A school under `parent` with its graduation manager, registry, course plan and a passing grade for
    every planned course-term of each student; returns the manager's headers."""
    headers = school_with_manager(client, province, (code, name), (manager, "毕业管理员"), parent=parent)
    r = upload(client, f"/api/v1/schools/{code}/students", headers, xlsx(rows), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    r = upload(client, f"/api/v1/schools/{code}/course-plans", headers, xlsx(plan_rows()), "课程设置.xlsx")
    assert r.status_code == 200, r.get_json()
    for start in range(0, len(rows), GRADES_PER_REQUEST):
        records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term, "score": "80"}
                   for s in rows[start:start + GRADES_PER_REQUEST] for course, _, terms, _ in PLAN for term in terms]
        r = client.post(f"/api/v1/schools/{code}/grades", headers=headers, json={"grades": records})
        assert r.status_code == 200, r.get_json()
    return headers


def import_list(client, manager: dict, school: str, rows: list[dict], year: int, season: str = "春季") -> str:
    """The school's graduate list of these students, imported as a review; its id (verification follows)."""
    r = upload(client, "/api/v1/reviews", manager, xlsx([graduate_row(s) for s in rows]), "名单.xlsx",
               school_code=school, year=str(year), season=season, kind="正常验印", rebuild="false")
    assert r.status_code == 202, r.get_json()
    return r.get_json()["review_id"]


def wait_verified(client, headers: dict, review_id: str, timeout: float = 300) -> dict:
    def done():
        review = client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()
        return review.get("verification", {}).get("state") == "done" and review
    return until(done, timeout=timeout, interval=0.5, what="the verification to finish")


def chunk_rows(engine: sa.Engine, review_id: str) -> list:
    """(chunk_no, verified_by, times_verified, verdicts) of each chunk of the review's list."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT chunk_no, verified_by, times_verified, coalesce(verdicts, 0) AS n "
            "FROM grading.chunks WHERE review_id = :r ORDER BY generation, chunk_no"), {"r": review_id}).all()


def verdicts(engine: sa.Engine, review_id: str) -> tuple[int, int, int, int]:
    """(graduates, graded, qualified, distinct id numbers) of the review's list."""
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT count(*), count(*) FILTER (WHERE graded), count(*) FILTER (WHERE verdict = 'qualified'), "
            "count(DISTINCT id_number) FROM review.graduates WHERE review_id = :r"), {"r": review_id}).one())


def chunk_events_handled(engine: sa.Engine, review_id: str) -> tuple[int, int]:
    """(chunk_verified events in grading's outbox, of those handled by the review) for the review."""
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT count(*), count(p.event_id) FROM grading.outbox o LEFT JOIN review.processed_events p "
            "ON p.event_id = o.event_id AND p.handler = 'review.on_chunk_verified' "
            "WHERE o.event_type = 'chunk_verified' AND o.payload->>'review_id' = :r"), {"r": review_id}).one())
