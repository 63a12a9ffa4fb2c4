"""The columns of each import file (API.md "A school's data"): the one place that templates,
importers and their error messages take headers, help text and examples from."""
from dataclasses import dataclass

from services.common import vocab


@dataclass(frozen=True)
class Column:
    header: str
    help: str
    example: str
    required: bool = True
    choices: tuple[str, ...] = ()
    is_text: bool = False  # formatted as text in the template (ID numbers, codes)
    width: int = 12


STUDENTS = [
    Column("学号", "学校内部学号", "2022010101", is_text=True),
    Column("姓名", "与身份证一致", "张三", width=10),
    Column("性别", "男 或 女", "男", choices=vocab.GENDERS, width=6),
    Column("身份证号", "18位，最后一位X大写；本列为文本格式", "61050220070101123X", is_text=True, width=22),
    Column("出生日期", "与身份证号中的出生日期一致，如 2007-01-01", "2007-01-01"),
    Column("政治面貌", "如 共青团员、群众", "共青团员", required=False, choices=vocab.POLITICAL_STATUSES),
    Column("专业代码", "专业目录中的代码", "710204", is_text=True),
    Column("专业名称", "与专业代码对应", "计算机应用", width=16),
    Column("学制", "年数，如 3", "3", width=6),
    Column("学历层次", "如 中职", "中职", width=8),
    Column("入学年月", "如 2022-09", "2022-09"),
    Column("班级", "班级名称", "2022级计算机1班", width=16),
    Column("学籍状态", "在籍 才能毕业", "在籍", choices=vocab.REGISTRY_STATUSES),
    Column("招生类别", "", "应届初中毕业生", choices=vocab.ENROLLMENT_CATEGORIES, width=16),
    Column("招生登记序号", "招生登记的顺序号", "1", width=10),
]

GRADUATES = [
    Column("姓名", "与学籍一致", "张三", width=10),
    Column("性别", "男 或 女", "男", choices=vocab.GENDERS, width=6),
    Column("身份证号", "18位，最后一位X大写；本列为文本格式", "61050220070101123X", is_text=True, width=22),
    Column("招生类别", "", "应届初中毕业生", choices=vocab.ENROLLMENT_CATEGORIES, width=16),
    Column("毕业方式", "升学的学生可不完成全部课程，但须有各学期操行成绩", "正常毕业",
           choices=vocab.GRADUATION_MODES),
]

COURSE_PLANS = [
    Column("专业代码", "学籍中已有的专业代码", "710204", is_text=True),
    Column("入学年级", "入学年份，如 2022", "2022", width=10),
    Column("课程名称", "每个学期都要有一门“操行”课（思政类）", "中国特色社会主义", width=20),
    Column("课程类别", "", "公共基础课", choices=vocab.COURSE_CATEGORIES, width=16),
    Column("学期", "1-6", "1", choices=tuple(str(t) for t in vocab.TERMS), width=6),
    Column("学时", "学时或学分，综合成绩按此加权", "36", width=8),
]

GRADES = [
    Column("身份证号", "18位，最后一位X大写；本列为文本格式", "61050220070101123X", is_text=True, width=22),
    Column("姓名", "与学籍一致", "张三", width=10),
    Column("课程名称", "与课程设置一致", "中国特色社会主义", width=20),
    Column("学期", "1-6", "1", choices=tuple(str(t) for t in vocab.TERMS), width=6),
    Column("成绩", "0-100 的分数，或 优秀/良好/中等/及格/不及格/合格/不合格", "85"),
    Column("补考成绩", "没有补考则留空", "", required=False),
]

KINDS = {"students": STUDENTS, "graduates": GRADUATES, "course-plans": COURSE_PLANS, "grades": GRADES}
TITLES = {"students": "学籍", "graduates": "毕业生名单", "course-plans": "专业课程设置", "grades": "课程成绩"}


def headers(kind: str) -> list[str]:
    return [c.header for c in KINDS[kind]]
