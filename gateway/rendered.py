"""Files the printing service rendered under UPLOAD_DIR/rendered, sent once and removed."""
import os

from flask import send_file

from services.common.errors import NotFound
from services.common.settings import setting

MIMETYPES = {"pdf": "application/pdf", "png": "image/png",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def send_rendered(path: str, filename: str, fmt: str, attachment: bool = True):
    """Send a file the printing service wrote under UPLOAD_DIR/rendered, and remove it afterwards."""
    directory = os.path.realpath(os.path.join(setting("UPLOAD_DIR"), "rendered"))
    real = os.path.realpath(path)
    if os.path.dirname(real) != directory or not os.path.isfile(real):
        raise NotFound("生成的文件不见了，请重试")
    response = send_file(real, mimetype=MIMETYPES[fmt], as_attachment=attachment, download_name=filename,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.call_on_close(lambda: os.path.exists(real) and os.remove(real))
    return response
