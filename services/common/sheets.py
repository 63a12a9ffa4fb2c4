"""Reading the spreadsheets clerks upload: Excel (.xlsx, .xlsm, .xls), WPS (.et, .ett), .ods and .csv.

A file is judged by its content, not its name: a zip holding a workbook is .xlsx/.xlsm (or .ods by
its mimetype member), the OLE2 signature is an Excel 97–2003 (or WPS) workbook, and text is CSV in
UTF-8 (with or without a BOM) or GB18030/GBK, detected from a sample. Workbooks are read by
python-calamine; an .xlsx sheet with a large XML streams through openpyxl's read-only mode instead.

Size limits (services.common.sheet_limits) are checked before a reader holds anything: the file, the
zip directory, and each sheet's extent (services.common.sheet_scan); rows are counted again as read.

Data is read from the first sheet (visible sheets before hidden ones) that has a row holding every
expected header; rows above it (a merged title, notes) are skipped, columns are matched by name in
any order, extra columns are ignored (and named in `Table.ignored`) and empty rows are dropped.
Row numbers are the sheet's own, as the clerk sees them.
"""
import csv
import functools
import logging
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import openpyxl
import python_calamine

from services.common import sheet_limits, sheet_scan
from services.common.errors import InvalidRows, ServiceError
from services.common.sheet_limits import guarded, unusable

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10
# An .xlsx sheet whose XML (uncompressed) is larger streams through openpyxl, one row at a time. calamine
# holds a whole sheet, ~2 bytes for each byte of XML, and is ~15 times faster: a 180,000-row grade sheet
# of 6 columns (32-46 MB of XML) costs it 70-85 MB, of 10 columns (56 MB) 116 MB.
STREAM_ABOVE_BYTES = 64 * 1024 * 1024
SAMPLE_BYTES = 65536
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ACCEPTED = ".xlsx、.xlsm、.xls、.et、.ett、.ods、.csv"
_BRACKETS = str.maketrans({"【": "[", "】": "]", "〔": "(", "〕": ")", "（": "(", "）": ")"})


@dataclass
class Table:
    sheet: str
    header_row: int
    columns: dict[str, int]  # header → index in the row
    rows: Iterator[tuple[int, list]]  # (sheet row number, cell values), empty rows left out
    ignored: list[str] = field(default_factory=list)  # headers of columns the import does not use


