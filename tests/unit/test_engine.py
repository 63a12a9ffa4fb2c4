"""The pure verification engine (DOMAIN.md "Verification of grades"; messages as in the provincial guide)."""
import os
import random
import subprocess
import sys

import pytest

from services.grading.engine import Grade, PlanItem, composite_scores, compress_terms, effective, grade_word, verify

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TERMS = (1, 2, 3, 4, 5, 6)
CONDUCT_ALL = "缺少1-6学期的“操行”成绩，须补录成绩"
NO_GRADES = "各类课程都无成绩，须补录"


def course(name, category="公共基础课", terms=TERMS, hours=2.0):
    return name, category, tuple(terms), hours


def plan(*courses):
    """A plan with 操行 (思政类) in every term 1–6, then the given courses."""
    items = [PlanItem("操行", "思政类", t, 1.0) for t in TERMS]
    for name, category, terms, hours in courses:
        items += [PlanItem(name, category, t, hours) for t in terms]
    return items


def keys(course_name, *terms):
    return [(course_name, t) for t in terms]


def graded(items, score=80.0, drop=()):
    """Every planned (course, term) passed with `score`, except the keys in `drop`."""
    return {(p.course, p.term): Grade(score=score) for p in items if (p.course, p.term) not in set(drop)}


PLAN = plan(
    course("语文"),
    course("中国特色社会主义", terms=(1,)),
    course("体育与健康", terms=(1, 2, 3, 4)),
    course("数学", terms=(1, 2, 3, 4)),
    course("机械制图", "专业核心课", terms=(1, 2)),
    course("顶岗实习", "实习", terms=(6,), hours=4.0),
)


# --- compress_terms -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("terms, expected", [
    pytest.param([1, 2, 3, 4], "1-4", id="one-run"),
    pytest.param([1, 3], "1、3", id="two-singles"),
    pytest.param([1, 2, 3, 5, 6], "1-3、5-6", id="two-runs"),
    pytest.param([2], "2", id="single"),
    pytest.param([1, 2, 3, 4, 5, 6], "1-6", id="all-six"),
    pytest.param([2, 4, 6], "2、4、6", id="alternate"),
    pytest.param([5, 1, 3, 2], "1-3、5", id="unsorted"),
    pytest.param([2, 2, 1, 1, 3], "1-3", id="duplicates"),
])
def test_compress_terms(terms, expected):
    assert compress_terms(terms) == expected


# --- effective / grade_word -----------------------------------------------------------------------------------

@pytest.mark.parametrize("grade, expected", [
    pytest.param(Grade(score=60), (True, 60.0), id="60-passes"),
    pytest.param(Grade(score=100), (True, 100.0), id="100-passes"),
    pytest.param(Grade(score=59.5), (False, 59.5), id="59.5-fails"),
    pytest.param(Grade(score=0), (False, 0.0), id="0-fails"),
    pytest.param(Grade(word="优秀"), (True, 95.0), id="优秀"),
    pytest.param(Grade(word="良好"), (True, 85.0), id="良好"),
    pytest.param(Grade(word="中等"), (True, 75.0), id="中等"),
    pytest.param(Grade(word="及格"), (True, 65.0), id="及格"),
    pytest.param(Grade(word="合格"), (True, 80.0), id="合格"),
    pytest.param(Grade(word="不及格"), (False, 0.0), id="不及格"),
    pytest.param(Grade(word="不合格"), (False, 0.0), id="不合格"),
    pytest.param(Grade(score=50, makeup_score=70), (True, 70.0), id="passed-at-makeup-counts-makeup"),
    pytest.param(Grade(score=50, makeup_score=48), (False, 50.0), id="failed-both"),
    pytest.param(Grade(word="不及格", makeup_word="及格"), (True, 65.0), id="word-passed-at-makeup"),
    pytest.param(Grade(score=40, makeup_word="合格"), (True, 80.0), id="score-then-makeup-word"),
    pytest.param(Grade(score=75, makeup_score=90), (True, 75.0), id="passed-exam-ignores-makeup"),
])
def test_effective(grade, expected):
    assert effective(grade) == expected


@pytest.mark.parametrize("value, expected", [
    (100, "优秀"), (90, "优秀"), (89.9, "良好"), (80, "良好"), (79.9, "中等"), (70, "中等"),
    (69.9, "及格"), (60, "及格"), (59.9, "不及格"), (0, "不及格"), (None, ""),
], ids=lambda v: str(v))
def test_grade_word(value, expected):
    assert grade_word(value) == expected


