"""A form as an Excel workbook laid out like the printed one: title, header row repeated on every
printed page, ID and certificate numbers as text, A4 landscape fitted to the page's width, and the
seal line and page numbers in the page footer."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from services.printing.forms import Column, Form

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
FONT_NAME = "宋体"
MM_PER_WIDTH_UNIT = 2.0  # Excel's column width unit (a digit of the default font) is about 2 mm


def _font(size: float = 10.5) -> Font:
    return Font(name=FONT_NAME, size=size)


def _merge(ws, row: int, first: int, last: int, value: str, alignment: Alignment, size: float = 10.5,
           border: bool = False) -> None:
    cell = ws.cell(row=row, column=first, value=value)
    cell.font = _font(size)
    cell.alignment = alignment
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    if border:
        for col in range(first, last + 1):
            ws.cell(row=row, column=col).border = BOX


def _value(value, column: Column):
    if value is None:
        return ""
    if column.number and isinstance(value, (int, float)):
        return value
    return str(value)


def _table(ws, row: int, columns: list[Column], rows: list[list], total: list | None) -> int:
    """Header and rows from `row`; returns the next free row."""
    for col, column in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=col, value=column.header)
        cell.font, cell.alignment, cell.border = _font(10), CENTER, BOX
    ws.row_dimensions[row].height = 30
    for values in rows + ([total] if total else []):
        row += 1
        for col, (value, column) in enumerate(zip(values, columns, strict=False), start=1):
            cell = ws.cell(row=row, column=col, value=_value(value, column))
            cell.font, cell.border = _font(10), BOX
            cell.alignment = CENTER
            if not column.number:
                cell.number_format = "@"  # ID and certificate numbers stay text, never 6.1E+17
    return row + 1


def render_form_xlsx(form: Form) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = form.filename[:31]
    ncols = len(form.columns)
    for col, column in enumerate(form.columns, start=1):
        ws.column_dimensions[get_column_letter(col)].width = round(column.width_mm / MM_PER_WIDTH_UNIT + 1, 1)

    _merge(ws, 1, 1, ncols, form.title, CENTER, size=16)
    ws.row_dimensions[1].height = 30
    half = max(1, ncols // 2 + ncols % 2)
    _merge(ws, 2, 1, half, form.info_left, LEFT)
    if ncols > half:
        _merge(ws, 2, half + 1, ncols, form.info_right, RIGHT)
    header_row = 3
    row = _table(ws, header_row, form.columns, form.rows, form.total)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)

    if form.sign_blocks:
        _merge(ws, row, 1, 1, form.sign_label, CENTER, border=True)
        span = max(1, (ncols - 1) // len(form.sign_blocks))
        first = 2
        for i, block in enumerate(form.sign_blocks):
            last = ncols if i == len(form.sign_blocks) - 1 else min(ncols, first + span - 1)
            _merge(ws, row, first, last, block, TOP_LEFT, border=True)
            first = last + 1
        ws.row_dimensions[row].height = 90
        row += 1
    if form.footer:
        row += 1
        span = max(1, ncols // len(form.footer))
        for i, part in enumerate(form.footer):
            first = 1 + i * span
            _merge(ws, row, first, ncols if i == len(form.footer) - 1 else first + span - 1, part, LEFT)
        row += 1
    for section in form.sections:
        if not section.rows:
            continue
        row += 1
        _merge(ws, row, 1, ncols, section.caption, LEFT)
        row = _table(ws, row + 1, section.columns, section.rows, None)
    for note in form.notes:
        _merge(ws, row, 1, ncols, note, LEFT)
        ws.row_dimensions[row].height = 30
        row += 1

    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.bottom = 0.8
    ws.oddFooter.center.text = "第 &P 页  共 &N 页"
    if form.seal_every_page:
        ws.oddFooter.left.text = "学校（盖章）："
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
