"""A school's data: templates, registry import, photos (API.md "A school's data").

The registry, course plan and grade imports take `dry_run` (a form field or query parameter, or
`"dry_run": true` in a JSON body): every check of the import, the same 422 for a bad file, and what
the import would change (`changes`), with nothing stored. A real import answers with `changes` too."""
import base64
import io

from flask import Blueprint, jsonify, request, send_file

from gateway import access
from gateway.auth import login_required
from gateway.inputs import flag, json_body, rpc
from gateway.uploads import SPREADSHEETS, saved_upload
from services.common.columns import KINDS, TITLES
from services.common.errors import BadInput, NotFound

bp = Blueprint("school_data", __name__, url_prefix="/api/v1")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dry_run_requested(body: dict | None = None) -> bool:
    """`dry_run` true|1|yes (or false|0|no) from the query, the form, or a JSON body."""
    values = [request.args.get("dry_run"), None if request.is_json else request.form.get("dry_run")]
    if body is not None:
        values.append(body.get("dry_run"))
    return any([flag(v, "dry_run", "true 只检查文件并列出导入会修改的内容，不保存") for v in values])


def answered(result: dict, dry_run: bool, *fields: str):
    """A dry run's answer, or the import's: its `fields` as API.md has them, and what it changed."""
    if dry_run:
        return jsonify({**result, "errors": []})
    return jsonify({**{f: result[f] for f in fields}, "errors": [], "changes": result["changes"]})


@bp.get("/templates/<kind>.xlsx")
@login_required()
def template(kind: str):
    """The Excel template of an import (graduates, students, course-plans, grades)."""
    if kind not in KINDS:
        raise NotFound(f"没有“{kind}”模板，可选：{'、'.join(KINDS)}")
    data = base64.b64decode(rpc().roster.template(kind))
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"{TITLES[kind]}导入模板.xlsx")


@bp.post("/schools/<school_code>/students")
@login_required()
def import_students(school_code: str):
    """Registry import: new students added, known ID numbers updated; any row error refuses the file."""
    access.school_for_change(school_code)
    dry_run = dry_run_requested()
    with saved_upload(SPREADSHEETS) as (path, filename):
        result = rpc().roster.import_students(school_code, path, filename, access.actor(), dry_run=dry_run)
    return answered(result, dry_run, "imported", "added", "updated", "ignored_columns")


@bp.post("/schools/<school_code>/photos")
@login_required()
def import_photos(school_code: str):
    """Graduates' photos: a zip or one JPEG; a verdict per file."""
    access.school_for_change(school_code)
    with saved_upload((".zip", ".jpg", ".jpeg")) as (path, filename):
        result = rpc().roster.import_photos(school_code, path, filename, access.actor())
    return jsonify(result)



@bp.post("/schools/<school_code>/course-plans")
@login_required()
def import_course_plans(school_code: str):
    """Course plans: per major × cohort × term; replaces the plans of the majors and cohorts in the file."""
    access.school_for_change(school_code)
    dry_run = dry_run_requested()
    with saved_upload(SPREADSHEETS) as (path, filename):
        result = rpc().grading.import_course_plans(school_code, path, filename, access.actor(), dry_run=dry_run)
    return answered(result, dry_run, "imported", "ignored_columns")


@bp.post("/schools/<school_code>/grades")
@login_required()
def import_grades(school_code: str):
    """Grades: the school's long sheet; one class and course (form fields course, term); or JSON records."""
    access.school_for_change(school_code)
    if request.is_json:
        shape = '{"grades": [{"id_number","name","course","term","score","makeup_score"}]}'
        records = json_body(shape).get("grades")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise BadInput(f"请求体应为 {shape}")
        body = request.get_json()
        dry_run = dry_run_requested(body)
        result = rpc().grading.import_grade_records(school_code, records, access.actor(), dry_run=dry_run)
        return answered(result, dry_run, "imported")
    dry_run = dry_run_requested()
    course = (request.form.get("course") or "").strip() or None
    term = (request.form.get("term") or "").strip() or None
    if (course is None) != (term is None):
        raise BadInput("按班级和课程导入时，请同时填写课程名称(course)和学期(term)")
    if term is not None and term not in {"1", "2", "3", "4", "5", "6"}:
        raise BadInput("学期(term)应为1到6")
    with saved_upload(SPREADSHEETS) as (path, filename):
        result = rpc().grading.import_grades(school_code, path, filename, access.actor(), course,
                                             int(term) if term else None, dry_run=dry_run)
    return answered(result, dry_run, "imported", "ignored_columns")