# --- verify: reasons -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, drop, changed, expected", [
    pytest.param(None, keys("操行", *TERMS), {}, [CONDUCT_ALL], id="conduct-all-missing"),
    pytest.param(None, keys("操行", 2, 4), {}, ["缺少2、4学期的“操行”成绩，须补录成绩"], id="conduct-2-and-4"),
    pytest.param(None, keys("操行", 1, 2, 3, 5), {},
                 ["缺少1-3、5学期的“操行”成绩，须补录成绩"], id="conduct-run-and-single"),
    pytest.param(None, keys("中国特色社会主义", 1) + keys("体育与健康", 1, 2, 3, 4), {},
                 ["基础课“中国特色社会主义”1学期、“体育与健康”1-4学期缺少成绩"], id="guide-example"),
    pytest.param(None, keys("数学", 1, 3), {}, ["基础课“数学”1、3学期缺少成绩"], id="one-course-two-terms"),
    pytest.param(None, keys("机械制图", 1, 2), {},
                 ["专业核心课“机械制图”1-2学期缺少成绩"], id="other-category-full-name"),
    pytest.param(None, keys("数学", 2) + keys("机械制图", 1, 2) + keys("顶岗实习", 6), {},
                 ["基础课“数学”2学期缺少成绩", "专业核心课“机械制图”1-2学期缺少成绩",
                  "实习“顶岗实习”6学期缺少成绩"],
                 id="one-reason-per-category"),
    pytest.param(None, (), {("数学", 2): Grade(score=55, makeup_score=48)},
                 ["基础课“数学”第2学期不及格（55分，补考48分）"], id="failed-exam-and-makeup"),
    pytest.param(None, (), {("数学", 2): Grade(score=59.5)},
                 ["基础课“数学”第2学期不及格（59.5分）"], id="59.5-no-makeup"),
    pytest.param(None, (), {("语文", 5): Grade(word="不及格")},
                 ["基础课“语文”第5学期不及格（不及格）"], id="failing-word"),
    pytest.param(None, (), {("机械制图", 1): Grade(word="不合格", makeup_word="不合格")},
                 ["专业核心课“机械制图”第1学期不及格（不合格，补考不合格）"], id="failing-words-both"),
    pytest.param(None, (), {("操行", 3): Grade(word="不合格")},
                 ["思政类“操行”第3学期不及格（不合格）"], id="conduct-fails"),
    pytest.param(None, keys("操行", 5) + keys("体育与健康", 3), {("数学", 2): Grade(score=55, makeup_score=48)},
                 ["缺少5学期的“操行”成绩，须补录成绩", "基础课“体育与健康”3学期缺少成绩",
                  "基础课“数学”第2学期不及格（55分，补考48分）"], id="all-reasons-together"),
    pytest.param("升学", keys("操行", 6), {},
                 ["缺少6学期的“操行”成绩，须补录成绩"], id="further-study-conduct-checked"),
    pytest.param("升学", keys("操行", 2) + [(p.course, p.term) for p in PLAN if p.course != "操行"], {},
                 ["缺少2学期的“操行”成绩，须补录成绩"], id="further-study-only-conduct-reported"),
    pytest.param("升学", (), {("操行", 1): Grade(score=50)}, ["思政类“操行”第1学期不及格（50分）"],
                 id="further-study-conduct-fail"),
])
def test_unqualified_reasons(mode, drop, changed, expected):
    verdict = verify(mode, PLAN, {**graded(PLAN, drop=drop), **changed})
    assert (verdict.qualified, verdict.reasons, verdict.scores) == (False, expected, None)


@pytest.mark.parametrize("mode, grades, expected", [
    pytest.param(None, {}, [NO_GRADES], id="no-grades"),
    pytest.param("正常毕业", {}, [NO_GRADES], id="no-grades-normal-mode"),
    pytest.param(None, {("英语", 1): Grade(score=90)}, [NO_GRADES], id="only-unplanned-grades"),
    pytest.param("升学", {}, [CONDUCT_ALL], id="further-study-no-grades-gives-conduct"),
])
def test_no_grades_at_all(mode, grades, expected):
    assert verify(mode, PLAN, grades).reasons == expected


def test_empty_plan_names_the_plan():
    verdict = verify(None, [], graded(PLAN), plan_label="专业0101 2023级")
    assert not verdict.qualified
    assert len(verdict.reasons) == 1 and "专业0101 2023级" in verdict.reasons[0]


@pytest.mark.parametrize("mode, drop, changed", [
    pytest.param(None, (), {}, id="all-passed"),
    pytest.param(None, (), {("数学", 2): Grade(score=50, makeup_score=60)}, id="passed-at-makeup"),
    pytest.param(None, (), {("语文", 1): Grade(word="合格"), ("操行", 1): Grade(word="良好")}, id="passing-words"),
    pytest.param("升学", [(p.course, p.term) for p in PLAN if p.course != "操行"], {}, id="further-study-no-courses"),
    pytest.param("升学", keys("数学", 3, 4) + keys("顶岗实习", 6), {}, id="further-study-some-courses"),
])
def test_qualified(mode, drop, changed):
    verdict = verify(mode, PLAN, {**graded(PLAN, drop=drop), **changed})
    assert (verdict.qualified, verdict.reasons) == (True, [])
    assert verdict.scores["conduct_grade"] == "良好"


# --- composites -------------------------------------------------------------------------------------------------

