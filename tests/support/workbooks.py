"""Import files as clerks make them: real .xlsx written by openpyxl, CSV with or without a BOM, and
.xls, .ods and GBK CSV saved by LibreOffice (the real producer) from such an .xlsx."""
import csv
import io
import os
import shutil
import subprocess
import tempfile

import openpyxl

SOFFICE = shutil.which("soffice")
# LibreOffice's export filters; the CSV options are separator 44 (,), quote 34 ("), character set 85
# (RTL_TEXTENCODING_GBK, what Excel and WPS write on a Chinese Windows PC; 76 would be UTF-8).
SAVE_AS = {"xls": ("xls", "xls"), "ods": ("ods", "ods"),
           "gbk.csv": ("csv:Text - txt - csv (StarCalc):44,34,85", "csv")}


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


def saved_by_libreoffice(xlsx_data: bytes, target: str) -> bytes:
    """`xlsx_data` opened and saved again by LibreOffice in headless mode as `target` (a SAVE_AS key)."""
    if SOFFICE is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: deploy/setup.sh test installs it")
    export_filter, extension = SAVE_AS[target]
    with tempfile.TemporaryDirectory(prefix="biye-soffice-") as folder:
        source = os.path.join(folder, "book.xlsx")
        with open(source, "wb") as f:
            f.write(xlsx_data)
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                        "--convert-to", export_filter, "--outdir", os.path.join(folder, "out"), source],
                       check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": folder})
        with open(os.path.join(folder, "out", f"book.{extension}"), "rb") as f:
            return f.read()