def clean_header(value: object) -> str:
    """A header cell as written in the template: NFKC (full-width letters, digits and brackets to
    half-width), without spaces or line breaks and without a leading or trailing "*" (required mark)."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).translate(_BRACKETS)
    return "".join(text.split()).strip("*")


def _find_header(rows: Iterator[list], expected: list[str], optional: tuple[str, ...] = ()
                 ) -> tuple[int, dict[str, int], list[str], list[str]] | None:
    """(header row, positions, missing headers, ignored headers) of the best header row in the first rows."""
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
            ignored = [h for i, h in enumerate(headers) if h and positions.get(h) != i]
            return number, positions, [], list(dict.fromkeys(ignored))
        if len(missing) < len(best_missing):
            best_missing = missing
    return None if best_missing == expected else (0, {}, best_missing, [])


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


def detect(path: str, filename: str) -> str:
    """What the file holds, by its content: "xlsx" (also .xlsm), "xlsb", "ods", "xls" (also WPS
    .et/.ett) or "csv"; raises InvalidRows saying what it is otherwise."""
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and _head(archive, "mimetype").strip() == ODS_MIMETYPE:
                    return "ods"
        except (zipfile.BadZipFile, OSError, KeyError):
            raise unusable("文件已损坏，无法读取：请在Excel或WPS中重新保存后再导入", filename) from None
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"  # also .xlsm
        if "[Content_Types].xml" in names and "xl/workbook.bin" in names:
            return "xlsb"
        raise unusable(f"这是压缩包(zip)，不是表格文件，无法读取。可导入的格式：{ACCEPTED}", filename)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode 文本"): refused by its encoding
        return "csv"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise unusable("这是网页(HTML/XML)格式的文件，只是扩展名为表格：请在Excel或WPS中打开，"
                       "“另存为”Excel工作簿(.xlsx)后再导入", filename)
    if b"\x00" not in head and head.strip():
        return "csv"
    raise _not_a_table(filename)


def _head(archive: zipfile.ZipFile, name: str) -> bytes:
    """The start of a member, never more (a member may expand far)."""
    with archive.open(name) as member:
        return member.read(len(ODS_MIMETYPE) + 16)


def _not_a_table(filename: str) -> InvalidRows:
    return unusable(f"文件内容不是Excel、WPS或OpenDocument表格，也不是CSV（可导入：{ACCEPTED}）。文件可能已损坏，"
                    "或只是改了扩展名：请在Excel或WPS中打开，“另存为”Excel工作簿(.xlsx)后再导入", filename)


class _XlsxBook:
    """An .xlsx's sheets, each scanned when first wanted, then read whole by calamine (fast) where its
    cells are all where the scan saw them and its XML is small, else streamed by openpyxl."""

    def __init__(self, path: str, filename: str):
        self.path, self.filename = path, filename
        self._calamine: python_calamine.CalamineWorkbook | None = None
        self._streaming = None

    def sheet(self, part: sheet_scan.SheetPart) -> object:
        with zipfile.ZipFile(self.path) as archive:
            extent = sheet_scan.scan_xlsx_sheet(archive, part, self.filename)
        if extent.canonical and part.member.file_size <= STREAM_ABOVE_BYTES:
            if self._calamine is None:
                self._calamine = python_calamine.CalamineWorkbook.from_path(self.path)
            return self._calamine.get_sheet_by_name(part.name)
        if self._streaming is None:  # a file, not its path: openpyxl refuses a path not ending in .xlsx, and
            # an upload is saved as "<uuid>-xlsx" for "学籍.xlsx". The workbook keeps the file open while it streams.
            self._streaming = openpyxl.load_workbook(open(self.path, "rb"), read_only=True, data_only=True)
        return _StreamingSheet(self._streaming[part.name])


def _calamine_sheets(path: str) -> list[tuple[bool, str, Callable]]:
    book = python_calamine.CalamineWorkbook.from_path(path)
    return [(m.visible == python_calamine.SheetVisibleEnum.Visible, m.name,
             functools.partial(book.get_sheet_by_name, m.name))
            for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]


def _list_sheets(path: str, kind: str, filename: str) -> list[tuple[bool, str, Callable]]:
    """(visible, name, load) of every worksheet, once the limits allow the file (see sheet_scan:
    an .xls, .ods or .xlsb is checked whole, an .xlsx sheet by sheet as it is loaded)."""
    if kind == "xls":
        sheet_limits.check_xls(path, filename)
        sheet_scan.scan_xls(path, filename)
        return _calamine_sheets(path)
    with zipfile.ZipFile(path) as archive:
        sheet_limits.check_zip(archive, filename, kind)
        if kind == "ods":
            sheet_scan.scan_ods(archive, filename)
        elif kind == "xlsb":
            sheet_scan.scan_xlsb(archive, filename)
        else:
            parts = sheet_scan.xlsx_sheets(archive)
    if kind != "xlsx":
        return _calamine_sheets(path)
    book = _XlsxBook(path, filename)
    return [(part.visible, part.name, functools.partial(book.sheet, part)) for part in parts]


def _workbook_sheets(path: str, kind: str, filename: str) -> list[tuple[str, Callable]]:
    """(name, load) of every worksheet, visible ones first; load() gives the sheet (its iter_rows()
    yields lists of values from row 1). Raises TooLarge past a limit, InvalidRows for a damaged file."""
    sheets = _damaged_as_such(filename, _list_sheets, path, kind, filename)
    return [(name, load) for visible, name, load in sorted(sheets, key=lambda s: not s[0])]


def _damaged_as_such(filename: str, call: Callable, *args):
    """call(*args); a reader's failure on a damaged file is answered as such."""
    try:
        return call(*args)
    except ServiceError:
        raise
    except Exception:
        log.warning("unreadable spreadsheet %r", filename, exc_info=True)
        raise unusable("表格文件已损坏或无法读取，请在Excel或WPS中重新保存后再导入", filename) from None


