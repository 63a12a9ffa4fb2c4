"""A certificate as the clerk will see it on the blank form: the preview PDF drawn as a PNG, for
calibrating a print profile on screen (offsets, skew, scale) without wasting a blank certificate."""
import io

import pypdfium2

PREVIEW_DPI = 110


def png_of_first_page(pdf: bytes, dpi: int = PREVIEW_DPI) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()
