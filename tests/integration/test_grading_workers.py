"""Grading workers as competing consumers on the real broker: two processes share one list, and a
worker killed mid-chunk loses nothing and doubles nothing."""
import pytest
import sqlalchemy as sa

from tests.support.courses import plan_rows
from tests.support.orgs import school_with_manager
from tests.support.people import graduate_row, student_row
from tests.support.season import graded
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

SCHOOL = "W1"
STUDENTS = 1200  # five chunks
GRADING = ("services.grading.service:GradingService", "grading", "services/grading/config.yml")


def start_second_worker(spawn, label: str, extra_env: dict | None = None):
    """Another grading process beside the session's one, once it consumes."""
    proc = spawn(*GRADING, label=label, extra_env=extra_env, wait=False)
    proc.wait_consuming()
    return proc


@pytest.fixture(scope="module")
def school(app, province, stack):
    client = app.test_client()
    manager = school_with_manager(client, province, (SCHOOL, "渭南市第一职业学校"), ("w1_manager", "钱老师"))
    students = [student_row(n) for n in range(2200, 2200 + STUDENTS)]
    graded(client, manager, SCHOOL, students, plan_rows(), "80")
    return {"client": client, "manager": manager, "list": xlsx([graduate_row(s) for s in students])}


def import_list(school, rebuild: bool) -> str:
    r = upload(school["client"], "/api/v1/reviews", school["manager"], school["list"], "名单.xlsx",
               school_code=SCHOOL, year="2026", season="秋季", kind="正常验印", rebuild="true" if rebuild else "false")
    assert r.status_code == 202, r.get_json()
    return r.get_json()["review_id"]


def wait_verified(school, review_id: str, generation: int) -> dict:
    def check():
        review = school["client"].get(f"/api/v1/reviews/{review_id}", headers=school["manager"]).get_json()
        ok = review["generation"] == generation and review["verification"]["state"] == "done"
        return review if ok else None
    return until(check, timeout=120, what=f"generation {generation} verified")


def chunk_rows(engine, review_id: str, generation: int):
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT chunk_no, verified_by, times_verified, verdicts AS n FROM grading.chunks "
            "WHERE review_id = :r AND generation = :g ORDER BY chunk_no"), {"r": review_id, "g": generation}).all()


def graded_rows(engine, review_id: str):
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FILTER (WHERE graded), count(*) FILTER (WHERE verdict = 'qualified'), count(*) "
            "FROM review.graduates WHERE review_id = :r"), {"r": review_id}).one()


def test_two_grading_processes_share_one_list(school, spawn, engine):
    start_second_worker(spawn, "grading-second")
    review_id = import_list(school, rebuild=False)
    review = wait_verified(school, review_id, 1)
    assert review["qualified"] == STUDENTS
    chunks = chunk_rows(engine, review_id, 1)
    assert len(chunks) == 5
    assert all(c.times_verified == 1 for c in chunks)
    assert sum(c.n for c in chunks) == STUDENTS
    assert len({c.verified_by for c in chunks}) == 2, "both grading processes took chunks"
    assert graded_rows(engine, review_id) == (STUDENTS, STUDENTS, STUDENTS)


def test_a_worker_killed_mid_chunk_loses_nothing(school, spawn, engine):
    doomed = start_second_worker(spawn, "grading-doomed", {"FAULTS": "mid_chunk"})
    review_id = import_list(school, rebuild=True)
    assert doomed.wait_exit(timeout=60) == 137, "the worker died inside a chunk"
    review = school["client"].get(f"/api/v1/reviews/{review_id}", headers=school["manager"]).get_json()
    generation = review["generation"]
    review = wait_verified(school, review_id, generation)
    assert review["qualified"] == STUDENTS
    chunks = chunk_rows(engine, review_id, generation)
    assert all(c.times_verified == 1 for c in chunks), chunks
    assert sum(c.n for c in chunks) == STUDENTS
    assert graded_rows(engine, review_id) == (STUDENTS, STUDENTS, STUDENTS)
