"""Test people with valid (or deliberately wrong) identity numbers."""
import datetime as dt

from services.common.idnumber import check_char


def id_number(born: dt.date, seq: int, area: str = "610502") -> str:
    """A valid number; an odd `seq` is a man, an even one a woman."""
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def student_row(n: int, **overrides) -> dict:
    """Registry row n of a school: a valid, graduating student of major 710204, cohort 2023."""
    born = dt.date(2007, 1, 1) + dt.timedelta(days=n)
    gender = "男" if n % 2 else "女"
    row = {
        "学号": f"2023{n:04d}", "姓名": f"学生{n}", "性别": gender,
        "身份证号": id_number(born, 2 * (n % 400) + (101 if gender == "男" else 100)),
        "出生日期": born.isoformat(), "政治面貌": "共青团员", "专业代码": "710204", "专业名称": "计算机应用",
        "学制": "3", "学历层次": "中职", "入学年月": "2023-09", "班级": "2023级计算机1班", "学籍状态": "在籍",
        "招生类别": "应届初中毕业生", "招生登记序号": str(n),
    }
    row.update(overrides)
    return row


def graduate_row(student: dict, **overrides) -> dict:
    row = {"姓名": student["姓名"], "性别": student["性别"], "身份证号": student["身份证号"],
           "招生类别": student["招生类别"], "毕业方式": "正常毕业"}
    row.update(overrides)
    return row
