"""A refused import's own file handed back with its errors marked, for the clerk to fix in place.

The bad cells are filled red with the reason as a comment, a "错误说明" column after the data holds
each bad row's reasons, and a last sheet "错误说明" lists every problem; nothing else changes, so
the corrected file can be uploaded as it is (the import ignores the extra column and sheet). An
.xlsx or .xlsm is annotated in place; formats that cannot carry highlights (.xls, WPS, .ods, CSV)
come back as an .xlsx copy of their cells, every CSV cell kept as text.
"""
import csv
import io
import os
from collections import defaultdict
from dataclasses import dataclass

import openpyxl
import python_calamine
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from services.common import columns, sheets
from services.common.errors import InvalidRows

NOTE_HEADER = "错误说明"
ERRORS_SHEET = "错误说明"
ERROR_COLOR = "FFFFC7CE"
ERROR_FILL = PatternFill("solid", fgColor=ERROR_COLOR)
NOTE_FONT = Font(color="FF9C0006")
MAX_BYTES = 4 * 1024 * 1024  # openpyxl holds a whole workbook: some 200 bytes a cell, in the gateway
KNOWN_HEADERS = frozenset(h for kind in columns.KINDS for h in columns.headers(kind))


@dataclass
class Annotated:
    data: bytes
    filename: str  # the download's name: the clerk's own, with "-错误说明" before the extension
    converted: bool  # True when the original format could not hold highlights and an .xlsx came back


def annotated_copy(path: str, filename: str, errors: list[dict]) -> Annotated | None:
    """The file with `errors` ({row, column, message}, rows as the clerk sees them) marked in it, or
    None where no row is named or the file is too large or not a spreadsheet."""
    if not any(e.get("row") for e in errors) or os.path.getsize(path) > MAX_BYTES:
        return None
    try:
        kind = sheets.detect(path, filename)
    except InvalidRows:
        return None
    stem, extension = os.path.splitext(filename)
    keep_vba = extension.lower() == ".xlsm"
    if kind == "xlsx":
        with open(path, "rb") as fh:  # by content: the saved upload's name may have lost its extension
            book = openpyxl.load_workbook(fh, keep_vba=keep_vba)
    elif kind in ("xls", "ods"):
        book = _from_calamine(path)
    elif kind == "csv":
        book = _from_csv(path)
    else:
        return None
    located = _locate(book, errors)
    if located is None:
        return None
    mark(*located, errors)
    list_errors(book, errors)
    out = io.BytesIO()
    book.save(out)
    converted = kind != "xlsx"
    name = f"{stem}-{NOTE_HEADER}{extension if not converted else '.xlsx'}"
    return Annotated(out.getvalue(), name, converted)


def _from_calamine(path: str) -> Workbook:
    """An .xls/.et/.ods as an openpyxl workbook of the same sheets and cells (values, not formats)."""
    source = python_calamine.CalamineWorkbook.from_path(path)
    book = Workbook()
    book.remove(book.active)
    for meta in source.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        sheet = source.get_sheet_by_name(meta.name)
        target = book.create_sheet(meta.name[:31])
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            target.sheet_state = "hidden"
        first_column = sheet.start[1] if sheet.start else 0  # calamine's rows begin at the used range's column
        for row_number, cells in enumerate(sheet.iter_rows(), start=1):
            for index, value in enumerate(cells):
                if value not in ("", None):
                    target.cell(row_number, first_column + index + 1, value)
    return book


def _from_csv(path: str) -> Workbook:
    """A CSV as a one-sheet workbook, every cell text (so ID numbers stay as written)."""
    book = Workbook()
    target = book.active
    target.title = "Sheet1"
    for row_number, cells in enumerate(_csv_rows(path), start=1):
        for index, value in enumerate(cells, start=1):
            if value != "":
                target.cell(row_number, index, value).number_format = "@"
    return book


def _csv_rows(path: str) -> list[list[str]]:
    with open(path, "rb") as fh:
        sample = fh.read(sheets.SAMPLE_BYTES)
    encoding = sheets.csv_encoding(sample) or "gb18030"
    delimiter = sheets._delimiter(sample.decode(encoding, errors="ignore"))
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        return list(csv.reader(text, delimiter=delimiter))


def _locate(book: Workbook, errors: list[dict]) -> tuple[Worksheet, int, dict[str, int]] | None:
    """(sheet, header row, {header: column number}) of the table the import read: the first sheet
    (visible ones first, as the import looks) whose header row holds the errors' columns and the
    most of the templates' headers."""
    named = {e["column"] for e in errors if e.get("column")}
    best, best_score = None, (False, 0)
    ordered = sorted(book.worksheets, key=lambda s: s.sheet_state != "visible")
    for sheet in ordered:
        if sheet.title == ERRORS_SHEET:
            continue
        for row_number, cells in enumerate(sheet.iter_rows(min_row=1, max_row=sheets.HEADER_SEARCH_ROWS,
                                                           min_col=1, values_only=True), start=1):
            positions: dict[str, int] = {}
            for index, value in enumerate(cells, start=1):
                positions.setdefault(sheets.clean_header(value), index)
            score = (named <= positions.keys(), len(KNOWN_HEADERS & positions.keys()))
            if score > best_score:
                best, best_score = (sheet, row_number, positions), score
    return best


def mark(sheet: Worksheet, header_row: int, positions: dict[str, int], errors: list[dict]) -> None:
    """Fill the bad cells, comment them, and write each bad row's reasons in the note column.
    Marks of an earlier round (the note column, cells in our red) are cleared first."""
    note_column = positions.get(NOTE_HEADER)
    _clear_earlier_marks(sheet, header_row, note_column)
    if note_column is None:
        note_column = sheet.max_column + 1
    header = sheet.cell(header_row, note_column, NOTE_HEADER)
    header.font = Font(bold=True, color=NOTE_FONT.color)
    sheet.column_dimensions[header.column_letter].width = 60
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        row, column = error.get("row"), error.get("column")
        if not row:
            continue
        reasons[row].append(f"{column}：{error['message']}" if column else error["message"])
        if column in positions:
            cell = sheet.cell(row, positions[column])
            cell.fill = ERROR_FILL
            cell.comment = _joined(cell.comment, error["message"])
    for row, texts in reasons.items():
        note = sheet.cell(row, note_column, "；".join(texts))
        note.font = NOTE_FONT


def _joined(comment: Comment | None, message: str) -> Comment:
    text = f"{comment.text}\n{message}" if comment and comment.author == NOTE_HEADER else message
    return Comment(text, NOTE_HEADER, width=300, height=80)


def _clear_earlier_marks(sheet: Worksheet, header_row: int, note_column: int | None) -> None:
    for cells in sheet.iter_rows(min_row=header_row + 1):
        for cell in cells:
            if cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fgColor.rgb == ERROR_COLOR:
                cell.fill = PatternFill()
            if cell.comment is not None and cell.comment.author == NOTE_HEADER:
                cell.comment = None
            if note_column is not None and cell.column == note_column:
                cell.value = None


def list_errors(book: Workbook, errors: list[dict]) -> None:
    """Every problem (also those of no single row) on a last sheet, replacing an earlier round's."""
    if ERRORS_SHEET in book.sheetnames:
        book.remove(book[ERRORS_SHEET])
    sheet = book.create_sheet(ERRORS_SHEET)
    sheet.append(["行", "列", "问题"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for error in errors:
        sheet.append([error.get("row"), error.get("column"), error["message"]])
    sheet.column_dimensions["C"].width = 80

