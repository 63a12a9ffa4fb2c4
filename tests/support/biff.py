"""Tiny Excel 97-2003 (.xls) files built byte by byte: an OLE2 compound file holding a BIFF8 workbook
stream with one sheet. Enough for calamine to read, and to write cells (or a declared range) where
no spreadsheet program would put them."""
import struct

SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0206))


def label(row: int, column: int, text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return record(0x0204, struct.pack("<HHHHB", row, column, 15, len(text), 1) + raw)


def number(row: int, column: int, value: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, column, 15, value))


def dimensions(rows: int, columns: int) -> bytes:
    """The declared range: rows and columns used, from A1."""
    return record(0x0200, struct.pack("<IIHHH", 0, rows, 0, columns, 0))


def workbook_stream(cells: list[bytes], declared: tuple[int, int] | None = None, sheet: str = "Sheet1") -> bytes:
    name = sheet.encode("utf-16-le")
    boundsheet_size = 4 + 8 + len(name)
    globals_size = len(_bof(0x0005)) + boundsheet_size + 4
    sheet_start = globals_size
    boundsheet = record(0x0085, struct.pack("<IBBBB", sheet_start, 0, 0, len(sheet), 1) + name)
    head = _bof(0x0005) + boundsheet + record(0x000A, b"")
    assert len(head) == sheet_start
    body = _bof(0x0010) + (dimensions(*declared) if declared else b"") + b"".join(cells) + record(0x000A, b"")
    return head + body


def _entry(name: str, kind: int, start: int, size: int, child: int = NO_STREAM) -> bytes:
    raw = (name + "\0").encode("utf-16-le")
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", NO_STREAM, NO_STREAM, child) + b"\0" * 36 + struct.pack("<III", start, size, 0))


def xls(cells: list[bytes], declared: tuple[int, int] | None = None) -> bytes:
    """An .xls whose only sheet "Sheet1" holds `cells` (label(), number()); `declared` (rows,
    columns) writes a DIMENSIONS record. A stream under 4 KB lives in the mini stream."""
    stream = workbook_stream(cells, declared)
    if len(stream) < 4096:
        return _compound(stream, mini=True)
    return _compound(stream, mini=False)


def _compound(stream: bytes, mini: bool) -> bytes:
    padded = stream + b"\0" * (-len(stream) % (64 if mini else SECTOR))
    if mini:  # sector 2: the mini FAT; sectors 3…: the root entry's stream holding 64-byte pieces
        pieces = len(padded) // 64
        minifat = [i + 1 for i in range(pieces - 1)] + [END_OF_CHAIN]
        minifat_sector = struct.pack(f"<{SECTOR // 4}I", *(minifat + [FREE] * (SECTOR // 4 - len(minifat))))
        container = padded + b"\0" * (-len(padded) % SECTOR)
        data_sectors = len(container) // SECTOR
        fat = [FAT_SECTOR, END_OF_CHAIN, END_OF_CHAIN] + [4 + i for i in range(data_sectors - 1)] + [END_OF_CHAIN]
        entries = _entry("Root Entry", 5, 3, len(padded), child=1) + _entry("Workbook", 2, 0, len(stream))
        body = minifat_sector + container
        first_minifat, minifat_count = 2, 1
    else:
        data_sectors = len(padded) // SECTOR
        fat = [FAT_SECTOR, END_OF_CHAIN] + [3 + i for i in range(data_sectors - 1)] + [END_OF_CHAIN]
        entries = _entry("Root Entry", 5, END_OF_CHAIN, 0, child=1) + _entry("Workbook", 2, 2, len(stream))
        body = padded
        first_minifat, minifat_count = END_OF_CHAIN, 0
    assert len(fat) <= SECTOR // 4, "one FAT sector: keep test workbooks under 64 KB"
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat))))
    directory = entries.ljust(SECTOR, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, first_minifat, minifat_count, END_OF_CHAIN, 0)
              + struct.pack("<109I", 0, *([FREE] * 108)))
    return header + fat_sector + directory + body
