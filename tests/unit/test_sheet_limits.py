"""Spreadsheet imports refuse a file past a limit early, saying the limit, before a reader holds it.

Where a reader must not be reached, it is replaced by one that fails the test: a refusal that came
only after calamine or openpyxl had loaded the sheet would already have cost the memory."""
import csv
import gc
import io
import zipfile

import openpyxl
import pytest
import python_calamine

from services.common import sheet_limits, sheets
from services.common.errors import InvalidRows, TooLarge
from tests.support import biff
from tests.support.rawsheets import cells_row, ods, ods_cell, ods_row, write_xlsx, xlsb_with_cell, xlsx

HEADERS = ["姓名", "身份证号"]


@pytest.fixture
def no_reader(monkeypatch):
    """Neither workbook reader may open the file."""
    def refuse(*args, **kwargs):
        raise AssertionError("a reader opened a file the limits should have refused")
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def refusal(tmp_path, data: bytes, filename: str = "名单.xlsx", expected: list[str] = HEADERS) -> str:
    path = tmp_path / filename
    path.write_bytes(data)
    with pytest.raises(TooLarge) as err:
        table = sheets.open_table(str(path), filename, expected)
        list(table.rows)
    assert err.value.status == 413 and err.value.message.startswith(f"文件“{filename}”无法导入：")
    return err.value.message


def rows_with(*far: tuple[int, int]) -> list[bytes]:
    """A header row, then a number at each (row, column)."""
    return [cells_row(1, HEADERS)] + [cells_row(row, [1], first=col) for row, col in far]


def test_a_file_over_the_upload_limit(tmp_path):
    path = tmp_path / "名单.xlsx"
    with open(path, "wb") as f:
        f.truncate(sheet_limits.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(TooLarge) as err:
        sheets.open_table(str(path), "名单.xlsx", HEADERS)
    assert "超过60MB的上限" in err.value.message and "拆分" in err.value.message


def test_a_declared_range_past_the_row_limit_is_refused_before_reading(tmp_path, no_reader):
    message = refusal(tmp_path, xlsx(rows_with((2, 1)), dimension="A1:K2000000"))
    assert "工作表“Sheet1”的数据区域A1:K2000000有2000000行，超过300000行的上限" in message
    assert "按班级或学期" in message


def test_rows_past_the_limit_without_a_declared_range(tmp_path, no_reader):
    message = refusal(tmp_path, xlsx(rows_with((2, 1), (300_001, 1))))
    assert "有300001行，超过300000行的上限" in message


def test_columns_past_the_limit(tmp_path, no_reader):
    message = refusal(tmp_path, xlsx(rows_with((2, 201))))
    assert "有201列，超过200列的上限" in message and "只保留模板中的列" in message


def test_cells_past_the_limit(tmp_path, no_reader):
    message = refusal(tmp_path, xlsx(rows_with((20_001, 100))))
    assert "有20001行×100列，共2000100个单元格，超过2000000个的上限" in message


def test_a_far_cell_that_would_abort_calamine_is_refused(tmp_path, no_reader):
    # calamine would ask for 16384 × 1048576 cells of 32 bytes and abort the service process
    message = refusal(tmp_path, xlsx(rows_with((1_048_576, 16_384))))
    assert "超过300000行的上限" in message


@pytest.mark.parametrize("far, fragment", [
    ((2, 201), "有201列"), ((300_001, 1), "有300001行"), ((20_001, 100), "共2000100个单元格"),
], ids=["column", "row", "cells"])
def test_a_far_cell_among_near_ones_is_found(tmp_path, no_reader, far, fragment):
    """Not the last cell of the sheet (nor in order): found among thousands of ordinary rows."""
    rows = rows_with(far) + [cells_row(row, ["张三", "1"]) for row in range(2, 20_000)]
    assert fragment in refusal(tmp_path, xlsx(rows))


def test_a_sheet_within_the_limits_is_read_by_calamine(tmp_path, monkeypatch):
    monkeypatch.setattr(openpyxl, "load_workbook", None)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx([cells_row(1, HEADERS), cells_row(2, ["张三", "1"]), cells_row(200_000, ["李四", "2"])]))
    table = sheets.open_table(str(path), "名单.xlsx", HEADERS)
    assert [(n, r["姓名"]) for n, r in sheets.records(table)] == [(2, "张三"), (200_000, "李四")]


