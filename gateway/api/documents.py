"""Documents (API.md "Documents"): certificates and the stamping office's forms as files, print
profiles, and print jobs sent to the printing service's CUPS."""

from flask import Blueprint, g, jsonify, request

from gateway import access, audit
from gateway import orgs as org_tree
from gateway.api.print_sites import printing_school, site_for_school
from gateway.api.reviews import review_for_viewer
from gateway.auth import login_required
from gateway.db import connect
from gateway.inputs import flag, json_body, rpc
from gateway.rendered import MIMETYPES, send_rendered
from services.common.errors import BadInput, NotFound
from services.printing.errors import PrinterUnavailable  # noqa: F401  (registers the 503 for RPC answers)
from services.printing.seqs import only_seq_of_query

bp = Blueprint("documents", __name__, url_prefix="/api/v1")

RENDER_TIMEOUT = 300  # seconds: a season's certificates, photos included, are rendered in one call


@bp.get("/reviews/<review_id>/certificates.pdf")
@login_required()
def certificates_pdf(review_id: str):
    """The review's certificates, a page each, for the blank forms (?profile=, ?only_seq=1,2, ?preview=true)."""
    review_for_viewer(review_id)
    done = rpc().with_timeout(RENDER_TIMEOUT).printing.render_certificates(
        review_id, request.args.get("profile") or None, only_seq_of_query(request.args.get("only_seq")),
        flag(request.args.get("preview"), "preview"))
    return send_rendered(done["path"], done["filename"], "pdf")


@bp.get("/reviews/<review_id>/certificates/preview.png")
@login_required()
def certificate_preview(review_id: str):
    """One certificate drawn on the blank form as PNG, with unsaved profile values (?offset_x_mm=&offset_y_mm=
    &skew_deg=&scale=&seq=), for calibrating on screen."""
    review = review_for_viewer(review_id)
    printing_school(review["school_code"])
    values = {k: request.args[k] for k in ("offset_x_mm", "offset_y_mm", "skew_deg", "scale") if k in request.args}
    seq = request.args.get("seq")
    if seq is not None and not seq.isdigit():
        raise BadInput("seq 应为名单序号")
    done = rpc().with_timeout(RENDER_TIMEOUT).printing.preview_png(review_id, values, int(seq) if seq else None)
    return send_rendered(done["path"], done["filename"], "png", attachment=False)


@bp.get("/reviews/<review_id>/print-jobs")
@login_required()
def review_print_jobs(review_id: str):
    """The review's print jobs, newest first: state, site, printer, sheets printed of total, reason."""
    review_for_viewer(review_id)
    return jsonify(rpc().printing.review_print_jobs(review_id))


@bp.get("/reviews/<review_id>/forms/<form>.<fmt>")
@login_required()
def form_file(review_id: str, form: str, fmt: str):
    """A form as PDF or XLSX: register, namelist, summary, qualification-<major_code>."""
    review_for_viewer(review_id)
    if fmt not in MIMETYPES:
        raise NotFound(f"表格只能导出为 pdf 或 xlsx，不能是“{fmt}”")
    done = rpc().with_timeout(RENDER_TIMEOUT).printing.render_form(review_id, form, fmt)
    return send_rendered(done["path"], done["filename"], fmt)


@bp.get("/schools/<school_code>/print-profiles")
@login_required()
def list_profiles(school_code: str):
    """The school's print profiles (the default one when it has none)."""
    printing_school(school_code)
    return jsonify(rpc().printing.profiles(school_code))


@bp.post("/schools/<school_code>/print-profiles")
@login_required()
def save_profile(school_code: str):
    """Add or change a print profile {name, offset_x_mm, offset_y_mm, skew_deg, scale}."""
    printing_school(school_code)
    body = json_body('{"name","offset_x_mm","offset_y_mm","skew_deg","scale"}')
    return jsonify(rpc().printing.save_profile(school_code, body, access.actor()))


@bp.get("/printers")
@login_required()
def printers():
    """The printers of the print system beside the printing service."""
    return jsonify(rpc().printing.printers())


@bp.post("/reviews/<review_id>/print-jobs")
@login_required()
def submit_print_job(review_id: str):
    """Print certificates or forms {site, printer, profile, what: certificates|forms, only_seq, forms, copies,
    reprint_reason}: 202. With `site`, the job goes to that print site's agent."""
    review = review_for_viewer(review_id)
    body = json_body('{"printer","profile","what": "certificates|forms","only_seq": [...]}')
    what = body.get("what")
    if what == "certificates":
        printing_school(review["school_code"])  # by the school, or a bureau printing for it at its site
    printer = body.get("printer")
    if not isinstance(printer, str) or not printer.strip():
        raise BadInput("请选择打印机（printer）")
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise BadInput("profile 应为打印方案的名称")
    site_id = body.get("site")
    if site_id is not None:
        if not isinstance(site_id, str):
            raise BadInput("site 应为打印点的编号（site_id）")
        with connect() as conn:
            school = org_tree.get(conn, review["school_code"])
        site_for_school(site_id, school)
    reprint = body.get("reprint_reason")
    if reprint is not None:
        if not isinstance(reprint, str) or not reprint.strip() or not body.get("only_seq"):
            raise BadInput("重新打印须写明原因（reprint_reason），并用 only_seq 指明要重印的序号")
        reprint = reprint.strip()[:500]
    job_id = rpc().printing.submit_print_job(review_id, printer.strip(), profile, what, body.get("only_seq"),
                                             access.actor(), body.get("forms"), body.get("copies"), site_id,
                                             reprint)
    if reprint:
        with connect() as conn:
            audit.record(conn, g.user, "print_job.reprint", job_id, {
                "review_id": review_id, "only_seq": body.get("only_seq"), "reason": reprint, "site": site_id})
    return jsonify({"job_id": job_id}), 202


@bp.get("/print-jobs/<job_id>")
@login_required()
def print_job(job_id: str):
    """A print job: state queued|rendering|sent|done|failed, the CUPS job id, the reason of a failure."""
    job = rpc().printing.print_job(job_id)
    review_for_viewer(job["review_id"])  # 404 for a job of a review the caller may not see
    return jsonify(job)
