"""A refused import hands the clerk's own file back annotated: the bad cells highlighted, a 错误说明
column with each bad row's reasons, the rest untouched; fixed by a script, it is accepted as it is."""
import io

import openpyxl
import pytest

from services.common.annotate import ERROR_COLOR, ERRORS_SHEET, NOTE_HEADER
from tests.support.gateway import login
from tests.support.orgs import school_with_manager
from tests.support.people import student_row
from tests.support.uploads import upload
from tests.support.workbooks import SOFFICE, saved_by_libreoffice, xlsx

SCHOOL = "F2"
URL = f"/api/v1/schools/{SCHOOL}/students"
GOOD = [student_row(n) for n in range(6960, 6966)]
BAD_ID = GOOD[4]["身份证号"][:-1] + ("0" if GOOD[4]["身份证号"][-1] != "0" else "1")
BAD = [dict(r) for r in GOOD]
BAD[1]["性别"] = "女" if GOOD[1]["性别"] == "男" else "男"  # disagrees with the ID number
BAD[4]["身份证号"] = BAD_ID  # a wrong check character
HEADERS = list(GOOD[0]) + ["备注"]
TITLE = "某某学校2023级学籍"
BAD_XLSX = xlsx([dict(r, 备注="转入" if i == 0 else "") for i, r in enumerate(BAD)], HEADERS, title=TITLE)
# (sheet row of the header, of the first student): the title row comes first
HEADER_ROW, FIRST_ROW = 2, 3


@pytest.fixture(scope="module")
def school(app, province, stack):
    client = app.test_client()
    manager = school_with_manager(client, province, (SCHOOL, "渭南市标注测试职业学校"), ("f2_manager", "周老师"))
    return {"client": client, "manager": manager}


def refused(school, data: bytes, filename: str) -> dict:
    r = upload(school["client"], URL, school["manager"], data, filename)
    assert r.status_code == 422, r.get_json()
    return r.get_json()


def download(school, answer: dict) -> openpyxl.Workbook:
    r = school["client"].get(answer["annotated_file"]["url"], headers=school["manager"])
    assert r.status_code == 200, r.get_json()
    return openpyxl.load_workbook(io.BytesIO(r.data))


def table(sheet) -> tuple[int, dict[str, int]]:
    """(header row, {header: column}) of the sheet's student table."""
    for row in sheet.iter_rows(min_row=1, max_row=5):
        headers = {c.value: c.column for c in row if c.value}
        if "身份证号" in headers:
            return row[0].row, headers
    raise AssertionError("no header row")


def fixed_by_script(book: openpyxl.Workbook) -> bytes:
    """What a clerk does with the file: each highlighted cell corrected, nothing else touched."""
    sheet = book.worksheets[0]
    header_row, columns = table(sheet)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            if cell.fill.fgColor.rgb == ERROR_COLOR:
                header = sheet.cell(header_row, cell.column).value
                cell.value = GOOD[cell.row - header_row - 1][header]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def assert_annotated(book: openpyxl.Workbook, answer: dict) -> None:
    sheet = book.worksheets[0]
    header_row, columns = table(sheet)
    assert header_row == HEADER_ROW and list(columns)[-1] == NOTE_HEADER
    red = {(c.row, sheet.cell(header_row, c.column).value) for row in sheet.iter_rows(min_row=header_row + 1)
           for c in row if c.fill.fgColor.rgb == ERROR_COLOR}
    assert red == {(FIRST_ROW + 1, "性别"), (FIRST_ROW + 4, "身份证号")}
    notes = {r: sheet.cell(r, columns[NOTE_HEADER]).value for r in range(FIRST_ROW, FIRST_ROW + len(GOOD))}
    by_row = {e["row"]: e for e in answer["errors"]}
    assert {r for r, note in notes.items() if note} == set(by_row) == {FIRST_ROW + 1, FIRST_ROW + 4}
    for row, error in by_row.items():
        assert f"{error['column']}：{error['message']}" in notes[row]
    for index, student in enumerate(BAD):  # every other cell as the clerk wrote it
        for header in ("姓名", "学号", "班级", "专业代码"):
            assert str(sheet.cell(FIRST_ROW + index, columns[header]).value) == student[header]
    listed = [[c.value for c in row] for row in book[ERRORS_SHEET].iter_rows(min_row=2)]
    assert listed == [[e["row"], e["column"], e["message"]] for e in answer["errors"]]


def test_an_xlsx_comes_back_marked_in_place(school):
    answer = refused(school, BAD_XLSX, "学籍.xlsx")
    assert answer["annotated_file"]["filename"] == "学籍-错误说明.xlsx"
    assert answer["annotated_file"]["converted"] is False
    book = download(school, answer)
    assert_annotated(book, answer)
    sheet = book.worksheets[0]
    assert sheet["A1"].value == TITLE and "A1:P1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.cell(FIRST_ROW, table(sheet)[1]["备注"]).value == "转入"

    fixed = upload(school["client"], URL, school["manager"], fixed_by_script(book), "学籍-错误说明.xlsx")
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["imported"] == len(GOOD)


def test_a_second_round_replaces_the_first_rounds_marks(school):
    book = download(school, refused(school, BAD_XLSX, "学籍.xlsx"))
    sheet = book.worksheets[0]
    header_row, columns = table(sheet)
    sheet.cell(FIRST_ROW + 1, columns["性别"]).value = GOOD[1]["性别"]  # one of the two fixed
    out = io.BytesIO()
    book.save(out)
    again = refused(school, out.getvalue(), "学籍-错误说明.xlsx")
    assert again["annotated_file"]["filename"] == "学籍-错误说明-错误说明.xlsx"
    second = download(school, again).worksheets[0]
    header_row, columns = table(second)
    assert list(columns).count(NOTE_HEADER) == 1
    red = {c.coordinate for row in second.iter_rows(min_row=header_row + 1) for c in row
           if c.fill.fgColor.rgb == ERROR_COLOR}
    assert red == {second.cell(FIRST_ROW + 4, columns["身份证号"]).coordinate}
    assert not second.cell(FIRST_ROW + 1, columns[NOTE_HEADER]).value


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: run deploy/setup.sh test")
@pytest.mark.parametrize("saved_as, extension", [("xls", "xls"), ("ods", "ods"), ("gbk.csv", "csv")])
def test_other_formats_come_back_as_a_marked_xlsx(school, saved_as, extension):
    answer = refused(school, saved_by_libreoffice(BAD_XLSX, saved_as), f"学籍.{extension}")
    assert answer["annotated_file"] == {**answer["annotated_file"], "filename": "学籍-错误说明.xlsx",
                                        "converted": True}
    book = download(school, answer)
    assert_annotated(book, answer)
    fixed = upload(school["client"], URL, school["manager"], fixed_by_script(book), "学籍-错误说明.xlsx")
    assert fixed.status_code == 200, fixed.get_json()


def test_only_the_clerk_who_uploaded_gets_the_file(school, client):
    answer = refused(school, BAD_XLSX, "学籍.xlsx")
    other = login(client, "s1_manager")
    assert client.get(answer["annotated_file"]["url"], headers=other).status_code == 404
    assert client.get("/api/v1/annotated-files/../../etc", headers=other).status_code == 404
    assert client.get(answer["annotated_file"]["url"]).status_code == 401


def test_a_file_refused_as_a_whole_has_nothing_to_mark(school):
    answer = refused(school, b"\x00\x01 not a table", "学籍.xlsx")
    assert "annotated_file" not in answer
