"""Registry (学籍) import through the real HTTP API: tolerant of what clerks produce, strict about
what is wrong, and all or nothing."""
import datetime as dt

import pytest

from tests.support.gateway import login
from tests.support.people import student_row
from tests.support.snapshots import table_digest
from tests.support.uploads import upload
from tests.support.workbooks import csv_bytes, xlsx

URL = "/api/v1/schools/S1/students"
TABLES = ("roster.students", "roster.majors")


@pytest.fixture
def manager(client, province, stack):
    return login(client, "s1_manager")


def rows(*overrides_by_index, count=4, start=1):
    result = [student_row(n) for n in range(start, start + count)]
    for index, overrides in overrides_by_index:
        result[index].update(overrides)
    return result


BAD_FILES = [
    # (case, rows, extra xlsx kwargs, expected (row, column, fragment))
    ("duplicate ID number", rows((2, {"身份证号": student_row(1)["身份证号"]})), {}, (4, "身份证号", "与第2行重复")),
    ("wrong check character", rows((0, {"身份证号": student_row(1)["身份证号"][:17] + "0"})), {},
     (2, "身份证号", "校验位")),
    ("gender disagrees with the ID", rows((1, {"性别": "男"})), {}, (3, "性别", "与身份证号不一致")),
    ("birth date disagrees", rows((1, {"出生日期": "2001-01-01"})), {}, (3, "出生日期", "不一致")),
    ("impossible date", rows((3, {"出生日期": "2007-02-30"})), {}, (5, "出生日期", "不存在")),
    ("unreadable date", rows((3, {"出生日期": "去年"})), {}, (5, "出生日期", "无法识别")),
    ("unknown status", rows((0, {"学籍状态": "在读"})), {}, (2, "学籍状态", "不是可选值")),
    ("bad major code", rows((0, {"专业代码": "计算机"})), {}, (2, "专业代码", "4-6位数字")),
    ("one major code, two names", rows((2, {"专业名称": "计算机网络"})), {}, (4, "专业名称", "不一致")),
    ("empty name", rows((1, {"姓名": "  "})), {}, (3, "姓名", "不能为空")),
    ("bad schooling years", rows((1, {"学制": "十年"})), {}, (3, "学制", "1到6")),
    ("ID typed as an Excel number", rows(), {"raw_cells": {(0, "身份证号"): 610502200701021032}},
     (2, "身份证号", "文本")),
]


@pytest.mark.parametrize("case, data, kwargs, expected", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_rows_refuse_the_whole_file(client, manager, engine, case, data, kwargs, expected):
    before = table_digest(engine, *TABLES)
    r = upload(client, URL, manager, xlsx(data, **kwargs), "学籍.xlsx")
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["imported"] == 0
    row, column, fragment = expected
    assert any(e["row"] == row and e["column"] == column and fragment in e["message"] for e in body["errors"]), body
    assert "整个文件未导入" in body["error"]["message"]
    assert table_digest(engine, *TABLES) == before


def test_every_problem_is_listed_not_only_the_first(client, manager):
    data = rows((0, {"学籍状态": "在读"}), (2, {"出生日期": "去年", "性别": "未知"}))
    errors = upload(client, URL, manager, xlsx(data), "学籍.xlsx").get_json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(2, "学籍状态"), (4, "出生日期"), (4, "性别")}


@pytest.mark.parametrize("content, filename, fragment", [
    (b"this is not a workbook", "学籍.xlsx", "不是Excel"),
    (xlsx([{"姓名": "张三", "性别": "男"}]), "学籍.xlsx", "找不到表头"),
    (xlsx([], headers=list(student_row(1))), "学籍.xlsx", "没有学生数据"),
    ("学号,姓名\n1,张三\n".encode("utf-16"), "学籍.csv", "既不是UTF-8，也不是GBK"),
])
def test_unusable_files_are_refused(client, manager, engine, content, filename, fragment):
    before = table_digest(engine, *TABLES)
    r = upload(client, URL, manager, content, filename)
    assert r.status_code == 422
    assert fragment in r.get_json()["error"]["message"]
    assert table_digest(engine, *TABLES) == before


