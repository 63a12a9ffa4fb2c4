"""Verifying a chunk with the per-item work in PostgreSQL.

The chunk's grades drive one query: each grade row is joined to its student (a hash of the chunk's
students) and to the planned course-term it is for (a hash of the school's plans, a few hundred
rows), valued once, and summed per student and category: the sums of passed course-terms for the
composites, how many planned course-terms hold a grade, and only the unpassed ones that count
(usually none). A planned course-term without any grade is found by counting: only a student with
fewer graded course-terms than the plan holds is looked up again, in a second, small query. Python
then does per student only what the engine's `judge` and `scores_from_sums` need, so the cost stays
close to one SQL aggregate over the same grade rows.
"""
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.grading import engine

FAILING = "('不及格', '不合格')"
WORD_VALUE = " ".join(f"WHEN '{w}' THEN {v}" for w, v in engine.WORD_VALUES.items())
STUDENTS = """
    SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:majors AS text[]), CAST(:cohorts AS int[]),
                         CAST(:further AS boolean[])) WITH ORDINALITY AS s(id_number, major_code, cohort, further, n)"""

QUERY = f"""
WITH s AS ({STUDENTS}
), p AS (
    SELECT major_code, cohort, course, term, category, hours::float8 AS hours,
           course = '{engine.CONDUCT_COURSE}' AS conduct
    FROM grading.course_plans WHERE school_code = :school
), items AS (
    SELECT s.n, s.further, p.course, p.category, p.term, p.hours, p.conduct,
           g.score::float8 AS score, g.word, g.makeup_score::float8 AS makeup_score, g.makeup_word,
           CASE WHEN g.score IS NOT NULL THEN g.score >= {engine.PASS_MARK}
                WHEN g.word IS NOT NULL THEN g.word NOT IN {FAILING} ELSE false END AS exam_pass,
           CASE WHEN g.makeup_score IS NOT NULL THEN g.makeup_score >= {engine.PASS_MARK}
                WHEN g.makeup_word IS NOT NULL THEN g.makeup_word NOT IN {FAILING} ELSE false END AS makeup_pass
    FROM grading.grades g
    JOIN s ON s.id_number = g.id_number
    JOIN p ON p.major_code = s.major_code AND p.cohort = s.cohort AND p.course = g.course AND p.term = g.term
    WHERE g.school_code = :school AND g.id_number = ANY(CAST(:ids AS text[]))
), valued AS (
    SELECT *, CASE WHEN exam_pass THEN coalesce(score, CASE word {WORD_VALUE} END)
                   WHEN makeup_pass THEN coalesce(makeup_score, CASE makeup_word {WORD_VALUE} END) END AS value
    FROM items
    OFFSET 0  -- a fence: each row is valued once, not once for every aggregate that reads `value`
)
SELECT n, category, conduct, count(*) AS graded,
       sum(hours * value) AS weighted, sum(hours) FILTER (WHERE value IS NOT NULL) AS hours,
       count(value) AS counted, sum(value) AS total,
       array_agg(ARRAY[course, category, term::text, score::text, word, makeup_score::text, makeup_word])
           FILTER (WHERE value IS NULL AND (conduct OR NOT further)) AS problems
FROM valued GROUP BY n, category, conduct"""

PLAN_SIZES = """
SELECT major_code, cohort, count(*) AS items FROM grading.course_plans WHERE school_code = :school
GROUP BY major_code, cohort"""

MISSING = f"""
WITH s AS ({STUDENTS}
)
SELECT s.n, p.course, p.category, p.term
FROM s JOIN grading.course_plans p ON p.school_code = :school AND p.major_code = s.major_code AND p.cohort = s.cohort
WHERE (p.course = '{engine.CONDUCT_COURSE}' OR NOT s.further)
  AND NOT EXISTS (SELECT 1 FROM grading.grades g WHERE g.school_code = :school AND g.id_number = s.id_number
                                                   AND g.course = p.course AND g.term = p.term)"""


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def _failed(cells: list) -> engine.Problem:
    course, category, term, score, word, makeup_score, makeup_word = cells
    return engine.Problem(course, category, int(term),
                          engine.Grade(_number(score), word, _number(makeup_score), makeup_word))


def array_text(values: list) -> str:
    """A PostgreSQL array's text form (`{"a","b",NULL}`), for one parameter cast to an array type.

    psycopg2 sends a Python list as `ARRAY['a','b',…]`: one constant for every element, each parsed and
    folded by the server and quoted by the client: about a tenth of a chunk's query. The text form
    is one string that the array's input function reads in a single pass. Every element is quoted, so any
    text (a comma, a brace, a quote) means itself."""
    return "{" + ",".join("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
                          for v in values) + "}"


def _params(school_code: str, students: list[dict]) -> dict:
    return {"school": school_code, "ids": array_text([s["id_number"] for s in students]),
            "majors": array_text([s["major_code"] for s in students]),
            "cohorts": array_text([s["cohort"] for s in students]),
            "further": array_text([s["mode"] == engine.FURTHER_STUDY for s in students])}


def verify_students(session: Session, school_code: str, students: list[dict]) -> list[dict]:
    """Verdicts for a chunk's students: [{row, qualified, reasons, scores}] in the chunk's order."""
    unique = list({s["id_number"]: s for s in students}.values())  # a list may name a student twice
    params = _params(school_code, unique)
    # work_mem: the grouping stays in memory. The planner cannot estimate the unnest join and, guessing
    # one row, may loop over every grade for every planned item (8 s for 250 students instead of 0.05):
    # every join here hashes well. One round trip for the four settings.
    session.execute(sa.text("SET LOCAL work_mem = '64MB'; SET LOCAL enable_nestloop = off; "
                            "SET LOCAL enable_sort = off; SET LOCAL join_collapse_limit = 1"))
    plan_sizes = {(r.major_code, r.cohort): r.items for r in session.execute(sa.text(PLAN_SIZES), params)}
    graded = [0] * len(unique)
    problems: dict[int, list] = defaultdict(list)
    sums: dict[int, dict] = defaultdict(dict)
    rows = session.execute(sa.text(QUERY), params)
    for n, category, conduct, items, weighted, hours, counted, total, failed in rows:  # unpacked: by name is slow
        graded[n - 1] += items
        if failed:
            problems[n - 1] += [_failed(c) for c in failed]
        if counted:
            sums[n - 1][(category, conduct)] = engine.Sums(weighted, hours, counted, total)
    short = [i for i, s in enumerate(unique) if graded[i] < plan_sizes.get((s["major_code"], s["cohort"]), 0)]
    if short:  # a few students, each planned course-term looked up in the grades' index
        session.execute(sa.text("SET LOCAL enable_nestloop = on"))
        for r in session.execute(sa.text(MISSING), _params(school_code, [unique[i] for i in short])):
            problems[short[r.n - 1]].append(engine.Problem(r.course, r.category, r.term))
    verdicts = {}
    for i, s in enumerate(unique):
        if (s["major_code"], s["cohort"]) not in plan_sizes:
            reasons = [engine.missing_plan(f"专业{s['major_code']} {s['cohort']}级")]
        else:
            reasons = engine.judge(s["mode"], problems[i], graded[i] > 0)
        verdicts[s["id_number"]] = reasons, None if reasons else engine.scores_from_sums(sums[i])
    return [{"row": s["row"], "qualified": not verdicts[s["id_number"]][0], "reasons": verdicts[s["id_number"]][0],
             "scores": verdicts[s["id_number"]][1]} for s in students]