def test_qualified_composites_are_hours_weighted():
    items = plan(course("语文", hours=2.0), course("数学", hours=1.0),
                 course("顶岗实习", "实习", terms=(6,), hours=4.0))
    grades = {**graded(items, score=90.0), **{k: Grade(score=60) for k in keys("数学", *TERMS)},
              **{k: Grade(word="优秀") for k in keys("操行", 1, 2, 3)},
              **{k: Grade(word="良好") for k in keys("操行", 4, 5, 6)},
              ("数学", 1): Grade(score=30, makeup_score=60), ("顶岗实习", 6): Grade(score=85)}
    verdict = verify(None, items, grades)
    assert verdict.qualified
    # (2·6·90 + 1·6·60 + 4·85) / (12 + 6 + 4) = 80.909…; conduct (95, 85 → 90) is no category's part
    assert verdict.scores == {"categories": {"公共基础课": 80.0, "实习": 85.0}, "overall": 80.9,
                              "overall_grade": "良好", "conduct_grade": "优秀", "internship_grade": "良好"}


def item(name, category="公共基础课", hours=1.0, term=1):
    return PlanItem(name, category, term, hours)


@pytest.mark.parametrize("counted, expected", [
    pytest.param([(item("语文", hours=2), 90.0), (item("数学", hours=1), 60.0)],
                 {"categories": {"公共基础课": 80.0}, "overall": 80.0, "overall_grade": "良好",
                  "conduct_grade": "", "internship_grade": ""}, id="2h-90-1h-60"),
    pytest.param([(item("语文"), 95.0), (item("操行", "思政类"), 65.0), (item("操行", "思政类", term=2), 69.0)],
                 {"categories": {"公共基础课": 95.0}, "overall": 95.0, "overall_grade": "优秀",
                  "conduct_grade": "及格", "internship_grade": ""}, id="conduct-apart"),
    pytest.param([(item("语文"), 75.0), (item("顶岗实习", "实习", hours=3), 65.0)],
                 {"categories": {"公共基础课": 75.0, "实习": 65.0}, "overall": 67.5, "overall_grade": "及格",
                  "conduct_grade": "", "internship_grade": "及格"}, id="internship"),
    pytest.param([(item("语文", hours=0), 70.0), (item("数学", hours=0), 75.0)],
                 {"categories": {"公共基础课": 72.5}, "overall": 72.5, "overall_grade": "中等",
                  "conduct_grade": "", "internship_grade": ""}, id="zero-hours-plain-mean"),
    pytest.param([(item("语文", hours=2), 90.0), (item("操行", "思政类", hours=0), 65.0),
                  (item("操行", "思政类", hours=0, term=2), 69.0)],
                 {"categories": {"公共基础课": 90.0}, "overall": 90.0, "overall_grade": "优秀",
                  "conduct_grade": "及格", "internship_grade": ""}, id="conduct-with-0-hours-apart"),
    pytest.param([], {"categories": {}, "overall": None, "overall_grade": "", "conduct_grade": "",
                      "internship_grade": ""}, id="nothing-counted"),
])
def test_composite_scores(counted, expected):
    assert composite_scores(counted) == expected


@pytest.mark.parametrize("score, grade", [(90, "优秀"), (80, "良好"), (70, "中等"), (60, "及格")], ids=str)
def test_overall_grade_thresholds(score, grade):
    assert composite_scores([(item("语文"), float(score))])["overall_grade"] == grade


# --- determinism ------------------------------------------------------------------------------------------------

MESSY = {**graded(PLAN, drop=keys("操行", 2, 3) + keys("数学", 1) + keys("机械制图", 2) + keys("体育与健康", 4)
                  + keys("顶岗实习", 6)),
         ("语文", 1): Grade(score=40), ("中国特色社会主义", 1): Grade(word="不及格"), ("数学", 3): Grade(score=20)}


@pytest.mark.parametrize("grades", ["MESSY", "graded(PLAN)"])
def test_same_inputs_same_verdict_in_any_process(grades):
    """Another process hashes strings differently: a verdict that leaned on set order would differ."""
    program = f"from tests.unit.test_engine import *; print(repr(verify(None, PLAN, {grades})))"
    verdicts = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                               cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
                for seed in ("1", "2", "3")}
    assert len(verdicts) == 1 and "Verdict" in verdicts.pop()


@pytest.mark.parametrize("reorder", [
    pytest.param(lambda items: items[::-1], id="reversed"),
    pytest.param(lambda items: random.Random(7).sample(items, len(items)), id="shuffled"),
    pytest.param(lambda items: sorted(items, key=lambda p: (p.category, p.course, -p.term)), id="by-category"),
])
@pytest.mark.parametrize("grades", [pytest.param(MESSY, id="unqualified"), pytest.param(graded(PLAN), id="qualified")])
def test_plan_order_does_not_change_verdict(reorder, grades):
    assert verify(None, reorder(PLAN), grades) == verify(None, PLAN, grades)
