"""Excel templates for the import files: a data sheet with the headers, text formats and drop-down
lists, and an instructions sheet with each column's help and example (never on the data sheet)."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from services.common import vocab
from services.common.columns import KINDS, TITLES, Column

DATA_SHEET = "数据"
HELP_SHEET = "填写说明"
CHOICES_SHEET = "选项"
LAST_ROW = 5000
MAX_INLINE_FORMULA = 255

_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")

GENERAL_NOTES = (
    f"表头（列名）必须保留在“{DATA_SHEET}”工作表的第1行，列名不要修改。",
    "列的顺序可以调整；多余的列会被忽略。",
    "空行会被忽略。",
    "只要有一行数据有错误，整个文件都不会导入；错误清单会写明出错的行号和列名，改正后重新上传即可。",
    "身份证号为18位，最后一位如为X须大写。",
    "身份证号等列已设为“文本”格式，请保持文本格式，不要改为数字，否则Excel会把身份证号后几位变成0。",
    "带下拉列表的列请从列表中选择。",
    f"示例只在本说明中给出，请不要把示例填进“{DATA_SHEET}”工作表。",
)

KIND_NOTES = {
    "graduates": (
        "名单须按招生登记的顺序排列，毕业生资格审核表等按此顺序生成。",
        "照片要求：JPEG格式，高200像素×宽150像素，文件大小5KB～20KB；文件名为“身份证号.jpg”，"
        "身份证号中的X须大写；多张照片可打包成一个zip压缩包一次上传，照片直接放在压缩包中。",
    ),
    "course-plans": (
        f"每个专业、每个入学年级的第1至第6学期都必须有一门名为“{vocab.CONDUCT_COURSE}”的课程，课程类别为“思政类”。",
    ),
    "grades": (
        "“补考成绩”为选填，没有补考则留空。",
        "成绩为60分及以上，或为“不及格”“不合格”以外的等级（"
        + "、".join(w for w in vocab.GRADE_WORDS if w not in ("不及格", "不合格"))
        + "），即为及格。",
    ),
}


def build_template(kind: str) -> bytes:
    """The .xlsx template for one import kind; KeyError for an unknown kind."""
    columns = KINDS[kind]
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    _write_data_sheet(book, data, columns)
    _write_help_sheet(book.create_sheet(HELP_SHEET), kind, columns)
    book.active = 0
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _write_data_sheet(book: Workbook, ws: Worksheet, columns: list[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = _BOLD
        cell.fill = _FILL
        ws.column_dimensions[letter].width = column.width
        if column.is_text:
            for row in range(2, LAST_ROW + 1):
                ws.cell(row=row, column=index).number_format = "@"
        if column.choices:
            ws.add_data_validation(_choice_list(book, column, letter))
    ws.freeze_panes = "A2"


def _choice_list(book: Workbook, column: Column, letter: str) -> DataValidation:
    formula = '"' + ",".join(column.choices) + '"'
    if len(formula) > MAX_INLINE_FORMULA or any("," in c or '"' in c for c in column.choices):
        formula = _choices_range(book, column.choices)
    error = "请从下拉列表中选择：" + "、".join(column.choices)
    if len(error) > MAX_INLINE_FORMULA:  # Excel's limit for the error text
        error = error[:MAX_INLINE_FORMULA - 1] + "…"
    validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorTitle="输入有误", error=error)
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    return validation


def _choices_range(book: Workbook, choices: tuple[str, ...]) -> str:
    """Put a long list in its own column of the hidden 选项 sheet and return a reference to it."""
    if CHOICES_SHEET in book.sheetnames:
        sheet = book[CHOICES_SHEET]
        index = sheet.max_column + 1
    else:
        sheet = book.create_sheet(CHOICES_SHEET)
        sheet.sheet_state = "hidden"
        index = 1
    for row, choice in enumerate(choices, start=1):
        sheet.cell(row=row, column=index, value=choice)
    letter = get_column_letter(index)
    return f"'{CHOICES_SHEET}'!${letter}$1:${letter}${len(choices)}"


def _write_help_sheet(ws: Worksheet, kind: str, columns: list[Column]) -> None:
    ws.append([f"{TITLES[kind]}导入模板 填写说明"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["列名", "是否必填", "说明", "示例"])
    for cell in ws[3]:
        cell.font = _BOLD
        cell.fill = _FILL
    for column in columns:
        help_text = column.help
        if column.choices:
            help_text = "；".join(filter(None, [help_text, "可选值：" + "、".join(column.choices)]))
        ws.append([column.header, "必填" if column.required else "选填", help_text, column.example])
        for cell in ws[ws.max_row]:
            cell.alignment = _WRAP
    ws.append([])
    ws.append(["注意事项"])
    ws.cell(row=ws.max_row, column=1).font = _BOLD
    for number, note in enumerate(GENERAL_NOTES + KIND_NOTES.get(kind, ()), start=1):
        ws.append([f"{number}. {note}"])
    for letter, width in zip("ABCD", (16, 10, 60, 22), strict=True):
        ws.column_dimensions[letter].width = width
