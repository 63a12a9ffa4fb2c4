"""The two xlsx readers (calamine for small files, openpyxl streaming for large ones) agree."""
import io
import zipfile

import openpyxl
import pytest

from services.common import sheets
from services.common.errors import InvalidRows


def messy_workbook(path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026届成绩表"])
    sheet.merge_cells("A1:D1")
    sheet.append(["姓名", " 身份证号 ", "备注", "成绩"])
    sheet.append(["张三", "11010519491231002X", "", 85])
    sheet.append([])
    sheet.append(["李四", "110105194912310021", "补考", "良好"])
    sheet.append([None, "  ", None])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())


@pytest.mark.parametrize("stream_above", [10**9, 0], ids=["calamine", "openpyxl-streaming"])
def test_readers_find_the_header_and_number_rows_as_excel(tmp_path, monkeypatch, stream_above):
    monkeypatch.setattr(sheets, "STREAM_ABOVE_BYTES", stream_above)
    path = tmp_path / "成绩.xlsx"
    messy_workbook(path)
    table = sheets.open_table(str(path), "成绩.xlsx", ["身份证号", "姓名", "成绩"])
    assert table.header_row == 2
    rows = [(n, r["姓名"], r["成绩"]) for n, r in sheets.records(table)]
    assert [(n, name) for n, name, _ in rows] == [(3, "张三"), (5, "李四")]
    assert float(rows[0][2]) == 85 and rows[1][2] == "良好"


