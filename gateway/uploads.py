"""Uploaded files are written to the shared upload directory and handed to services by path:
large files never travel inside messages."""
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import request
from werkzeug.utils import secure_filename

from gateway import annotated_files
from services.common.errors import BadInput, InvalidRows
from services.common.settings import setting

# Spreadsheet imports: Excel, WPS (.et/.ett hold an Excel format), OpenDocument and CSV. The name is a
# first filter; services.common.sheets judges the content.
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".et", ".ett", ".ods", ".csv")


@contextmanager
def saved_upload(allowed: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(path, original filename) of the request's `file`, removed again when the call is done. A
    spreadsheet refused for its rows gets its annotated copy attached (`annotated_file`)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("请选择要上传的文件（表单字段 file）")
    filename = os.path.basename(upload.filename.replace("\\", "/"))
    if not filename.lower().endswith(allowed):
        raise BadInput(f"文件“{filename}”的类型不对，只能上传：{'、'.join(allowed)}")
    directory = os.path.abspath(setting("UPLOAD_DIR"))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{uuid.uuid4().hex}-{secure_filename(filename) or 'upload'}")
    upload.save(path)
    try:
        yield path, filename
    except InvalidRows as refused:
        if allowed == SPREADSHEETS:
            refused.annotated_file = annotated_files.keep(path, filename, refused)
        raise
    finally:
        os.remove(path)