def test_cells_without_references_are_streamed_not_read_by_calamine(tmp_path, monkeypatch):
    """calamine would place such cells by counting; the scan cannot see where, so openpyxl reads them."""
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", None)
    rows = [f'<row><c t="inlineStr"><is><t>{name}</t></is></c></row>'.encode() for name in ("姓名", "张三")]
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx(rows))
    assert [r["姓名"] for _, r in sheets.records(sheets.open_table(str(path), "名单.xlsx", ["姓名"]))] == ["张三"]


def test_a_streamed_sheet_is_read_from_an_upload_saved_without_its_extension(tmp_path, monkeypatch):
    """The gateway saves "学籍.xlsx" as "<uuid>-xlsx": openpyxl must not judge the file by its path. The
    file stays open while rows are read, after open_table has returned."""
    monkeypatch.setattr(sheets, "STREAM_ABOVE_BYTES", 0)
    path = tmp_path / "3f2a-xlsx"
    path.write_bytes(xlsx([cells_row(1, HEADERS)] + [cells_row(n, [f"学生{n}", str(n)]) for n in range(2, 3000)]))
    table = sheets.open_table(str(path), "学籍.xlsx", HEADERS)
    gc.collect()
    assert [n for n, _ in sheets.records(table)] == list(range(2, 3000))


def test_rows_without_references_still_count(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_ROWS", 5)
    rows = ['<x:row><x:c t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c></x:row>'.encode()] * 10
    message = refusal(tmp_path, xlsx(rows))
    assert "有10行，超过5行的上限" in message


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path, monkeypatch):
    """300 MB of spaces compress to 300 KB: refused by the sizes the zip declares, nothing inflated."""
    path = tmp_path / "名单.xlsx"
    write_xlsx(path, (b" " * (1 << 20) for _ in range(300)), compresslevel=9)
    assert path.stat().st_size < 1 << 20
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(name) or real_open(
        self, name, *a, **k))
    message = refusal(tmp_path, path.read_bytes())
    assert "解压后有300MB，超过256MB的上限" in message
    assert opened == []


def test_a_member_compressed_beyond_reason_is_refused(tmp_path):
    path = tmp_path / "名单.xlsx"
    write_xlsx(path, (b" " * (1 << 20) for _ in range(20)), compresslevel=9)
    message = refusal(tmp_path, path.read_bytes())
    assert "“xl/worksheets/sheet1.xml”解压后是压缩前的" in message and "超过200倍的上限" in message


def test_shared_strings_past_their_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_SHARED_STRINGS_BYTES", 1000)
    path = tmp_path / "名单.xlsx"
    write_xlsx(path, rows_with((2, 1)))
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>张三</t></si>" * 200 + "</sst>")
    message = refusal(tmp_path, path.read_bytes())
    assert "“xl/sharedStrings.xml”解压后有" in message and "超过0.0MB的上限" in message


def test_an_ods_with_a_row_repeated_a_million_times(tmp_path, no_reader):
    """843 bytes that calamine would expand to a million rows (250 MB)."""
    header = ods_row(ods_cell("姓名") + ods_cell("身份证号"))
    content = ods(header + ods_row(ods_cell("张三") + ods_cell("1"), 1_000_000))
    assert len(content) < 2000
    assert "有1000001行，超过300000行的上限" in refusal(tmp_path, content, "名单.ods")


def test_an_ods_with_empty_rows_repeated_between_values(tmp_path, no_reader):
    gap = ods_row('<table:table-cell table:number-columns-repeated="1024"/>', 1_000_000)
    content = ods(ods_row(ods_cell("姓名") + ods_cell("身份证号")) + gap + ods_row(ods_cell("张三")))
    assert "有1000002行，超过300000行的上限" in refusal(tmp_path, content, "名单.ods")


def test_an_ods_with_a_cell_repeated_across_columns(tmp_path, no_reader):
    content = ods(ods_row(ods_cell("姓名") + ods_cell("身份证号")) + ods_row(ods_cell("x", 16_000)))
    assert "有16000列，超过200列的上限" in refusal(tmp_path, content, "名单.ods")


def test_an_ods_as_libreoffice_writes_it_is_read(tmp_path):
    """LibreOffice ends each row with thousands of empty cells and each table with a million empty
    rows: they are not data, for calamine nor for the limits."""
    tail = '<table:table-cell table:number-columns-repeated="16382"/>'
    rows = (ods_row(ods_cell("姓名") + ods_cell("身份证号") + tail) + ods_row(ods_cell("张三") + ods_cell("1") + tail)
            + ods_row('<table:table-cell table:number-columns-repeated="16384"/>', 1_048_574))
    path = tmp_path / "名单.ods"
    path.write_bytes(ods(rows))
    assert [r["姓名"] for _, r in sheets.records(sheets.open_table(str(path), "名单.ods", HEADERS))] == ["张三"]


