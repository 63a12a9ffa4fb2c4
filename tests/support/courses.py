"""A small course plan and the grade rows that fulfil it, for grading tests."""

PLAN = [
    # course, category, terms, hours
    ("中国特色社会主义", "公共基础课", [1], 36),
    ("体育与健康", "公共基础课", [1, 2, 3, 4], 36),
    ("计算机基础", "专业核心课", [1, 2], 72),
    ("顶岗实习", "实习", [6], 180),
    ("操行", "思政类", [1, 2, 3, 4, 5, 6], 1),
]


def plan_rows(major: str = "710204", cohort: int = 2023, plan=PLAN) -> list[dict]:
    return [{"专业代码": major, "入学年级": str(cohort), "课程名称": course, "课程类别": category, "学期": str(term),
             "学时": str(hours)} for course, category, terms, hours in plan for term in terms]


def grade_rows(student: dict, score: str = "85", plan=PLAN, skip: set | None = None,
               override: dict | None = None) -> list[dict]:
    """A grade for every planned course-term; `skip` {(course, term)} left out; `override`
    {(course, term): (score, makeup)}."""
    rows = []
    for course, _, terms, _ in plan:
        for term in terms:
            if skip and ((course, term) in skip or (course, None) in skip):
                continue
            value, makeup = (override or {}).get((course, term), ("良好" if course == "操行" else score, ""))
            rows.append({"身份证号": student["身份证号"], "姓名": student["姓名"], "课程名称": course,
                         "学期": str(term), "成绩": value, "补考成绩": makeup})
    return rows
