"""Certificates as PDF: one page per certificate, only the variable fields, for the pre-printed blank.

Pure: data in, bytes out. `render_certificates_pdf` is also what the benchmark measures.
"""
import functools
import io
import math
from urllib.parse import quote

import qrcode
from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from services.printing import fonts
from services.printing.layout import BLANK_TEXT, PAGE_H_MM, PAGE_W_MM, PHOTO_BOX, QR_BOX, TEMPLATE, Transform

FONT = fonts.FONT
GREY = Color(0.72, 0.72, 0.72)
MIN_FONT_SIZE = 8.0
QR_LEVEL = qrcode.constants.ERROR_CORRECT_M
CN_NUMERALS = dict(enumerate("〇一二三四五六七八九十", start=0))


def verify_url(base: str, number: str) -> str:
    """The public check of a certificate (the web UI's 毕业证书查询 page)."""
    return f"{base.rstrip('/')}/verify?number={quote(number)}"


def field_values(cert: dict, student: dict) -> dict[str, str]:
    """What is printed in each field of the template for one certificate.

    `cert`: {number, name, issue_date 'YYYY-MM-DD'}; `student`: {gender, birth_date 'YYYY-MM-DD',
    major_name, schooling_years, enrolled_month 'YYYY-MM', graduated_month 'YYYY-MM', school_name}.
    """
    birth = (student.get("birth_date") or "--").split("-")
    entry = (student.get("enrolled_month") or "-").split("-")
    graduated = (student.get("graduated_month") or "-").split("-")
    issued = (cert.get("issue_date") or "--").split("-")
    years = student.get("schooling_years")
    return {
        "name": cert["name"],
        "gender": student.get("gender") or "",
        "birth_year": birth[0], "birth_month": _month_or_day(birth[1]), "birth_day": _month_or_day(birth[2]),
        "entry_year": entry[0], "entry_month": _month_or_day(entry[1]),
        "graduation_year": graduated[0], "graduation_month": _month_or_day(graduated[1]),
        "major": student.get("major_name") or "",
        "schooling_years": CN_NUMERALS.get(int(years), str(years)) if str(years or "").isdigit() else "",
        "school": student.get("school_name") or "",
        "number": cert["number"],
        "issue_year": issued[0], "issue_month": _month_or_day(issued[1]), "issue_day": _month_or_day(issued[2]),
    }


def _month_or_day(text: str) -> str:
    return str(int(text)) if text.isdigit() else text


def fitted_size(text: str, size: float, max_width_mm: float | None) -> float:
    """The font size at which `text` fits its field; never below MIN_FONT_SIZE."""
    if not max_width_mm or not text:
        return size
    width = fonts.width_mm(text, size)
    return size if width <= max_width_mm else max(MIN_FONT_SIZE, size * max_width_mm / width)


class _Sheet:
    """Draws on one page in template millimetres, through a profile's transform."""

    def __init__(self, canvas: Canvas, transform: Transform):
        self.c = canvas
        self.t = transform
        # PDF space has y up: a clockwise skew on the sheet is a negative angle there.
        phi = math.radians(-transform.skew_deg)
        self.linear = (transform.scale * math.cos(phi), transform.scale * math.sin(phi),
                       -transform.scale * math.sin(phi), transform.scale * math.cos(phi))

    def _enter(self, x_mm: float, y_mm: float) -> None:
        """Local drawing space: origin at the transformed anchor, turned and scaled like the profile."""
        x, y = self.t.point(x_mm, y_mm)
        self.c.saveState()
        self.c.transform(*self.linear, x * mm, (PAGE_H_MM - y) * mm)

    def text(self, x_mm: float, y_mm: float, size: float, value: str) -> None:
        self._enter(x_mm, y_mm)
        self.c.setFont(FONT, size)
        self.c.drawString(0, 0, value)
        self.c.restoreState()

    def photo(self, box: tuple, image: ImageReader | None) -> None:
        x, y, w, h = box
        self._enter(x, y)
        if image is not None:
            self.c.drawImage(image, 0, -h * mm, w * mm, h * mm, preserveAspectRatio=True, anchor="c")
        else:
            self.c.setLineWidth(0.4)
            self.c.rect(0, -h * mm, w * mm, h * mm, stroke=1, fill=0)
        self.c.restoreState()

    def qr(self, box: tuple, data: str) -> None:
        x, y, side = box
        matrix = qr_matrix(data)
        self._enter(x, y)
        self.c.scale(side * mm / len(matrix), side * mm / len(matrix))  # one unit per module: integer rects
        self.c.addLiteral(qr_path(matrix))
        self.c.restoreState()


