"""How far a workbook's cells reach, found before a reader loads them, in bounded memory.

calamine builds a dense grid from the first to the last cell of a sheet, whatever lies between: one
cell at XFD1048576 asks for 17 billion cells and aborts the process; a cell at A1048576 costs 360 MB;
an .xls of 6 KB with a cell at IV65536 takes 1 GB; an .ods of 1 KB whose row says
`table:number-rows-repeated="1000000"` takes 250 MB. So every sheet is scanned first, as the reader
will place its cells, and refused past the limits of services.common.sheet_limits:

- .xlsx: each sheet's XML in pieces: its declared <dimension> at once, then every cell reference
  that lies beyond the furthest one seen so far. A sheet whose cells are not all written
  `<c r="…"` (no reference, another prefix or quoting) is `canonical=False`: it is read by the
  streaming reader, which holds one row at a time, never by calamine.
- .ods: content.xml in pieces, rows and cells with their repeats, as calamine counts them (empty
  cells and rows after the last value are not data).
- .xls: the workbook stream of the OLE2 file, record by record: DIMENSIONS (calamine reserves what it
  declares) and every cell record. .xlsb: each sheet's records.
"""
import mmap
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from services.common.sheet_limits import (
    MAX_CELLS,
    SCAN_CHUNK_BYTES,
    SPLIT,
    check_extent,
    too_large,
)


@dataclass
class Extent:
    rows: int = 0      # the last row number holding a cell
    columns: int = 0   # the last column number holding a cell
    canonical: bool = True  # every cell carries its own reference: calamine places none elsewhere


@dataclass
class SheetPart:
    name: str
    visible: bool
    member: zipfile.ZipInfo  # the zip member with the sheet's cells


def xml_chunks(stream) -> Iterator[bytes]:
    """A member's bytes in pieces of about SCAN_CHUNK_BYTES, each cut before a "<" so that no tag is
    split (a text or attribute cannot hold a raw "<")."""
    carry = b""
    while block := stream.read(SCAN_CHUNK_BYTES):
        data = carry + block
        cut = data.rfind(b"<")
        if cut <= 0 or len(data) > 4 * SCAN_CHUNK_BYTES:
            cut = len(data)
        carry = data[cut:]
        yield data[:cut]
    if carry:
        yield carry


# ---------------------------------------------------------------- .xlsx

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xlsx_sheets(archive: zipfile.ZipFile) -> list[SheetPart]:
    """The worksheets of an .xlsx in workbook order, with their members (charts and dialogs are not
    worksheets). Raises KeyError or ElementTree.ParseError for a damaged file."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels
               if _local(r.tag) == "Relationship" and r.get("Type", "").endswith("/worksheet")}
    parts = []
    for element in book.iter():
        if _local(element.tag) != "sheet":
            continue
        rel = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        if rel not in targets:
            continue
        target = targets[rel]
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        parts.append(SheetPart(element.get("name", ""), element.get("state", "visible") == "visible",
                               archive.getinfo(member)))
    return parts


DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="([^"]*)"')
NOT_CANONICAL_CELL = re.compile(rb'<c(?! r=")[\s/>]')
PREFIXED_CELL = re.compile(rb":c[\s/>]")
ANY_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
CELL_REF = b'<c r="'


def position(ref: bytes) -> tuple[int, int]:
    """(row, column) numbers, from 1, of a reference such as b"AB12"; (0, 0) where it is not one."""
    letters = ref.rstrip(b"0123456789")
    digits = ref[len(letters):]
    if not letters.isalpha():
        return 0, 0
    column = 0
    for char in letters.upper():
        column = column * 26 + char - 64
    return int(digits or 0), column


def _letters_above(letters: str) -> str:
    """A pattern for column letters after `letters` (upper case, any case matched), then a digit or
    the closing quote."""
    k = len(letters)
    alternatives = [f"[A-Za-z]{{{k + 1}}}"]
    for i, char in enumerate(letters):
        if char < "Z":
            after = chr(ord(char) + 1)
            same = "".join(f"[{c}{c.lower()}]" for c in letters[:i])
            alternatives.append(f'{same}[{after}-Z{after.lower()}-z]{"[A-Za-z]" * (k - 1 - i)}[0-9"]')
    return "|".join(alternatives)


def _digits_above(number: str) -> str:
    """A pattern for row numbers above `number`, then the closing quote."""
    m = len(number)
    alternatives = [f"[0-9]{{{m + 1}}}"]
    for i, char in enumerate(number):
        if char < "9":
            alternatives.append(f'{number[:i]}[{int(char) + 1}-9][0-9]{{{m - 1 - i}}}"')
    return "|".join(alternatives)


def column_letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _beyond(columns: int, rows: int) -> re.Pattern:
    """Cell references past column `columns` or row `rows`."""
    col = _letters_above(column_letters(columns)) if columns else "[A-Za-z]"
    row = _digits_above(str(rows)) if rows else "[0-9]"
    return re.compile(f'<c r="(?=(?:{col})|[A-Za-z]+(?:{row}))([A-Za-z0-9]*)"'.encode())


def _canonical(chunk: bytes) -> bool:
    """Every cell start tag of the piece is `<c r="`: no cell without its reference, no other prefix,
    quoting or spacing, so the references seen are where calamine puts the cells."""
    return NOT_CANONICAL_CELL.search(chunk) is None and PREFIXED_CELL.search(chunk) is None


def _claimed(chunk: bytes, filename: str, sheet: str) -> tuple[int, int]:
    """The sheet's declared range (<dimension ref="A1:K2000000"/>), refused at once past the limits."""
    found = DIMENSION.search(chunk)
    if not found:
        return 0, 0
    ref = found.group(1).decode("ascii", "replace")
    rows, columns = position(ref.rsplit(":", 1)[-1].replace("$", "").encode())
    check_extent(filename, sheet, rows, columns, where=f"的数据区域{ref}")
    return rows, columns


