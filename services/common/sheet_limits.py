"""How large an imported spreadsheet may be, and the refusals that say so (TooLarge, 413).

Every limit is named here once. They are sized for the largest legitimate file, a school's long grade
sheet: about 3,000 students × 60 course-terms = 180,000 rows of 6–10 columns. A file over a limit is
refused before its rows are read, and checking costs little memory: zip sizes come from the zip's
directory (both readers stop at the sizes it declares), sheets are scanned in pieces of
SCAN_CHUNK_BYTES (services.common.sheet_scan), and rows are counted again as they are read.
"""
import os
import zipfile
from collections.abc import Iterator

from services.common.errors import InvalidRows, ServiceError, TooLarge

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 60 * MB           # the gateway's MAX_CONTENT_LENGTH; services refuse a larger file too
MAX_ROWS = 300_000                   # the longest grade sheet has ~180,000 rows
MAX_COLUMNS = 200                    # templates have at most 15 columns
MAX_CELLS = 2_000_000                # rows × columns of a sheet's data: 180,000 rows × 11 columns
MAX_UNZIPPED_BYTES = 256 * MB        # an .xlsx/.ods's members together, by the zip directory
MAX_ZIP_RATIO = 200                  # uncompressed ÷ compressed of a member over 1 MB; LibreOffice's .ods: ~50
RATIO_FROM_BYTES = MB
MAX_SHARED_STRINGS_BYTES = 32 * MB   # both readers hold every shared string; a school's are < 5 MB
MAX_PART_BYTES = 16 * MB             # any other part the readers parse whole (workbook, styles, relations)
MAX_ODS_CONTENT_BYTES = 160 * MB     # calamine holds all of an .ods: ~130 bytes of XML a cell, 180,000 × 6 cells
MAX_XLS_BYTES = 32 * MB              # calamine holds all of an .xls; 65,536 rows (the format's most) × 30 columns
MAX_CSV_LINE_CHARS = MB              # one CSV line; 200 columns of 5,000 characters
SCAN_CHUNK_BYTES = MB

SPLIT = "请按班级或学期把数据拆分成几个文件，分别导入"
TRIM = "如果表格下方或右侧有不需要的内容（哪怕只是空格或格式），请删除那些行、列后再保存"
RESAVE = "请在Excel或WPS中打开，“另存为”Excel工作簿(.xlsx)后再导入"


def too_large(message: str, filename: str) -> TooLarge:
    return TooLarge(f"文件“{filename}”无法导入：{message}", [{"row": None, "column": None, "message": message}])


def unusable(message: str, filename: str) -> InvalidRows:
    return InvalidRows(f"文件“{filename}”无法导入：{message}", [{"row": None, "column": None, "message": message}])


def megabytes(size: int) -> str:
    return f"{size / MB:.0f}MB" if size >= 10 * MB else f"{size / MB:.1f}MB"


def check_file(path: str, filename: str) -> None:
    """The file's own size, before anything reads it."""
    size = os.path.getsize(path)
    if size > MAX_UPLOAD_BYTES:
        raise too_large(f"文件有{megabytes(size)}，超过{megabytes(MAX_UPLOAD_BYTES)}的上限。{SPLIT}", filename)


def check_xls(path: str, filename: str) -> None:
    """An .xls (calamine holds the whole file)."""
    size = os.path.getsize(path)
    if size > MAX_XLS_BYTES:
        raise too_large(f"Excel 97-2003格式(.xls)的文件有{megabytes(size)}，超过{megabytes(MAX_XLS_BYTES)}的上限。"
                        f"{RESAVE}，或{SPLIT}", filename)


def check_zip(archive: zipfile.ZipFile, filename: str, kind: str) -> None:
    """An .xlsx/.xlsm/.xlsb/.ods by its zip directory, before any member is decompressed: members
    together, each member's compression ratio, and the parts a reader holds whole."""
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise too_large(f"表格文件是压缩格式，解压后有{megabytes(total)}，超过{megabytes(MAX_UNZIPPED_BYTES)}的上限。"
                        f"{SPLIT}", filename)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and ratio > MAX_ZIP_RATIO:
            raise too_large(f"文件中的“{member.filename}”解压后是压缩前的{ratio:.0f}倍，超过{MAX_ZIP_RATIO}倍的上限，"
                            f"文件可能已损坏或被改动。{RESAVE}", filename)
        limit = _part_limit(member.filename, kind)
        if limit and member.file_size > limit:
            raise too_large(f"文件中的“{member.filename}”解压后有{megabytes(member.file_size)}，超过"
                            f"{megabytes(limit)}的上限。{SPLIT}", filename)