def qr_path(matrix: list[list[bool]]) -> str:
    """PDF path operators filling the dark modules, a rectangle per run in a row, the top row at y = -1."""
    ops = []
    for r, row in enumerate(matrix):
        col, n = 0, len(row)
        while col < n:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < n and row[col]:
                col += 1
            ops.append(f"{start} {-r - 1} {col - start} 1 re")
    return "\n".join(ops) + "\nf"


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR code's modules (no quiet zone). A fixed mask pattern (valid, and 4× faster than searching
    for the best) and a version fixed by the data's length: a document's URLs are all as long."""
    code = qrcode.QRCode(version=_qr_version(len(data.encode())), error_correction=QR_LEVEL, border=0,
                         mask_pattern=2)
    code.add_data(data)
    code.make(fit=False)
    return code.get_matrix()


@functools.lru_cache(maxsize=32)
def _qr_version(length: int) -> int:
    """The smallest version holding `length` bytes in byte mode (URLs with small letters are byte mode)."""
    code = qrcode.QRCode(error_correction=QR_LEVEL, border=0, mask_pattern=2)
    code.add_data("a" * length)
    code.make(fit=True)
    return code.version


def draw_blank(canvas: Canvas) -> None:
    """The pre-printed blank form in light grey, where the paper lies (a preview, never printed)."""
    c = canvas
    c.saveState()
    c.setStrokeColor(GREY)
    c.setFillColor(GREY)
    c.setLineWidth(0.8)
    c.rect(4 * mm, 4 * mm, (PAGE_W_MM - 8) * mm, (PAGE_H_MM - 8) * mm)
    c.setLineWidth(0.3)
    c.rect(7 * mm, 7 * mm, (PAGE_W_MM - 14) * mm, (PAGE_H_MM - 14) * mm)
    c.setDash(3, 3)
    c.line(PAGE_W_MM / 2 * mm, 7 * mm, PAGE_W_MM / 2 * mm, (PAGE_H_MM - 7) * mm)
    x, y, w, h = PHOTO_BOX
    c.rect(x * mm, (PAGE_H_MM - y - h) * mm, w * mm, h * mm)
    c.setDash()
    for text, tx, ty, size in BLANK_TEXT:
        c.setFont(FONT, size)
        c.drawString(tx * mm, (PAGE_H_MM - ty) * mm, text)
    c.restoreState()


def render_certificates_pdf(certs: list[dict], students: dict, profile: dict, photos: dict, *,
                            template: dict | None = None, preview: bool = False,
                            verify_base: str = "http://127.0.0.1:8000") -> bytes:
    """One page per certificate, in the order given.

    certs: [{number, id_number, name, issue_date}]; students: {id_number: see `field_values`};
    profile: {offset_x_mm, offset_y_mm, skew_deg, scale} (layout.DEFAULT_PROFILE for none);
    photos: {id_number: JPEG bytes} (a missing photo leaves an empty frame).
    preview: the blank form in light grey behind the fields (for the screen, not for blank forms).
    """
    fonts.require()
    fields = template or TEMPLATE
    transform = Transform.of(profile)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_W_MM * mm, PAGE_H_MM * mm), pageCompression=1, initialFontName=FONT)
    canvas.setTitle("中等职业学校毕业证书" + ("（预览）" if preview else ""))
    canvas.setCreator("中职毕业审核验印系统")
    images: dict[str, ImageReader] = {}
    for cert in certs:
        student = students.get(cert["id_number"], {})
        if preview:
            draw_blank(canvas)
        sheet = _Sheet(canvas, transform)
        canvas.setFillColor(black)
        canvas.setStrokeColor(black)
        for field, value in field_values(cert, student).items():
            if field not in fields or not value:
                continue
            x, y, size, *rest = fields[field]
            sheet.text(x, y, fitted_size(value, size, rest[0] if rest else None), value)
        jpeg = photos.get(cert["id_number"])
        if jpeg and cert["id_number"] not in images:
            images[cert["id_number"]] = ImageReader(io.BytesIO(jpeg))
        sheet.photo(fields.get("photo", PHOTO_BOX), images.get(cert["id_number"]) if jpeg else None)
        sheet.qr(fields.get("qr", QR_BOX), verify_url(verify_base, cert["number"]))
        canvas.showPage()
    canvas.save()
    return out.getvalue()
