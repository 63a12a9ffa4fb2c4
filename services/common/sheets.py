"""Reading the spreadsheets clerks upload: .xlsx (python-calamine, fast) and UTF-8 .csv.

Data is read from the first sheet that has a row holding every expected header; rows above it
(a merged title, notes) are skipped, columns are matched by name in any order, extra columns are
ignored and empty rows are dropped. Row numbers are the sheet's own, as the clerk sees them.
"""
import csv
import io
import os
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import openpyxl
import python_calamine

from services.common.errors import InvalidRows

HEADER_SEARCH_ROWS = 10
STREAM_ABOVE_BYTES = 8 * 1024 * 1024  # calamine holds a whole sheet: ~40 bytes a cell


@dataclass
class Table:
    sheet: str
    header_row: int
    columns: dict[str, int]  # header → index in the row
    rows: Iterator[tuple[int, list]]  # (sheet row number, cell values), empty rows left out


def clean_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split()).lstrip("*")


def unusable(message: str, filename: str) -> InvalidRows:
    return InvalidRows(f"文件“{filename}”无法导入：{message}", [{"row": None, "column": None, "message": message}])


def _find_header(rows: Iterator[list], expected: list[str],
                 optional: tuple[str, ...] = ()) -> tuple[int, dict[str, int], list[str]] | None:
    best_missing: list[str] = list(expected)
    wanted = set(expected) | set(optional)
    for number, cells in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        headers = [clean_header(c) for c in cells]
        positions = {}
        for index, header in enumerate(headers):
            if header in wanted and header not in positions:
                positions[header] = index
        missing = [h for h in expected if h not in positions]
        if not missing:
            return number, positions, []
        if len(missing) < len(best_missing):
            best_missing = missing
    return None if best_missing == expected else (0, {}, best_missing)


def _data_rows(rows: Iterator[list], start: int) -> Iterator[tuple[int, list]]:
    for number, cells in enumerate(rows, start=start):
        for cell in cells:  # a row counts when any cell holds more than blanks
            if cell is not None and (cell.__class__ is not str or cell.strip()):
                yield number, cells
                break


class _StreamingSheet:
    """An openpyxl read-only sheet with calamine's iter_rows(): rows from row 1, values only."""

    def __init__(self, sheet):
        self.sheet = sheet

    def iter_rows(self):
        expected = 1
        for row in self.sheet.iter_rows(values_only=False):
            number = next((c.row for c in row if hasattr(c, "row")), expected)
            while expected < number:  # read-only mode skips empty rows; keep numbering as in Excel
                yield []
                expected += 1
            yield [c.value for c in row]
            expected += 1


def _xlsx_sheets(path: str):
    """Small files are read whole by calamine (fast); large ones stream through openpyxl's
    read-only mode, which holds one row at a time."""
    try:
        if os.path.getsize(path) > STREAM_ABOVE_BYTES:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            return [(sheet.title, _StreamingSheet(sheet)) for sheet in book.worksheets]
        book = python_calamine.CalamineWorkbook.from_path(path)
    except Exception:
        return None
    return [(name, book.get_sheet_by_name(name)) for name in book.sheet_names]


def open_table(path: str, filename: str, expected: list[str], optional: tuple[str, ...] = ()) -> Table:
    """The data table of an uploaded file; raises InvalidRows (422) if the file cannot be used.
    `optional` headers are mapped when present."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return _open_csv(path, filename, expected, optional)
    if not zipfile.is_zipfile(path):
        if lower.endswith(".xls"):
            raise unusable("这是旧版Excel(.xls)文件，请在Excel中“另存为”.xlsx格式后再导入", filename)
        raise unusable("不是Excel(.xlsx)或CSV文件，请使用系统提供的模板", filename)
    sheets = _xlsx_sheets(path)
    if sheets is None:
        raise unusable("Excel文件已损坏或无法读取，请重新保存后再导入", filename)
    closest: list[str] | None = None
    for name, sheet in sheets:
        found = _find_header(iter(sheet.iter_rows()), expected, optional)
        if found and not found[2]:
            header_row, columns, _ = found
            rows = sheet.iter_rows()
            for _ in range(header_row):
                next(rows)
            return Table(name, header_row, columns, _data_rows(rows, header_row + 1))
        if found and (closest is None or len(found[2]) < len(closest)):
            closest = found[2]
    raise _missing_headers(filename, expected, closest)


def _missing_headers(filename: str, expected: list[str], missing: list[str] | None) -> InvalidRows:
    if missing:
        return unusable(f"找不到表头“{'、'.join(missing)}”。表头应在第一行，包含：{'、'.join(expected)}", filename)
    return unusable(f"找不到表头。第一行应为：{'、'.join(expected)}（可下载模板对照）", filename)


def _open_csv(path: str, filename: str, expected: list[str], optional: tuple[str, ...]) -> Table:
    raw = open(path, "rb")
    head = raw.read(65536)
    raw.seek(0)
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not merely a character cut at the end of the sample
            raise unusable("CSV文件不是UTF-8编码：请在Excel中“另存为”→“CSV UTF-8(逗号分隔)”", filename) from None
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    found = _find_header(csv.reader(text), expected, optional)
    if not found or found[2]:
        raise _missing_headers(filename, expected, found[2] if found else None)
    header_row, columns, _ = found
    text.seek(0)
    reader = csv.reader(text)
    for _ in range(header_row):
        next(reader)
    return Table("csv", header_row, columns, _data_rows(reader, header_row + 1))



def records(table: Table) -> Iterator[tuple[int, dict[str, object]]]:
    """Each data row as (row number, {header: value})."""
    for number, cells in table.rows:
        yield number, {h: (cells[i] if i < len(cells) else None) for h, i in table.columns.items()}
