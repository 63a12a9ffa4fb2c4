from io import BytesIO

import pytest
from openpyxl import load_workbook

from services.common import columns
from services.roster.templates import build_template


def _open(kind: str):
    return load_workbook(BytesIO(build_template(kind)))


def _choices_of(book, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    return [c.value for row in book[sheet.strip("'")][cells.replace("$", "")] for c in row]


@pytest.mark.parametrize("kind", list(columns.KINDS))
def test_data_sheet_has_exactly_the_headers(kind):
    book = _open(kind)
    data = book.worksheets[0]
    assert data.title == "数据"
    assert [c.value for c in data[1]] == columns.headers(kind)
    assert data.freeze_panes == "A2"
    assert data.max_row == 1 or all(c.value is None for row in data.iter_rows(min_row=2) for c in row)


@pytest.mark.parametrize("kind", list(columns.KINDS))
def test_instructions_mention_every_column(kind):
    book = _open(kind)
    assert book.sheetnames[1] == "填写说明"
    text = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value is not None)
    assert columns.TITLES[kind] in text
    for column in columns.KINDS[kind]:
        assert column.header in text
        if column.example:
            assert column.example in text
    assert "第1行" in text and "X" in text


def test_kind_specific_notes():
    def text(kind):
        return "\n".join(str(c.value) for row in _open(kind)["填写说明"].iter_rows() for c in row if c.value)
    assert "招生登记" in text("graduates") and "150" in text("graduates") and "zip" in text("graduates")
    assert "操行" in text("course-plans") and "思政类" in text("course-plans")
    assert "补考成绩" in text("grades") and "60" in text("grades")


@pytest.mark.parametrize("kind", list(columns.KINDS))
def test_drop_down_lists_for_choice_columns(kind):
    book = _open(kind)
    data = book["数据"]
    validations = data.data_validations.dataValidation
    for index, column in enumerate(columns.KINDS[kind], start=1):
        letter = data.cell(row=1, column=index).column_letter
        found = [v for v in validations if f"{letter}2:{letter}5000" in str(v.sqref)]
        if not column.choices:
            assert not found
            continue
        assert len(found) == 1
        validation = found[0]
        assert validation.type == "list"
        assert validation.showErrorMessage
        assert validation.errorTitle == "输入有误"
        assert validation.error == "请从下拉列表中选择：" + "、".join(column.choices)
        assert _choices_of(book, validation.formula1) == list(column.choices)


@pytest.mark.parametrize("kind", list(columns.KINDS))
def test_text_columns_are_formatted_as_text(kind):
    data = _open(kind)["数据"]
    for index, column in enumerate(columns.KINDS[kind], start=1):
        if column.is_text:
            assert data.cell(row=2, column=index).number_format == "@"
            assert data.cell(row=5000, column=index).number_format == "@"


def test_id_column_is_text():
    data = _open("grades")["数据"]
    assert data["A1"].value == "身份证号"
    assert data["A2"].number_format == "@"


@pytest.mark.parametrize("kind", list(columns.KINDS))
def test_file_is_small(kind):
    assert len(build_template(kind)) < 300 * 1024


def test_unknown_kind():
    with pytest.raises(KeyError):
        build_template("teachers")


def test_long_choice_lists_go_to_a_hidden_sheet(monkeypatch):
    long = tuple(f"很长的选项名称{i:03d}" for i in range(40))
    monkeypatch.setitem(columns.KINDS, "long", [columns.Column("类别", "", "x", choices=long)])
    monkeypatch.setitem(columns.TITLES, "long", "测试")
    book = _open("long")
    assert book["选项"].sheet_state == "hidden"
    (validation,) = book["数据"].data_validations.dataValidation
    assert validation.formula1.startswith("'选项'!")
    assert _choices_of(book, validation.formula1) == list(long)
