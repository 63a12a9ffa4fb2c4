"""The CJK font every document embeds: WenQuanYi Zen Hei (TrueType inside a .ttc, face 0).

reportlab embeds TrueType only (DESIGN.md): the Noto CJK fonts are CFF and do not load. The font
is registered when this module is imported, in the main thread, so renders running in worker
threads find it in reportlab's registry without registering concurrently. A machine without the
font still imports the service; rendering then says what to install.
"""
import logging

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from services.common.errors import Conflict

log = logging.getLogger(__name__)

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian package fonts-wqy-zenhei
FONT = "WenQuanYiZenHei"


def register() -> bool:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return True
    try:
        pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    except Exception as exc:  # missing or unreadable file: reportlab raises its own TTFError / OSError
        log.error("cannot load the CJK font %s: %s", FONT_PATH, exc)
        return False
    return True


def require() -> str:
    """The font's name, or a Conflict saying which package to install."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        raise Conflict(f"打印服务所在的机器缺少中文字体 {FONT_PATH}，请安装 fonts-wqy-zenhei 后重启打印服务")
    return FONT


def width_mm(text: str, size: float) -> float:
    """How wide `text` prints at `size` points, in millimetres."""
    return pdfmetrics.stringWidth(text, FONT, size) * 25.4 / 72


rl_config.useA85 = 0  # binary streams: ASCII85 makes files a quarter larger and costs time
register()