def students_of_s1(engine):
    import sqlalchemy as sa
    with engine.connect() as conn:
        return {r.id_number: r for r in conn.execute(sa.text("SELECT * FROM roster.students WHERE school_code='S1'"))}


def test_what_clerks_produce_is_accepted(client, manager, engine):
    messy = rows(count=6, start=101)
    messy[0]["姓名"] = "  " + messy[0]["姓名"] + " "              # stray spaces
    with_x = next(r for r in messy if r["身份证号"].endswith("X"))
    with_x["身份证号"] = with_x["身份证号"].lower()                    # lower-case x
    messy[1]["学制"] = "３年"                                       # full-width digit
    messy[2]["出生日期"] = messy[2]["出生日期"].replace("-", "/")   # 2007/04/12
    messy[3]["入学年月"] = "2023年9月"
    messy[4]["出生日期"] = "{}年{}月{}日".format(*messy[4]["出生日期"].split("-"))
    headers = list(reversed(list(messy[0]))) + ["备注"]             # any column order, an extra column
    excel_date = dt.date.fromisoformat(messy[5]["出生日期"])
    data = xlsx(messy, headers=headers, title="2023级学籍信息表", trailing_blank_rows=3,
                raw_cells={(5, "出生日期"): excel_date})
    r = upload(client, URL, manager, data, "学籍（整理后）.xlsx")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["imported"] == 6
    stored = students_of_s1(engine)
    first = stored[messy[0]["身份证号"].upper()]
    assert first.name == messy[0]["姓名"].strip()
    assert stored[messy[1]["身份证号"].upper()].schooling_years == 3
    assert with_x["身份证号"].upper() in stored
    assert stored[messy[3]["身份证号"].upper()].enrolled_month == "2023-09"
    assert str(stored[messy[5]["身份证号"].upper()].birth_date) == excel_date.isoformat()


def test_csv_with_bom_adds_then_updates(client, manager, engine):
    data = rows(count=3, start=201)
    r = upload(client, URL, manager, csv_bytes(data), "学籍.csv")
    answer = r.get_json()
    assert answer.pop("changes")["new"] == 3
    assert answer == {"imported": 3, "added": 3, "updated": 0, "ignored_columns": [], "errors": []}
    data[0]["班级"] = "2023级计算机2班"
    data[1]["学籍状态"] = "休学"
    r = upload(client, URL, manager, csv_bytes(data, bom=False), "学籍.csv")
    answer = r.get_json()
    assert (answer["changes"]["changed"], answer.pop("changes")["unchanged"]) == (2, 1)
    assert answer == {"imported": 3, "added": 0, "updated": 3, "ignored_columns": [], "errors": []}
    stored = students_of_s1(engine)
    assert stored[data[0]["身份证号"]].class_name == "2023级计算机2班"
    assert stored[data[1]["身份证号"]].status == "休学"


def test_only_the_schools_own_manager_imports(client, province, stack):
    data = xlsx(rows(count=1, start=301))
    assert upload(client, URL, login(client, "s1_clerk"), data, "学籍.xlsx").status_code == 403
    assert upload(client, URL, login(client, "s2_manager"), data, "学籍.xlsx").status_code == 404
    assert upload(client, URL, login(client, "linwei_reviewer"), data, "学籍.xlsx").status_code == 403


def test_templates_download(client, province, stack):
    headers = login(client, "s1_clerk")
    for kind in ("graduates", "students", "course-plans", "grades"):
        r = client.get(f"/api/v1/templates/{kind}.xlsx", headers=headers)
        assert r.status_code == 200
        assert r.data[:2] == b"PK"
    assert client.get("/api/v1/templates/nothing.xlsx", headers=headers).status_code == 404