def open_table(path: str, filename: str, expected: list[str], optional: tuple[str, ...] = ()) -> Table:
    """The data table of an uploaded file; raises InvalidRows (422) if the file cannot be used and
    TooLarge (413) past a limit of sheet_limits. `optional` headers are mapped when present."""
    sheet_limits.check_file(path, filename)
    kind = detect(path, filename)
    if kind == "csv" and not filename.lower().endswith((".csv", ".txt")):
        try:  # text under a workbook's name: some systems export CSV as .xls
            return _open_csv(path, filename, expected, optional)
        except InvalidRows:
            raise _not_a_table(filename) from None
    if kind == "csv":
        return _open_csv(path, filename, expected, optional)
    closest: list[str] | None = None
    for name, load in _workbook_sheets(path, kind, filename):
        sheet = _damaged_as_such(filename, load)
        found = _find_header(guarded(sheet.iter_rows(), filename, name), expected, optional)
        if found and not found[2]:
            header_row, columns, _, ignored = found
            rows = guarded(sheet.iter_rows(), filename, name)
            for _ in range(header_row):
                next(rows)
            return Table(name, header_row, columns, _data_rows(rows, header_row + 1), ignored)
        if found and (closest is None or len(found[2]) < len(closest)):
            closest = found[2]
    raise _missing_headers(filename, expected, closest)


def _missing_headers(filename: str, expected: list[str], missing: list[str] | None) -> InvalidRows:
    if missing:
        return unusable(f"找不到表头“{'、'.join(missing)}”。表头应在第一行，包含：{'、'.join(expected)}", filename)
    return unusable(f"找不到表头。第一行应为：{'、'.join(expected)}（可下载模板对照）", filename)


def csv_encoding(sample: bytes) -> str | None:
    """UTF-8 (a BOM dropped) or GB18030 (which covers GBK), judged on the file's first bytes;
    None for neither. A character cut at the end of the sample does not count against it."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError as err:
            cut = err.end == len(sample) and ("end of data" in err.reason or "incomplete" in err.reason)
            if len(sample) == SAMPLE_BYTES and cut:
                return encoding
    return None


def _delimiter(sample: str) -> str:
    """A comma, or a tab or semicolon where the first lines hold those instead."""
    lines = [line for line in sample.splitlines()[:HEADER_SEARCH_ROWS + 1] if line.strip()]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _open_csv(path: str, filename: str, expected: list[str], optional: tuple[str, ...]) -> Table:
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = csv_encoding(sample)
    if encoding is None:
        raise unusable("CSV文件的编码无法识别（既不是UTF-8，也不是GBK/GB18030）：请在Excel或WPS中打开，"
                       "“另存为”Excel工作簿(.xlsx)或“CSV UTF-8(逗号分隔)”后再导入", filename)
    delimiter = _delimiter(sample.decode(encoding, errors="ignore"))

    def reader() -> Iterator[list]:
        with open(path, encoding=encoding, newline="") as text:
            lines = csv.reader(sheet_limits.bounded_lines(text, filename), delimiter=delimiter)
            try:
                yield from lines
            except UnicodeDecodeError:
                shown = "UTF-8" if encoding.startswith("utf") else "GBK/GB18030"
                raise unusable(f"第{lines.line_num + 1}行附近的文字不是{shown}编码，全文编码须一致：请在Excel或WPS中"
                               "打开，“另存为”Excel工作簿(.xlsx)后再导入", filename) from None

    if sheet_limits.csv_may_be_too_long(path):  # count its rows before they are used
        for _ in guarded(reader(), filename, None):
            pass
    found = _find_header(guarded(reader(), filename, None), expected, optional)
    if not found or found[2]:
        raise _missing_headers(filename, expected, found[2] if found else None)
    header_row, columns, _, ignored = found
    rows = guarded(reader(), filename, None)
    for _ in range(header_row):
        next(rows)
    return Table("csv", header_row, columns, _data_rows(rows, header_row + 1), ignored)


def records(table: Table) -> Iterator[tuple[int, dict[str, object]]]:
    """Each data row as (row number, {header: value})."""
    for number, cells in table.rows:
        yield number, {h: (cells[i] if i < len(cells) else None) for h, i in table.columns.items()}

