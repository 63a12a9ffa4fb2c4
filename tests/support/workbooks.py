"""Import files as clerks make them: real .xlsx written by openpyxl, CSV with or without a BOM."""
import csv
import io

import openpyxl


def xlsx(rows: list[dict], headers: list[str] | None = None, title: str | None = None,
         trailing_blank_rows: int = 0, raw_cells: dict | None = None) -> bytes:
    """A workbook whose first sheet holds `rows` under `headers`; `title` adds a merged title row
    above the header; `raw_cells` {(row_index, header): value} writes typed cells (numbers, dates)."""
    headers = headers or list(rows[0])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for index, row in enumerate(rows):
        values = []
        for header in headers:
            if raw_cells and (index, header) in raw_cells:
                values.append(raw_cells[(index, header)])
            else:
                values.append(row.get(header, ""))
        sheet.append(values)
    for _ in range(trailing_blank_rows):
        sheet.append(["", "  ", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict], headers: list[str] | None = None, bom: bool = True) -> bytes:
    headers = headers or list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
