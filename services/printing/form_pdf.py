"""A form as PDF on A4 landscape: the header row repeats on every page, page numbers at the foot,
and on name lists the school's seal line (学校（盖章）) on every page."""
import io

from reportlab.lib.colors import black
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.printing import fonts
from services.printing.forms import Column, Form

FONT = fonts.FONT
PAGE = landscape(A4)
MARGIN = 12 * mm
USABLE = PAGE[0] - 2 * MARGIN - 12  # the page's frame pads 6 pt on either side
BODY = 9.5

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=TA_CENTER)
TEXT = ParagraphStyle("text", fontName=FONT, fontSize=10.5, leading=15, alignment=TA_LEFT, wordWrap="CJK")
RIGHT = ParagraphStyle("right", parent=TEXT, alignment=TA_RIGHT)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=BODY, leading=BODY + 2.5, alignment=TA_CENTER, wordWrap="CJK")
BLOCK = ParagraphStyle("block", fontName=FONT, fontSize=10.5, leading=15, alignment=TA_LEFT, wordWrap="CJK")


class _NumberedCanvas(Canvas):
    """Holds pages until the end so each can say 第 x 页 共 y 页 (and carry the seal line)."""

    seal = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initialFontName", FONT)
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 9.5)
            self.setFillColor(black)
            self.drawCentredString(PAGE[0] / 2, 8 * mm, f"第 {number} 页  共 {total} 页")
            if self.seal:
                self.drawString(MARGIN, 8 * mm, "学校（盖章）：")
            super().showPage()
        super().save()


def _canvas_for(form: Form):
    return type("FormCanvas", (_NumberedCanvas,), {"seal": form.seal_every_page})


def _cell(value, column: Column):
    text = "" if value is None else str(value)
    if column.wrap and text:
        return Paragraph(_escape(text), CELL)
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _spaced(text: str) -> str:
    """Markup keeping the spaces of 年  月  日 blanks, which a paragraph would collapse."""
    return _escape(text).replace(" ", "&nbsp;").replace("\u3000", "&nbsp;&nbsp;").replace("\n", "<br/>")


def _widths(columns: list[Column]) -> list[float]:
    """Column widths scaled to fill the page's width."""
    factor = USABLE / (sum(c.width_mm for c in columns) * mm)
    return [c.width_mm * mm * factor for c in columns]


def _grid(columns: list[Column], rows: list[list], total: list | None, repeat: bool) -> Table:
    header = [Paragraph(_escape(c.header), CELL) for c in columns]
    body = [[_cell(v, c) for v, c in zip(row, columns, strict=False)] for row in rows]
    data = [header, *body]
    if total:
        data.append([_cell(v, c) for v, c in zip(total, columns, strict=False)])
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, BODY),
        ("GRID", (0, 0), (-1, -1), 0.5, black),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    return Table(data, colWidths=_widths(columns), repeatRows=1 if repeat else 0, style=TableStyle(style))


def _signatures(form: Form) -> Table:
    label = Paragraph("<br/>".join(form.sign_label), CELL)  # written downwards, as on the printed forms
    blocks = [Paragraph(_spaced(b), BLOCK) for b in form.sign_blocks]
    widths = [14 * mm] + [(USABLE - 14 * mm) / len(blocks)] * len(blocks)
    return Table([[label, *blocks]], colWidths=widths, rowHeights=[34 * mm], style=TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, black),
        ("VALIGN", (0, 0), (0, 0), "MIDDLE"),
        ("VALIGN", (1, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
    ]))


def render_form_pdf(form: Form) -> bytes:
    fonts.require()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=16 * mm, title=form.title, author="中职毕业审核验印系统",
                            creator="中职毕业审核验印系统")
    info = Table([[Paragraph(_escape(form.info_left), TEXT), Paragraph(_escape(form.info_right), RIGHT)]],
                 colWidths=[USABLE * 0.6, USABLE * 0.4],
                 style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [Paragraph(_escape(form.title), TITLE), Spacer(1, 3 * mm), info, Spacer(1, 2 * mm),
             _grid(form.columns, form.rows, form.total, repeat=True)]
    if form.sign_blocks:
        story.append(_signatures(form))
    tail = []
    if form.footer:
        parts = [Paragraph(_spaced(part), TEXT) for part in form.footer]
        tail += [Spacer(1, 4 * mm), Table([parts], colWidths=[USABLE / len(parts)] * len(parts), style=TableStyle(
            [("LEFTPADDING", (0, 0), (-1, -1), 0)]))]
    for section in form.sections:
        if section.rows:
            tail += [Spacer(1, 4 * mm), Paragraph(_escape(section.caption), TEXT), Spacer(1, 1 * mm),
                     _grid(section.columns, section.rows, None, repeat=False)]
    for note in form.notes:
        tail += [Spacer(1, 2 * mm), Paragraph(_escape(note), TEXT)]
    story.append(KeepTogether(tail))
    doc.build(story, canvasmaker=_canvas_for(form))
    return out.getvalue()
