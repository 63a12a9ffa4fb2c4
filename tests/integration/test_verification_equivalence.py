"""The workers' set-based verification (sql_verify) reaches exactly the verdicts of the reference
engine (engine.verify) on varied data: missing terms, fails, make-ups, grade words, 升学, no plan."""
import random

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.grading import engine, sql_verify, verification
from services.grading.plans import load as load_plans
from tests.support.courses import PLAN
from tests.support.people import student_row

SCHOOL = "EQ1"
WORDS = ["优秀", "良好", "中等", "及格", "不及格", "合格", "不合格"]


def passing_grade(rng: random.Random) -> tuple:
    """A grade that counts: a pass, a passing word, or a fail made good at the make-up."""
    roll = rng.random()
    if roll < 0.15:
        return (None, rng.choice(["优秀", "良好", "中等", "及格", "合格"]), None, None)
    if roll < 0.25:
        return (rng.randint(20, 59), None, rng.randint(60, 100), None)
    return (rng.randint(60, 100), None, None, None)


def random_grade(rng: random.Random) -> tuple:
    """(score, word, makeup_score, makeup_word) or None for a missing grade."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.2:
        return (None, rng.choice(WORDS), None, rng.choice([None, "及格", "不及格"]))
    score = rng.choice([rng.randint(0, 100), 59, 60, 59.5])
    makeup = rng.choice([None, None, rng.randint(30, 100)]) if score < 60 else None
    return (score, None, makeup, None)


@pytest.fixture(scope="module")
def data(engine, stack):
    rng = random.Random(2026)
    students = []
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM grading.course_plans WHERE school_code = :s"), {"s": SCHOOL})
        conn.execute(sa.text("DELETE FROM grading.grades WHERE school_code = :s"), {"s": SCHOOL})
        for course, category, terms, hours in PLAN:
            for term in terms:
                conn.execute(sa.text("INSERT INTO grading.course_plans VALUES (:s, '710204', 2023, :c, :t, :cat, :h)"),
                             {"s": SCHOOL, "c": course, "t": term, "cat": category, "h": hours})
        for n in range(400):
            id_number = student_row(9000 + n)["身份证号"]
            cohort = 2023 if n % 40 else 2019  # a few without a plan
            mode = "升学" if n % 7 == 0 else "正常毕业"
            students.append({"row": n + 2, "id_number": id_number, "name": f"学生{n}", "mode": mode,
                             "major_code": "710204", "cohort": cohort})
            nothing = n % 33 == 0  # no grades at all
            clean = rng.random() < 0.6
            for course, _, terms, _ in PLAN:
                for term in terms:
                    grade = None if nothing else passing_grade(rng) if clean else random_grade(rng)
                    if grade:
                        conn.execute(sa.text("INSERT INTO grading.grades (school_code, id_number, course, term, "
                                             "score, word, makeup_score, makeup_word) "
                                             "VALUES (:s, :i, :c, :t, :sc, :w, :ms, :mw)"),
                                     {"s": SCHOOL, "i": id_number, "c": course, "t": term, "sc": grade[0],
                                      "w": grade[1], "ms": grade[2], "mw": grade[3]})
    return students


def reference(session: Session, students: list[dict]) -> list[dict]:
    plans = load_plans(session, SCHOOL, {(s["major_code"], s["cohort"]) for s in students})
    grades = verification.load_grades(session, SCHOOL, [s["id_number"] for s in students])
    results = []
    for s in students:
        v = engine.verify(s["mode"], plans.get((s["major_code"], s["cohort"]), []), grades[s["id_number"]],
                          plan_label=f"专业{s['major_code']} {s['cohort']}级")
        results.append({"row": s["row"], "qualified": v.qualified, "reasons": v.reasons, "scores": v.scores})
    return results


def test_set_based_verdicts_equal_the_reference_engine(engine, data):
    with Session(engine) as session:
        expected = reference(session, data)
        actual = sql_verify.verify_students(session, SCHOOL, data)
    assert actual == expected
    kinds = {r["reasons"][0][:4] for r in expected if r["reasons"]}
    assert len(kinds) >= 4, "the data exercises several kinds of reason"
    assert sum(r["qualified"] for r in expected) >= 20, "and some qualified students with composites"


def test_a_student_listed_twice_gets_one_verdict_each_time(engine, data):
    twice = [data[1], dict(data[1], row=999)]
    with Session(engine) as session:
        first, second = sql_verify.verify_students(session, SCHOOL, twice)
    assert {k: v for k, v in first.items() if k != "row"} == {k: v for k, v in second.items() if k != "row"}


@pytest.mark.parametrize("values, array_type", [
    (["610101200001011234", "a,b", "{x}", '"q"', "back\\slash", "NULL", "", " spaced ", "中文", None], "text[]"),
    ([2023, None, -1], "int[]"),
    ([True, False], "boolean[]"),
])
def test_a_chunks_columns_reach_the_server_as_they_are(engine, values, array_type):
    """The students' columns travel as arrays' text forms (sql_verify.array_text): any text means itself."""
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT CAST(:a AS {array_type})"),
                            {"a": sql_verify.array_text(values)}).scalar_one() == values