@pytest.mark.parametrize("cells, declared, fragment", [
    ([biff.number(65535, 255, 1)], None, "工作表“Sheet1”有256列，超过200列的上限"),
    ([biff.number(9, 1, 1)], (65536, 256), "工作表“Sheet1”记录的数据区域有256列，超过200列的上限"),
    ([biff.number(20_000, 99, 1)], None, "有20001行×100列，共2000100个单元格"),
], ids=["far cell (1 GB in calamine)", "declared range (calamine reserves it)", "cells"])
def test_an_xls_past_the_limits(tmp_path, no_reader, cells, declared, fragment):
    data = biff.xls([biff.label(0, 0, "姓名"), biff.label(0, 1, "身份证号")] + cells, declared)
    assert len(data) < 10_000
    assert fragment in refusal(tmp_path, data, "名单.xls")


@pytest.mark.parametrize("rows", [2, 300], ids=["mini stream", "regular stream"])
def test_an_xls_within_the_limits_is_read(tmp_path, rows):
    cells = [biff.label(0, 0, "姓名"), biff.label(0, 1, "身份证号")]
    cells += [biff.label(r, 0, f"学生{r}") for r in range(1, rows)]
    path = tmp_path / "名单.xls"
    path.write_bytes(biff.xls(cells, declared=(rows, 2)))
    table = sheets.open_table(str(path), "名单.xls", HEADERS)
    assert [n for n, _ in sheets.records(table)] == list(range(2, rows + 1))


def test_an_xls_over_its_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_XLS_BYTES", 1000)
    message = refusal(tmp_path, biff.xls([biff.label(0, 0, "姓名")]), "名单.xls")
    assert "Excel 97-2003格式(.xls)的文件有" in message and "另存为" in message


def test_an_xlsb_with_a_far_cell(tmp_path):
    assert "有1048576行，超过300000行的上限" in refusal(tmp_path, xlsb_with_cell(1_048_575, 0))


def csv_text(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_a_csv_past_the_row_limit_is_refused_before_its_rows_are_used(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_ROWS", 50)
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_text([HEADERS] + [["张三", str(n)] for n in range(60)]))
    with pytest.raises(TooLarge) as err:
        sheets.open_table(str(path), "名单.csv", HEADERS)
    assert "超过50行的上限" in err.value.message


def test_a_csv_whose_cells_hold_line_breaks_counts_rows_not_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_ROWS", 50)
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_text([HEADERS] + [["张\n三", str(n)] for n in range(40)]))
    assert len(list(sheets.open_table(str(path), "名单.csv", HEADERS).rows)) == 40


def test_a_csv_line_past_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_CSV_LINE_CHARS", 1000)
    message = refusal(tmp_path, csv_text([HEADERS, ["张三", "1" * 5000]]), "名单.csv")
    assert "第2行超过1000个字符" in message


def test_a_csv_with_too_many_columns(tmp_path):
    message = refusal(tmp_path, csv_text([HEADERS + [f"列{n}" for n in range(248)]]), "名单.csv")
    assert "第1行有250列，超过200列的上限" in message


def test_rows_are_counted_again_as_they_are_read(monkeypatch):
    monkeypatch.setattr(sheet_limits, "MAX_ROWS", 5)
    rows = sheet_limits.guarded(iter([["x"]] * 10), "名单.xlsx", "Sheet1")
    assert len([next(rows) for _ in range(5)]) == 5
    with pytest.raises(TooLarge) as err:
        next(rows)
    assert "工作表“Sheet1”超过5行的上限" in err.value.message


def test_a_wide_row_counts_to_its_last_value():
    rows = sheet_limits.guarded(iter([["x"] + [None] * 500, ["x"] * 201]), "名单.xlsx", "Sheet1")
    assert next(rows)[0] == "x"
    with pytest.raises(TooLarge) as err:
        next(rows)
    assert "第2行有201列" in err.value.message


def test_a_reader_failing_part_way_is_a_damaged_file():
    def failing():
        yield ["x"]
        raise ValueError("unclosed token")
    rows = sheet_limits.guarded(failing(), "名单.xlsx", "Sheet1")
    next(rows)
    with pytest.raises(InvalidRows) as err:
        next(rows)
    assert "第2行附近的内容无法读取" in err.value.message
