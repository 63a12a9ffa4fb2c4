"""Verifying a chunk with the per-item work in PostgreSQL.

One query joins the chunk's students to their plans and grades and returns, per student and
category, whether any grade exists, the sums of passed course-terms for the composites, and only the
unpassed course-terms that count (usually none). Python then does per student only what
the engine's `judge` and `scores_from_sums` need, so the cost stays close to one SQL aggregate over
the same grade rows.
"""
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.grading import engine

FAILING = "('不及格', '不合格')"
WORD_VALUE = " ".join(f"WHEN '{w}' THEN {v}" for w, v in engine.WORD_VALUES.items())

QUERY = f"""
WITH s AS (
    SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:majors AS text[]), CAST(:cohorts AS int[]),
                         CAST(:further AS boolean[])) WITH ORDINALITY AS s(id_number, major_code, cohort, further, n)
), g AS MATERIALIZED (  -- the chunk's grades in one index range scan, then hash-joined
    SELECT id_number, course, term, score::float8 AS score, word, makeup_score::float8 AS makeup_score, makeup_word
    FROM grading.grades WHERE school_code = :school AND id_number = ANY(CAST(:ids AS text[]))
), items AS (
    SELECT s.n, s.further, p.course, p.category, p.term, p.hours::float8 AS hours,
           p.course = '{engine.CONDUCT_COURSE}' AS conduct, g.id_number IS NOT NULL AS graded,
           g.score, g.word, g.makeup_score, g.makeup_word,
           CASE WHEN g.score IS NOT NULL THEN g.score >= {engine.PASS_MARK}
                WHEN g.word IS NOT NULL THEN g.word NOT IN {FAILING} ELSE false END AS exam_pass,
           CASE WHEN g.makeup_score IS NOT NULL THEN g.makeup_score >= {engine.PASS_MARK}
                WHEN g.makeup_word IS NOT NULL THEN g.makeup_word NOT IN {FAILING} ELSE false END AS makeup_pass
    FROM s
    JOIN grading.course_plans p ON p.school_code = :school AND p.major_code = s.major_code AND p.cohort = s.cohort
    LEFT JOIN g ON g.id_number = s.id_number AND g.course = p.course AND g.term = p.term
), valued AS (
    SELECT *, CASE WHEN exam_pass THEN coalesce(score, CASE word {WORD_VALUE} END)
                   WHEN makeup_pass THEN coalesce(makeup_score, CASE makeup_word {WORD_VALUE} END) END AS value
    FROM items
)
SELECT n, category, conduct, bool_or(graded) AS any_grade,
       sum(hours * value) AS weighted, sum(hours) FILTER (WHERE value IS NOT NULL) AS hours,
       count(value) AS counted, sum(value) AS total,
       array_agg(ARRAY[course, category, term::text, graded::text, score::text, word, makeup_score::text,
                       makeup_word])
           FILTER (WHERE value IS NULL AND (conduct OR NOT further)) AS problems
FROM valued GROUP BY n, category, conduct"""


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def _problem(cells: list) -> engine.Problem:
    course, category, term, graded, score, word, makeup_score, makeup_word = cells
    grade = engine.Grade(_number(score), word, _number(makeup_score), makeup_word) if graded == "true" else None
    return engine.Problem(course, category, int(term), grade)


def verify_students(session: Session, school_code: str, students: list[dict]) -> list[dict]:
    """Verdicts for a chunk's students: [{row, qualified, reasons, scores}] in the chunk's order."""
    unique = list({s["id_number"]: s for s in students}.values())  # a list may name a student twice
    params = {"school": school_code, "ids": [s["id_number"] for s in unique],
              "majors": [s["major_code"] for s in unique], "cohorts": [s["cohort"] for s in unique],
              "further": [s["mode"] == engine.FURTHER_STUDY for s in unique]}
    session.execute(sa.text("SET LOCAL work_mem = '64MB'"))  # the grouping stays in memory
    # The planner cannot estimate the unnest join and, guessing one row, may loop over every grade
    # for every planned item (8 s for 250 students instead of 0.05): every join here hashes well.
    session.execute(sa.text("SET LOCAL enable_nestloop = off"))
    any_grade: dict[str, bool] = {}
    problems: dict[str, list] = defaultdict(list)
    sums: dict[str, dict] = defaultdict(dict)
    for r in session.execute(sa.text(QUERY), params):
        id_number = params["ids"][r.n - 1]
        any_grade[id_number] = any_grade.get(id_number, False) or r.any_grade
        problems[id_number] += [_problem(c) for c in r.problems or []]
        if r.counted:
            sums[id_number][(r.category, r.conduct)] = engine.Sums(r.weighted, r.hours, r.counted, r.total)
    results = []
    for s in students:
        if s["id_number"] not in any_grade:  # no plan for the student's major and cohort
            reasons = [engine.missing_plan(f"专业{s['major_code']} {s['cohort']}级")]
        else:
            reasons = engine.judge(s["mode"], problems[s["id_number"]], any_grade[s["id_number"]])
        scores = None if reasons else engine.scores_from_sums(sums[s["id_number"]])
        results.append({"row": s["row"], "qualified": not reasons, "reasons": reasons, "scores": scores})
    return results