def scan_xlsx_sheet(archive: zipfile.ZipFile, part: SheetPart, filename: str) -> Extent:
    """How far the sheet's cells reach (its declared range included); refused past the limits as
    soon as a piece shows it. Honest sheets cost two fast passes over each piece: the furthest cell
    so far is known, so only a reference beyond it matches (ascending rows: the piece's last one)."""
    seen, furthest, counted = Extent(), Extent(), 0
    with archive.open(part.member) as xml:
        for index, chunk in enumerate(xml_chunks(xml)):
            check_extent(filename, part.name, max(seen.rows, counted), seen.columns, partial=True)
            if index == 0:
                furthest.rows, furthest.columns = _claimed(chunk, filename, part.name)
            last = chunk.rfind(CELL_REF)
            if last >= 0:
                end = chunk.find(b'"', last + len(CELL_REF))
                _reach(seen, furthest, *position(chunk[last + len(CELL_REF):end]))
            for ref in _beyond(furthest.columns, furthest.rows).findall(chunk):
                _reach(seen, furthest, *position(ref))
            seen.canonical = seen.canonical and _canonical(chunk)
            if not seen.canonical:  # rows the references may not show (prefixed tags, no references)
                counted += len(ANY_ROW.findall(chunk))
    check_extent(filename, part.name, max(seen.rows, counted), seen.columns)
    return Extent(furthest.rows, furthest.columns, seen.canonical)


def _reach(seen: Extent, furthest: Extent, row: int, column: int) -> None:
    seen.rows, seen.columns = max(seen.rows, row), max(seen.columns, column)
    furthest.rows, furthest.columns = max(furthest.rows, row), max(furthest.columns, column)


# ---------------------------------------------------------------- .ods

ODS_ROW = re.compile(rb"<table:table-row(?=[\s/>])")
ODS_TABLE = re.compile(rb"<table:table(?=[\s>])([^>]*)>")
ODS_ROW_END, ODS_TABLE_END = b"</table:table-row>", b"</table:table>"
ODS_NAME = re.compile(rb'table:name="([^"]*)"')
ROWS_REPEATED = re.compile(rb'number-rows-repeated="(\d+)"')
COLUMNS_REPEATED = re.compile(rb'number-columns-repeated="(\d+)"')
MAX_ODS_ROW_BYTES = 16 * SCAN_CHUNK_BYTES


