"""Making a document: gather its data, render it off the event loop, write it where the gateway and
CUPS can read it (UPLOAD_DIR/rendered/). Large files never travel in messages: callers get a path."""
import os
import time
import uuid

from eventlet import patcher, tpool

from services.common.errors import NotFound
from services.printing import forms
from services.printing.certificate_pdf import render_certificates_pdf
from services.printing.form_pdf import render_form_pdf
from services.printing.form_xlsx import render_form_xlsx
from services.printing.sources import Sources

FORMATS = ("pdf", "xlsx")
KEEP_SECONDS = 3600  # rendered files the gateway has not fetched are removed after an hour

# Renders run in a real thread (reportlab and openpyxl are CPU-bound and would stall the service's
# event loop), one at a time: reportlab's font subsetting state is shared.
_render_lock = patcher.original("threading").Lock()


def _serialised(fn, *args, **kwargs):
    with _render_lock:
        return fn(*args, **kwargs)


def off_loop(fn, *args, **kwargs):
    return tpool.execute(_serialised, fn, *args, **kwargs)


def rendered_dir(upload_dir: str) -> str:
    path = os.path.join(os.path.abspath(upload_dir), "rendered")
    os.makedirs(path, exist_ok=True)
    return path


def write(upload_dir: str, stem: str, ext: str, data: bytes) -> str:
    """Write atomically under rendered/, removing files left there for over an hour; returns the path."""
    directory = rendered_dir(upload_dir)
    now = time.time()
    for name in os.listdir(directory):
        old = os.path.join(directory, name)
        try:
            if now - os.path.getmtime(old) > KEEP_SECONDS:
                os.remove(old)
        except OSError:  # another process removed it first
            pass
    path = os.path.join(directory, f"{stem}-{uuid.uuid4().hex[:12]}.{ext}")
    with open(path + ".part", "wb") as out:
        out.write(data)
    os.replace(path + ".part", path)
    return path


def certificates(src: Sources, review: dict, profile: dict, only_seq: list[int] | None, preview: bool,
                 verify_base: str) -> tuple[bytes, int]:
    """(PDF, pages) of the review's certificates, or of the seqs in `only_seq`."""
    certs = src.certificates(review["id"], only_seq)
    tables = src.major_tables(review)
    students = src.certificate_students(review, tables, certs)
    photos = src.photos(review["school_code"], [c["id_number"] for c in certs])
    data = off_loop(render_certificates_pdf, certs, students, profile, photos, preview=preview,
                    verify_base=verify_base)
    return data, len(certs)


def form(src: Sources, review_id: str, name: str, fmt: str) -> tuple[dict, bytes, str]:
    """(review, file, download name) of one form."""
    if not forms.is_form(name):
        raise NotFound(f"没有“{name}”这种表格，可选：register（验印登记册）、namelist（验印名单）、"
                       "summary（验印审核表）、qualification-<专业代码>（毕业生资格审核表）")
    if fmt not in FORMATS:
        raise NotFound(f"表格只能导出为 {'、'.join(FORMATS)}，不能是“{fmt}”")
    review = src.get_review(review_id)
    certs = src.certificates(review_id, required=forms.needs_numbers(name))
    if name.startswith(forms.QUALIFICATION):
        code = name[len(forms.QUALIFICATION):]
        summary, tables = {}, {code: src.review.major_table(review_id, code)}
    else:
        summary, tables = src.summary(review_id), src.major_tables(review)
    model = forms.build(name, review, summary, tables, certs)
    data = off_loop(render_form_pdf if fmt == "pdf" else render_form_xlsx, model)
    return review, data, f"{review['school_name']}{review['year']}{review['season']}{model.filename}.{fmt}"
