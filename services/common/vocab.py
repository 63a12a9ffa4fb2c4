"""Fixed values of the import files (offered as drop-down lists in the templates)."""

GENDERS = ("男", "女")
GENDER_SYNONYMS = {"男性": "男", "女性": "女", "M": "男", "F": "女", "1": "男", "2": "女"}

REGISTRY_STATUSES = ("在籍", "休学", "退学", "转出", "开除", "死亡", "毕业")
GRADUATION_ALLOWED_STATUSES = ("在籍",)

ENROLLMENT_CATEGORIES = ("应届初中毕业生", "往届初中毕业生", "高中阶段毕业生", "社会人员", "其他")

GRADUATION_MODES = ("正常毕业", "升学")
GRADUATION_MODE_SYNONYMS = {"正常": "正常毕业", "毕业": "正常毕业", "已升学": "升学"}

COURSE_CATEGORIES = ("公共基础课", "专业核心课", "专业(技能)方向课", "实习", "思政类")
COURSE_CATEGORY_SYNONYMS = {
    "基础课": "公共基础课", "公共课": "公共基础课",
    "专业课": "专业核心课", "专业核心": "专业核心课",
    "专业技能方向课": "专业(技能)方向课", "专业方向课": "专业(技能)方向课",
    "顶岗实习": "实习", "实习课": "实习", "顶岗实习/实习": "实习",
    "思政": "思政类", "思想政治": "思政类",
}
CONDUCT_COURSE = "操行"
_CATEGORY_RANKS = {category: i for i, category in enumerate(COURSE_CATEGORIES)}  # made once: verdicts sort often


def in_category_order(categories) -> list[str]:
    """Course categories in the forms' order (公共基础课 first), any others after them by name."""
    return sorted(categories, key=_category_rank)


def _category_rank(category: str) -> tuple[int, str]:
    return _CATEGORY_RANKS.get(category, len(_CATEGORY_RANKS)), category


TERMS = (1, 2, 3, 4, 5, 6)

POLITICAL_STATUSES = ("群众", "共青团员", "中共党员", "中共预备党员", "民主党派", "其他")
POLITICAL_SYNONYMS = {"团员": "共青团员", "党员": "中共党员", "预备党员": "中共预备党员"}

SEASONS = ("春季", "秋季")
REVIEW_KINDS = ("正常验印", "补验印")

GRADE_WORDS = ("优秀", "良好", "中等", "及格", "不及格", "合格", "不合格")