def _valued_width(cells: bytes) -> int:
    """Columns of a row up to its last cell with a value or a formula, repeats counted (calamine
    drops the empty cells after it: LibreOffice ends each row with thousands of them)."""
    last = max(cells.rfind(b"office:value-type"), cells.rfind(b"table:formula"))
    if last < 0:
        return 0
    before = cells[:cells.find(b">", last)]
    width = before.count(b"<table:table-cell") + before.count(b"<table:covered-table-cell")
    if b"columns-repeated" in before:
        width += sum(int(n) - 1 for n in COLUMNS_REPEATED.findall(before))
    return width


class _OdsCount:
    """Rows and columns of the tables of content.xml as calamine lays them out: rows count from the
    first to the last row with a value, each as often as it is repeated; a row's width ends with its
    last cell with a value. Fed the text after each row start tag (the first piece: the head)."""

    def __init__(self, filename: str):
        self.filename, self.total = filename, 0
        self._table(b"")

    def _table(self, attributes: bytes) -> None:
        found = ODS_NAME.search(attributes)
        self.name = found.group(1).decode("utf-8", "replace") if found else ""
        self.rows, self.first, self.last, self.width = 0, None, 0, 0

    def piece(self, text: bytes, head: bool) -> None:
        """The text after a row start tag, or the document's head before the first row."""
        if head:
            self._between(text)
            return
        head_end = text.find(b">")
        repeated = ROWS_REPEATED.search(text, 0, head_end) if b"repeated" in text[:head_end] else None
        end = text.find(ODS_ROW_END) if not text[:head_end].endswith(b"/") else -1
        self._row_end(int(repeated.group(1)) if repeated else 1, _valued_width(text[head_end:end]) if end > 0 else 0)
        self._between(text[end:] if end > 0 else text[head_end:])

    def _row_end(self, repeats: int, width: int) -> None:
        if width:
            self.first = self.rows if self.first is None else self.first
            self.last = self.rows + repeats
            self.width = max(self.width, width)
            check_extent(self.filename, self.name, self.last, self.width, partial=True)
        self.rows += repeats

    def _between(self, text: bytes) -> None:
        """Tables ending and starting between two rows."""
        if ODS_TABLE_END in text:
            self._table_end()
        started = ODS_TABLE.search(text)
        if started:
            self._table(started.group(1))

    def _table_end(self) -> None:
        check_extent(self.filename, self.name, self.last, self.width)
        if self.first is not None:
            self.total += (self.last - self.first) * self.width
        if self.total > MAX_CELLS:
            raise too_large(f"各工作表合计超过{MAX_CELLS}个单元格的上限。{SPLIT}", self.filename)
        self._table(b"")


