"""The verification engine: pure functions from a student's plan and grades to a verdict.

Rules and wording follow DOMAIN.md "Verification of grades" and the provincial guide's messages:
every reason is reported, missing terms are grouped per course and runs compressed
(`“体育与健康”1-4学期`, `1、3学期`), category names in front, a fail shows its score.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from services.common.vocab import CONDUCT_COURSE, in_category_order

WORD_VALUES = {"优秀": 95, "良好": 85, "中等": 75, "及格": 65, "合格": 80, "不及格": 0, "不合格": 0}
FAILING_WORDS = {"不及格", "不合格"}
PASS_MARK = 60
CATEGORY_SHORT = {"公共基础课": "基础课"}
FURTHER_STUDY = "升学"
INTERNSHIP = "实习"


@dataclass(frozen=True)
class PlanItem:
    course: str
    category: str
    term: int
    hours: float


@dataclass(frozen=True)
class Grade:
    score: float | None = None
    word: str | None = None
    makeup_score: float | None = None
    makeup_word: str | None = None


@dataclass
class Verdict:
    qualified: bool
    reasons: list[str] = field(default_factory=list)
    scores: dict | None = None


def value_of(score: float | None, word: str | None) -> float | None:
    if score is not None:
        return float(score)
    if word is not None:
        return float(WORD_VALUES[word])
    return None


def passes(score: float | None, word: str | None) -> bool:
    if score is not None:
        return score >= PASS_MARK
    return word is not None and word not in FAILING_WORDS


def effective(grade: Grade) -> tuple[bool, float | None]:
    """(passed, the value that counts): the exam's, or the make-up's when the exam failed."""
    if passes(grade.score, grade.word):
        return True, value_of(grade.score, grade.word)
    if passes(grade.makeup_score, grade.makeup_word):
        return True, value_of(grade.makeup_score, grade.makeup_word)
    return False, value_of(grade.score, grade.word)


def grade_word(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 90:
        return "优秀"
    if value >= 80:
        return "良好"
    if value >= 70:
        return "中等"
    if value >= 60:
        return "及格"
    return "不及格"


def compress_terms(terms: list[int]) -> str:
    """[1, 2, 3, 4] → '1-4'; [1, 3] → '1、3'; [1, 2, 3, 5, 6] → '1-3、5-6'."""
    terms = sorted(set(terms))
    runs: list[list[int]] = []
    for term in terms:
        if runs and term == runs[-1][-1] + 1:
            runs[-1].append(term)
        else:
            runs.append([term])
    return "、".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _shown(value: float) -> str:
    return f"{value:g}"


def _fail_text(grade: Grade) -> str:
    first = f"{_shown(grade.score)}分" if grade.score is not None else grade.word
    if grade.makeup_score is not None or grade.makeup_word is not None:
        makeup = f"{_shown(grade.makeup_score)}分" if grade.makeup_score is not None else grade.makeup_word
        return f"{first}，补考{makeup}"
    return first


def _category_name(category: str) -> str:
    return CATEGORY_SHORT.get(category, category)


@dataclass(frozen=True)
class Problem:
    """A planned course-term that is not passed: missing (grade None) or failed."""
    course: str
    category: str
    term: int
    grade: Grade | None = None


@dataclass
class Sums:
    """The counted (passed) course-terms of one category, or of conduct."""
    weighted: float = 0.0  # Σ hours × value
    hours: float = 0.0
    count: int = 0
    total: float = 0.0  # Σ value

    def add(self, hours: float, value: float) -> None:
        self.weighted += hours * value
        self.hours += hours
        self.count += 1
        self.total += value

    def merged(self, other: "Sums") -> "Sums":
        return Sums(self.weighted + other.weighted, self.hours + other.hours, self.count + other.count,
                    self.total + other.total)

    def mean(self) -> float | None:
        if not self.count:
            return None
        if self.hours <= 0:
            return round(self.total / self.count, 1)
        return round(self.weighted / self.hours, 1)


def verify(mode: str | None, plan: list[PlanItem], grades: dict[tuple[str, int], Grade],
           plan_label: str = "") -> Verdict:
    """Steps 4–5 of DOMAIN.md for one student; `plan_label` names the plan in a missing-plan reason.

    The reference implementation: grading's workers reach the same verdicts with the per-item work
    done in SQL (sql_verify), and only `judge` and `scores_from_sums` in Python."""
    if not plan:
        return Verdict(False, [missing_plan(plan_label)])
    further_study = mode == FURTHER_STUDY
    problems: list[Problem] = []
    sums: dict[tuple[str, bool], Sums] = defaultdict(Sums)
    any_grade = False
    for item in plan:
        grade = grades.get((item.course, item.term))
        is_conduct = item.course == CONDUCT_COURSE
        any_grade = any_grade or grade is not None
        passed, value = effective(grade) if grade is not None else (False, None)
        if passed:
            sums[(item.category, is_conduct)].add(item.hours, value)
        elif is_conduct or not further_study:
            problems.append(Problem(item.course, item.category, item.term, grade))
    reasons = judge(mode, problems, any_grade)
    if reasons:
        return Verdict(False, reasons)
    return Verdict(True, [], scores_from_sums(sums))


def missing_plan(plan_label: str) -> str:
    return f"未找到{plan_label}的专业课程设置，请先导入课程设置"


def judge(mode: str | None, problems: list[Problem], any_grade: bool) -> list[str]:
    """Every reason, in the guide's wording, from a student's unpassed course-terms.

    `problems` holds only what counts for this student (a 升学 student's courses other than conduct
    are left out by the caller); a canonical order keeps the reasons independent of input order."""
    if not any_grade and mode != FURTHER_STUDY:
        return ["各类课程都无成绩，须补录"]
    conduct_missing: list[int] = []
    missing: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    fails: list[str] = []
    for p in _ordered(problems):
        if p.grade is not None:
            fails.append(_fail_reason(p))
        elif p.course == CONDUCT_COURSE:
            conduct_missing.append(p.term)
        else:
            missing[p.category][p.course].append(p.term)
    reasons: list[str] = []
    if conduct_missing:
        reasons.append(f"缺少{compress_terms(conduct_missing)}学期的“{CONDUCT_COURSE}”成绩，须补录成绩")
    for category in in_category_order(missing):
        items = "、".join(f"“{course}”{compress_terms(terms)}学期" for course, terms in missing[category].items())
        # every missing course-term is named, so no 等 ("and others") as the guide's example has
        reasons.append(f"{_category_name(category)}{items}缺少成绩")
    return reasons + fails


def _ordered(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.course != CONDUCT_COURSE, p.term, p.course, p.category))


def _fail_reason(p: Problem) -> str:
    return f"{_category_name(p.category)}“{p.course}”第{p.term}学期不及格（{_fail_text(p.grade)}）"


def scores_from_sums(sums: dict[tuple[str, bool], Sums]) -> dict:
    """Per-category hours-weighted composites (conduct apart), overall, conduct and internship grades,
    from the sums of each (category, is conduct) group of passed course-terms."""
    courses = {category: group for (category, conduct), group in sums.items() if not conduct}
    conduct = Sums()
    for (_, is_conduct), group in sums.items():
        if is_conduct:
            conduct = conduct.merged(group)
    everything = Sums()
    for group in courses.values():
        everything = everything.merged(group)
    overall = everything.mean()
    return {
        "categories": {c: courses[c].mean() for c in in_category_order(courses)},
        "overall": overall,
        "overall_grade": grade_word(overall),
        "conduct_grade": grade_word(conduct.mean()),
        "internship_grade": grade_word(courses[INTERNSHIP].mean() if INTERNSHIP in courses else None),
    }


def composite_scores(counted: list[tuple[PlanItem, float]]) -> dict:
    """Composites from counted (passed) course-terms and their values."""
    sums: dict[tuple[str, bool], Sums] = defaultdict(Sums)
    for item, value in counted:
        sums[(item.category, item.course == CONDUCT_COURSE)].add(item.hours, value)
    return scores_from_sums(sums)