def test_a_csv_with_a_bom_and_a_title_row(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes("\ufeff毕业生名单,,\n姓名,身份证号,成绩\n王五,1,90\n".encode())
    table = sheets.open_table(str(path), "名单.csv", ["身份证号", "姓名", "成绩"])
    assert [(n, r["姓名"]) for n, r in sheets.records(table)] == [(3, "王五")]


def test_clean_header_drops_spaces_breaks_marks_and_full_width_forms():
    assert sheets.clean_header(" 身份证号\n（18位） ") == "身份证号(18位)"
    assert sheets.clean_header("*姓名") == sheets.clean_header("姓名*") == sheets.clean_header("姓名＊") == "姓名"
    assert sheets.clean_header("学\u3000时") == "学时"
    assert sheets.clean_header(None) == ""


def book_bytes(build) -> bytes:
    book = openpyxl.Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_headers_as_offices_write_them_and_extra_columns_named(tmp_path):
    def build(book):
        sheet = book.active
        sheet.append(["某某学校2026届毕业生名单"])
        sheet.merge_cells("A1:F1")
        sheet.append(["*姓名", "身份证\n号", " 成绩 ＊", "备注", None, "联系 电话"])
        sheet.append(["张三", "11010519491231002X", 85, "", None, "", None, None])  # trailing empty cells
    path = tmp_path / "名单.xlsx"
    path.write_bytes(book_bytes(build))
    table = sheets.open_table(str(path), "名单.xlsx", ["姓名", "身份证号", "成绩"])
    assert table.header_row == 2 and table.ignored == ["备注", "联系电话"]
    assert [(n, r["姓名"]) for n, r in sheets.records(table)] == [(3, "张三")]


def test_a_hidden_sheet_gives_way_to_a_visible_one(tmp_path):
    def build(book):
        hidden = book.active
        hidden.title = "旧名单"
        hidden.append(["姓名", "身份证号", "成绩"])
        hidden.append(["旧的", "1", 1])
        hidden.sheet_state = "hidden"
        visible = book.create_sheet("名单")
        visible.append(["姓名", "身份证号", "成绩"])
        visible.append(["新的", "2", 2])
    path = tmp_path / "名单.xlsx"
    path.write_bytes(book_bytes(build))
    table = sheets.open_table(str(path), "名单.xlsx", ["姓名", "身份证号", "成绩"])
    assert table.sheet == "名单" and [r["姓名"] for _, r in sheets.records(table)] == ["新的"]


def test_only_a_hidden_sheet_with_the_headers_is_still_read(tmp_path):
    def build(book):
        book.active.append(["说明：请在“数据”表中填写"])
        data = book.create_sheet("数据")
        data.append(["姓名", "身份证号", "成绩"])
        data.append(["张三", "1", 1])
        data.sheet_state = "hidden"
    path = tmp_path / "名单.xlsx"
    path.write_bytes(book_bytes(build))
    assert sheets.open_table(str(path), "名单.xlsx", ["姓名", "身份证号", "成绩"]).sheet == "数据"


def ods_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<x/>")
    return out.getvalue()


def a_zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in names:
            z.writestr(name, "x")
    return out.getvalue()


@pytest.mark.parametrize("content, filename, kind", [
    (a_zip("[Content_Types].xml", "xl/workbook.xml"), "名单.xlsx", "xlsx"),
    (a_zip("[Content_Types].xml", "xl/workbook.xml"), "名单.xlsm", "xlsx"),
    (a_zip("[Content_Types].xml", "xl/workbook.xml"), "名单.xls", "xlsx"),    # an .xlsx renamed .xls
    (ods_bytes(), "名单.ods", "ods"),
    (sheets.OLE2_MAGIC + b"\x00" * 100, "名单.xls", "xls"),
    (sheets.OLE2_MAGIC + b"\x00" * 100, "名单.et", "xls"),                      # WPS
    (sheets.OLE2_MAGIC + b"\x00" * 100, "名单.xlsx", "xls"),                    # an .xls renamed .xlsx
    ("姓名,成绩\n张三,85\n".encode("gbk"), "名单.csv", "csv"),
    ("姓名,成绩\n张三,85\n".encode(), "名单.xls", "csv"),                      # CSV exported as .xls
])
def test_a_file_is_judged_by_its_content(tmp_path, content, filename, kind):
    path = tmp_path / "f"
    path.write_bytes(content)
    assert sheets.detect(str(path), filename) == kind


@pytest.mark.parametrize("content, fragment", [
    (a_zip("readme.txt"), "压缩包"),
    (b"<html><table><tr><td>1</td></tr></table></html>", "网页"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是Excel"),
    (b"", "不是Excel"),
])
def test_content_of_no_format_says_so(tmp_path, content, fragment):
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(InvalidRows) as err:
        sheets.open_table(str(path), "名单.xlsx", ["姓名"])
    assert fragment in err.value.message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    rare = "欧阳娜" if encoding == "gbk" else "欧阳䶮"  # 䶮 is in GB18030, not in GBK
    path = tmp_path / "名单.csv"
    path.write_bytes(f"2026届名单,,\n姓名,身份证号,成绩\n王五,1,90\n{rare},2,良好\n".encode(encoding))
    table = sheets.open_table(str(path), "名单.csv", ["身份证号", "姓名", "成绩"])
    assert [(n, r["姓名"], r["成绩"]) for n, r in sheets.records(table)] == [(3, "王五", "90"), (4, rare, "良好")]


def test_a_long_gbk_csv_cut_mid_character_in_the_sample_is_still_gbk(tmp_path):
    head = "姓名,身份证号,成绩\n".encode("gbk")
    body = head + b"x" * (sheets.SAMPLE_BYTES - 1 - len(head)) + "张三,1,90\n".encode("gbk")
    assert body[sheets.SAMPLE_BYTES - 1] >= 0x80  # the sample ends inside a character
    assert sheets.csv_encoding(body[:sheets.SAMPLE_BYTES]) == "gb18030"


def test_a_tab_separated_text_is_read(tmp_path):
    path = tmp_path / "名单.xls"
    path.write_bytes("姓名\t身份证号\t成绩\n王五\t1\t90\n".encode("gbk"))
    table = sheets.open_table(str(path), "名单.xls", ["身份证号", "姓名", "成绩"])
    assert [r["姓名"] for _, r in sheets.records(table)] == ["王五"]


@pytest.mark.parametrize("content", [
    "姓名,身份证号\n王五,1\n".encode("utf-16"),          # Excel's "Unicode 文本"
    b"\xff\xfe\xfd,\x80\x80\n",                               # neither UTF-8 nor GB18030
])
def test_csv_in_another_encoding_says_so(tmp_path, content):
    path = tmp_path / "名单.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidRows) as err:
        sheets.open_table(str(path), "名单.csv", ["姓名"])
    assert "既不是UTF-8，也不是GBK/GB18030" in err.value.message


def test_a_csv_that_changes_encoding_after_the_sample_says_where(tmp_path):
    head = "姓名,身份证号,成绩\n".encode() + b"wang,1,90\n" * (sheets.SAMPLE_BYTES // 10 + 1)
    path = tmp_path / "名单.csv"
    path.write_bytes(head + "张三,2,80\n".encode("gbk"))
    table = sheets.open_table(str(path), "名单.csv", ["姓名", "身份证号", "成绩"])
    with pytest.raises(InvalidRows) as err:
        list(table.rows)
    assert "不是UTF-8编码" in err.value.message
