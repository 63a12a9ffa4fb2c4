"""The two xlsx readers (calamine for small files, openpyxl streaming for large ones) agree."""
import io

import openpyxl
import pytest

from services.common import sheets


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
