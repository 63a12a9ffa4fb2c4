"""Refused imports' files handed back annotated (services.common.annotate): kept a day under
UPLOAD_DIR/annotated for the clerk who uploaded them, and served only to that clerk."""
import json
import logging
import os
import re
import time
import uuid

from flask import g, send_file

from services.common.annotate import annotated_copy
from services.common.errors import InvalidRows, NotFound
from services.common.settings import setting

KEPT_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[0-9a-f]{32}$")
MIMETYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"}
log = logging.getLogger(__name__)


def _directory() -> str:
    return os.path.realpath(os.path.join(setting("UPLOAD_DIR"), "annotated"))


def keep(path: str, filename: str, refused: InvalidRows) -> dict | None:
    """{url, filename, converted} of the annotated copy of a refused upload, or None where none can be made."""
    try:
        annotated = annotated_copy(path, filename, refused.details)
    except Exception:  # the answer still lists every error; the copy is a convenience
        log.exception("could not annotate %s", filename)
        return None
    if annotated is None:
        return None
    directory = _directory()
    os.makedirs(directory, exist_ok=True)
    _remove_expired(directory)
    token = uuid.uuid4().hex
    with open(os.path.join(directory, token), "wb") as out:
        out.write(annotated.data)
    with open(os.path.join(directory, f"{token}.json"), "w", encoding="utf-8") as meta:
        json.dump({"owner": g.user["username"], "filename": annotated.filename}, meta, ensure_ascii=False)
    return {"url": f"/api/v1/annotated-files/{token}", "filename": annotated.filename,
            "converted": annotated.converted}


def send(token: str):
    """The annotated file, to the clerk whose upload it was, within a day."""
    directory = _directory()
    data, meta_path = os.path.join(directory, token), os.path.join(directory, f"{token}.json")
    if not TOKEN.match(token) or not os.path.isfile(meta_path) or _expired(meta_path):
        raise NotFound("标注了错误的文件已过期或不存在：请重新导入原文件，再下载")
    with open(meta_path, encoding="utf-8") as fh:
        meta = json.load(fh)
    if meta["owner"] != g.user["username"]:
        raise NotFound("标注了错误的文件已过期或不存在：请重新导入原文件，再下载")
    extension = os.path.splitext(meta["filename"])[1].lower()
    response = send_file(data, mimetype=MIMETYPES.get(extension, MIMETYPES[".xlsx"]), as_attachment=True,
                         download_name=meta["filename"], max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def _expired(path: str) -> bool:
    return time.time() - os.path.getmtime(path) > KEPT_SECONDS


def _remove_expired(directory: str) -> None:
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        try:
            if _expired(path):
                os.remove(path)
        except FileNotFoundError:  # another gateway process removed it first
            pass
