"""A believable demo season: students with valid ID numbers, course plans, grades with a few gaps."""
import datetime as dt
import io
import random

import openpyxl

from services.common.idnumber import check_char

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞宇浩然子涵欣怡梓轩雨桐晨阳佳琪思远婷雪梅建国志强俊杰"
MAJORS = [("710204", "计算机应用"), ("730301", "会计事务"), ("700206", "汽车运用与维修")]
COMMON = [("中国特色社会主义", "公共基础课", [1], 36), ("心理健康与职业生涯", "公共基础课", [2], 36),
          ("语文", "公共基础课", [1, 2, 3, 4], 72), ("数学", "公共基础课", [1, 2, 3, 4], 72),
          ("英语", "公共基础课", [1, 2, 3], 54), ("体育与健康", "公共基础课", [1, 2, 3, 4], 36),
          ("顶岗实习", "实习", [6], 540), ("操行", "思政类", [1, 2, 3, 4, 5, 6], 1)]
SPECIFIC = {
    "710204": [("计算机基础", "专业核心课", [1, 2], 72), ("程序设计基础", "专业核心课", [3, 4], 72),
               ("网页设计", "专业(技能)方向课", [5], 90)],
    "730301": [("基础会计", "专业核心课", [1, 2], 72), ("财务会计", "专业核心课", [3, 4], 72),
               ("会计电算化", "专业(技能)方向课", [5], 90)],
    "700206": [("汽车构造", "专业核心课", [1, 2], 72), ("汽车电气", "专业核心课", [3, 4], 72),
               ("汽车维护", "专业(技能)方向课", [5], 90)],
}


def plan(major: str) -> list[tuple]:
    return COMMON + SPECIFIC[major]


def id_number(rng: random.Random, area: str, born: dt.date, male: bool) -> str:
    seq = rng.randrange(50, 499) * 2 + (1 if male else 0)
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def students(rng: random.Random, school_no: int, count: int, cohort: int = 2023) -> list[dict]:
    rows = []
    for n in range(1, count + 1):
        male = rng.random() < 0.55
        born = dt.date(cohort - 16, 1, 1) + dt.timedelta(days=rng.randrange(365))
        code, name = MAJORS[n % len(MAJORS)]
        rows.append({
            "学号": f"{cohort}{school_no:02d}{n:04d}", "姓名": rng.choice(SURNAMES) + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
            "性别": "男" if male else "女", "身份证号": id_number(rng, "610502", born, male),
            "出生日期": born.isoformat(), "政治面貌": rng.choice(["共青团员", "群众"]), "专业代码": code,
            "专业名称": name, "学制": "3", "学历层次": "中职", "入学年月": f"{cohort}-09",
            "班级": f"{cohort}级{name}{1 + n % 2}班", "学籍状态": "在籍", "招生类别": "应届初中毕业生",
            "招生登记序号": str(n),
        })
    return rows


def plan_rows(cohort: int = 2023) -> list[dict]:
    return [{"专业代码": code, "入学年级": str(cohort), "课程名称": course, "课程类别": category, "学期": str(term),
             "学时": str(hours)} for code, _ in MAJORS for course, category, terms, hours in plan(code)
            for term in terms]


def grades(rng: random.Random, people: list[dict]) -> list[dict]:
    """Most students pass everything; a few miss conduct, miss a course, or fail at make-up."""
    records = []
    for index, s in enumerate(people):
        trouble = index % 17
        for course, _, terms, _ in plan(s["专业代码"]):
            for term in terms:
                if trouble == 3 and course == "操行":
                    continue
                if trouble == 5 and course == "体育与健康" and term > 2:
                    continue
                score = "良好" if course == "操行" else str(rng.randint(65, 98))
                record = {"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term,
                          "score": score}
                if trouble == 7 and course == "数学" and term == 2:
                    record.update(score="48", makeup_score="52")
                records.append(record)
    return records


def xlsx(rows: list[dict]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
