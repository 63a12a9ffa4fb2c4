"""Certificate rendering: pages per second and bytes per page, with photos and QR codes.

Measures the printing service's pure renderer (what a print job runs) on synthetic certificates,
each with its own 150×200 JPEG photo (~10 KB) and QR code.
"""
import io
import time

from PIL import Image

from services.printing.certificate_pdf import render_certificates_pdf
from services.printing.layout import DEFAULT_PROFILE

PAGES = 1000


def _photo(seed: int) -> bytes:
    """A distinct 150×200 photo of about 10 KB, as graduates' photos are (each is embedded once)."""
    noise = Image.effect_noise((150, 200), 40 + seed % 5).convert("RGB")
    tint = Image.new("RGB", (150, 200), (60 + seed % 60, 110, 190))
    out = io.BytesIO()
    Image.blend(tint, noise, 0.7).save(out, "JPEG", quality=85)
    return out.getvalue()


def data(pages: int) -> tuple[list[dict], dict, dict]:
    certs, students, photos = [], {}, {}
    for n in range(1, pages + 1):
        id_number = f"610502200701{n:06d}"
        certs.append({"number": f"202605{n:05d}", "id_number": id_number, "name": "张三丰" if n % 2 else "李雪",
                      "issue_date": "2026-07-01"})
        students[id_number] = {"gender": "男", "birth_date": "2007-03-12", "major_name": "计算机应用",
                               "schooling_years": 3, "enrolled_month": "2023-09", "graduated_month": "2026-07",
                               "school_name": "渭南市第一职业中等专业学校"}
        photos[id_number] = _photo(n)
    return certs, students, photos


def measure(results: dict, details: dict, pages: int = PAGES) -> None:
    certs, students, photos = data(pages)
    render_certificates_pdf(certs[:20], students, dict(DEFAULT_PROFILE), photos)  # warm up fonts
    started = time.perf_counter()
    pdf = render_certificates_pdf(certs, students, dict(DEFAULT_PROFILE), photos)
    elapsed = time.perf_counter() - started
    results["render.pages_per_s"] = round(pages / elapsed, 1)
    results["render.bytes_per_page"] = round(len(pdf) / pages)
    details["render.pages"] = pages
    details["render.seconds"] = round(elapsed, 2)