def _part_limit(name: str, kind: str) -> int | None:
    """The most a member may hold if a reader parses it whole; None for sheets (scanned, and streamed
    when large) and for members no reader parses (pictures)."""
    lower = name.lower()
    if kind == "ods":
        return MAX_ODS_CONTENT_BYTES if lower == "content.xml" else MAX_PART_BYTES if lower.endswith(".xml") else None
    if lower.startswith("xl/worksheets/") and "/_rels/" not in lower:
        return None
    if lower.startswith("xl/sharedstrings."):
        return MAX_SHARED_STRINGS_BYTES
    return MAX_PART_BYTES if lower.endswith((".xml", ".rels", ".bin")) else None


def check_extent(filename: str, sheet: str, rows: int, columns: int, where: str = "", partial: bool = False) -> None:
    """Refuse a sheet whose data reaches past MAX_ROWS, MAX_COLUMNS or MAX_CELLS. `where` says how it
    was found when not by its cells (the range it declares). `partial` while more of the sheet is to
    be scanned: rows and columns only, so that a sheet of far too many rows says so, not that its
    first rows made too many cells."""
    has = f"工作表“{sheet}”{where}{'至少' if partial else ''}有"
    if rows > MAX_ROWS:
        raise too_large(f"{has}{rows}行，超过{MAX_ROWS}行的上限。{SPLIT}；{TRIM}", filename)
    if columns > MAX_COLUMNS:
        raise too_large(f"{has}{columns}列，超过{MAX_COLUMNS}列的上限。请只保留模板中的列；{TRIM}", filename)
    if rows * columns > MAX_CELLS and not partial:
        raise too_large(f"{has}{rows}行×{columns}列，共{rows * columns}个单元格，超过{MAX_CELLS}个的上限。"
                        f"请删除不需要的列，或{SPLIT}", filename)


def guarded(rows: Iterator[list], filename: str, sheet: str | None) -> Iterator[list]:
    """The rows as read, refused once past MAX_ROWS or wider than MAX_COLUMNS (counting to the last
    non-empty cell): what a scan could not see beforehand still stops at the limit. A reader failing
    part-way (a damaged file) is answered as such. `sheet` is None for a CSV."""
    named = f"工作表“{sheet}”" if sheet is not None else ""
    number = 0
    try:
        for number, cells in enumerate(rows, start=1):
            if number > MAX_ROWS:
                raise too_large(f"{named}超过{MAX_ROWS}行的上限。{SPLIT}；{TRIM}", filename)
            if len(cells) > MAX_COLUMNS and _width(cells) > MAX_COLUMNS:
                raise too_large(f"{named}第{number}行有{_width(cells)}列，超过{MAX_COLUMNS}列的上限。"
                                f"请只保留模板中的列；{TRIM}", filename)
            yield cells
    except ServiceError:
        raise
    except Exception:
        raise unusable(f"{named}第{number + 1}行附近的内容无法读取，文件可能已损坏。{RESAVE}", filename) from None


def _width(cells: list) -> int:
    """Columns up to the last cell holding something."""
    for index in range(len(cells) - 1, -1, -1):
        if cells[index] not in (None, ""):
            return index + 1
    return 0


def bounded_lines(text, filename: str) -> Iterator[str]:
    """A CSV's lines for csv.reader, refused once a line is longer than MAX_CSV_LINE_CHARS (a file
    without line breaks would otherwise become one row of millions of cells)."""
    number = 0
    while True:
        line = text.readline(MAX_CSV_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_CSV_LINE_CHARS:
            raise too_large(f"第{number}行超过{MAX_CSV_LINE_CHARS}个字符，可能不是按行保存的表格，或缺少换行。"
                            f"{RESAVE}", filename)
        yield line


def csv_may_be_too_long(path: str) -> bool:
    """Whether a CSV has MAX_ROWS line breaks or more, counted in pieces: fewer means fewer rows
    (a quoted cell may hold a line break, so more lines need not be more rows)."""
    lines = 0
    with open(path, "rb") as fh:
        while block := fh.read(SCAN_CHUNK_BYTES):
            lines += block.count(b"\n")
            if lines >= MAX_ROWS:
                return True
    return False