def scan_ods(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse an .ods whose tables reach past the limits (calamine reads all of them on opening).
    content.xml is cut at row start tags; a row is counted once its piece is whole."""
    count, carry, head = _OdsCount(filename), b"", True
    with archive.open("content.xml") as xml:
        for chunk in xml_chunks(xml):
            pieces = ODS_ROW.split(carry + chunk)
            for piece in pieces[:-1]:
                count.piece(piece, head)
                head = False
            carry = pieces[-1]
            if len(carry) > MAX_ODS_ROW_BYTES:
                raise too_large(f"文件中有一行的内容超过{MAX_ODS_ROW_BYTES // SCAN_CHUNK_BYTES}MB。{SPLIT}", filename)
    count.piece(carry, head)


# ---------------------------------------------------------------- .xls (OLE2 compound file, BIFF8)

OLE2_END = 0xFFFFFFFA  # sector numbers from here on end a chain or mark special sectors


class _CompoundFile:
    """Just enough of an OLE2 compound file to read one stream. Raises ValueError or struct.error
    where the file is damaged."""

    def __init__(self, data: mmap.mmap):
        self.data = data
        shift, self.mini_shift = struct.unpack_from("<HH", data, 0x1E)
        (fat_count, self.first_dir, _, self.cutoff, self.first_minifat, _, first_difat,
         difat_count) = struct.unpack_from("<IIIIIIII", data, 0x2C)
        if shift not in (9, 12):
            raise ValueError("sector size")
        self.size = 1 << shift
        if max(fat_count, difat_count) > len(data) // self.size:
            raise ValueError("more table sectors than the file holds")
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        for _ in range(difat_count):
            words = self.words(first_difat)
            difat += words[:-1]
            first_difat = words[-1]
        self.fat = [n for number in difat[:fat_count] for n in self.words(number)]

    def sector(self, number: int) -> bytes:
        start = (number + 1) * self.size
        if start + self.size > len(self.data):
            raise ValueError("sector outside the file")
        return self.data[start:start + self.size]

    def words(self, number: int) -> tuple[int, ...]:
        return struct.unpack(f"<{self.size // 4}I", self.sector(number))

    def chain(self, start: int, table: list[int]) -> Iterator[int]:
        for _ in range(len(table) + 1):
            if start >= OLE2_END:
                return
            if start >= len(table):
                raise ValueError("chain outside the table")
            yield start
            start = table[start]
        raise ValueError("chain loops")

    def stream(self, names: tuple[str, ...]) -> bytes:
        directory = b"".join(self.sector(n) for n in self.chain(self.first_dir, self.fat))
        entries = [directory[i:i + 128] for i in range(0, len(directory), 128)]
        for entry in entries:
            length = min(struct.unpack_from("<H", entry, 64)[0], 64)
            if entry[66] == 2 and entry[:length].decode("utf-16-le", "ignore").rstrip("\0").lower() in names:
                start, size = struct.unpack_from("<II", entry, 116)
                if size >= self.cutoff:
                    return b"".join(self.sector(n) for n in self.chain(start, self.fat))[:size]
                return self._mini_stream(entries[0], start)[:size]
        raise ValueError("no workbook stream")

    def _mini_stream(self, root: bytes, start: int) -> bytes:
        """A small stream, kept in 64-byte pieces inside the root entry's stream."""
        mini = b"".join(self.sector(n) for n in self.chain(struct.unpack_from("<I", root, 116)[0], self.fat))
        minifat = [n for number in self.chain(self.first_minifat, self.fat) for n in self.words(number)]
        step = 1 << self.mini_shift
        return b"".join(mini[n * step:(n + 1) * step] for n in self.chain(start, minifat))


# number, label, bool/error, RK, shared-string label, formula, rich label
CELL_RECORDS = {0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006, 0x00D6}
MULRK, DIMENSIONS, BOUNDSHEET, EOF = 0x00BD, 0x0200, 0x0085, 0x000A


RECORD = struct.Struct("<HH")
RECORD_AND_CELL = struct.Struct("<HHHH")  # type, length, and a cell record's row and column


def _records(stream: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(type, data offset, data length) of the BIFF records from `start` to the substream's EOF."""
    at, unpack = start, RECORD.unpack_from
    while at + 4 <= len(stream):
        kind, length = unpack(stream, at)
        yield kind, at + 4, length
        if kind == EOF:
            return
        at += 4 + length


def _xls_sheets(stream: bytes) -> list[tuple[int, str]]:
    """(substream offset, name) of each sheet, from the BOUNDSHEET records of the workbook globals."""
    sheets = []
    for kind, at, length in _records(stream, 0):
        if kind == BOUNDSHEET and length >= 8:
            count, wide = stream[at + 6], stream[at + 7] & 1
            raw = stream[at + 8:at + 8 + count * (2 if wide else 1)]
            name = raw.decode("utf-16-le" if wide else "latin-1", "replace")
            sheets.append((struct.unpack_from("<I", stream, at)[0], name))
    return sheets


def _xls_sheet_extent(stream: bytes, start: int, filename: str, name: str) -> int:
    """Check one sheet's declared range and cells; its cells as calamine holds them (the larger of
    the declared range, which it reserves, and the cells' grid). One tight loop over the records (an
    .xls of 65,536 rows has a million): each header is read with the row and column a cell record
    starts with (calamine refuses a cell record too short to hold them)."""
    claimed = rows = columns = 0
    at, end, unpack = start, len(stream) - 8, RECORD_AND_CELL.unpack_from
    while at <= end:
        kind, length, row, column = unpack(stream, at)
        if kind in CELL_RECORDS:
            if row >= rows:
                rows = row + 1
            if column >= columns:
                columns = column + 1
        elif kind == MULRK and length >= 6:
            rows, columns = max(rows, row + 1), max(columns, struct.unpack_from("<H", stream, at + 2 + length)[0] + 1)
        elif kind == DIMENSIONS and length in (10, 14):
            claimed = max(claimed, _xls_claim(stream, at + 4, length, filename, name))
        elif kind == EOF:
            break
        at += 4 + length
    check_extent(filename, name, rows, columns)
    return max(claimed, rows * columns)


def _xls_claim(stream: bytes, at: int, length: int, filename: str, name: str) -> int:
    """The cells a DIMENSIONS record declares (calamine reserves room for them), refused past the limits."""
    first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH" if length == 14 else "<HHHH", stream, at)
    if first_row > last_row or first_col > last_col:
        raise ValueError("dimensions")
    check_extent(filename, name, last_row, last_col, where="记录的数据区域")
    return (last_row - first_row + 1) * (last_col - first_col + 1)


def scan_xls(path: str, filename: str) -> None:
    """Refuse an .xls whose sheets reach past the limits (calamine reads all of them on opening).
    Raises ValueError or struct.error where the file is damaged."""
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        stream = _CompoundFile(data).stream(("workbook", "book"))
    total = sum(_xls_sheet_extent(stream, start, filename, name) for start, name in _xls_sheets(stream))
    if total > MAX_CELLS:
        raise too_large(f"各工作表合计超过{MAX_CELLS}个单元格的上限。{SPLIT}", filename)


# ---------------------------------------------------------------- .xlsb (BIFF12 records)

XLSB_ROW, XLSB_DIMENSION = 0x0000, 0x0094
XLSB_CELLS = range(0x0001, 0x000C)          # blank, RK, error, bool, real, string, shared string, formulas
XLSB_SHORT_CELLS = range(0x000C, 0x0013)    # the same without their column: the next one


def _biff12_records(stream) -> Iterator[tuple[int, bytes]]:
    """(type, data) of each record, read in pieces. Raises ValueError for a record no sheet has."""
    buffer, at = b"", 0
    while True:
        kind, start = _varint(buffer, at, 2)
        length, start = _varint(buffer, start, 4) if kind is not None else (None, start)
        if length is None or start + length > len(buffer):
            if length is not None and length > SCAN_CHUNK_BYTES:
                raise ValueError("record too long")
            block = stream.read(SCAN_CHUNK_BYTES)
            if not block:
                return
            buffer, at = buffer[at:] + block, 0
            continue
        yield kind, buffer[start:start + length]
        at = start + length


def _varint(buffer: bytes, at: int, most: int) -> tuple[int | None, int]:
    """A BIFF12 record type (2 bytes at most) or length (4): 7 bits a byte, the high bit for "more";
    None where the buffer ends first."""
    value = 0
    for index in range(most):
        if at >= len(buffer):
            return None, at
        byte = buffer[at]
        at += 1
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            break
    return value, at


def scan_xlsb(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse an .xlsb whose sheets reach past the limits."""
    for member in archive.infolist():
        if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".bin")):
            continue
        name = posixpath.basename(member.filename)
        rows = columns = column = 0
        with archive.open(member) as stream:
            for kind, data in _biff12_records(stream):
                if kind == XLSB_ROW and len(data) >= 4:
                    check_extent(filename, name, rows, columns, partial=True)
                    rows, column = max(rows, struct.unpack_from("<I", data)[0] + 1), 0
                elif kind in XLSB_CELLS and len(data) >= 4:
                    column = struct.unpack_from("<I", data)[0] + 1
                elif kind in XLSB_SHORT_CELLS:
                    column += 1
                elif kind == XLSB_DIMENSION and len(data) >= 16:
                    _, last_row, _, last_col = struct.unpack_from("<IIII", data)
                    check_extent(filename, name, last_row + 1, last_col + 1, where="记录的数据区域")
                columns = max(columns, column)
        check_extent(filename, name, rows, columns)
