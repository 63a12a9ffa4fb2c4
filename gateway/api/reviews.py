"""Graduation reviews (API.md "Graduation reviews")."""
import datetime as dt

from flask import Blueprint, g, jsonify, request

from gateway import access, audit
from gateway import orgs as org_tree
from gateway.auth import login_required
from gateway.db import connect
from gateway.inputs import flag, optional_json_body, rpc
from gateway.roles import ID_REVEAL_ROLES
from gateway.uploads import SPREADSHEETS, saved_upload
from services.common import vocab
from services.common.errors import BadInput, NotFound
from services.common.idnumber import mask

bp = Blueprint("reviews", __name__, url_prefix="/api/v1")


def form_choice(field: str, choices: tuple[str, ...]) -> str:
    value = (request.form.get(field) or "").strip()
    if value not in choices:
        raise BadInput(f"字段 {field} 应为：{'、'.join(choices)}")
    return value


def form_year() -> int:
    value = (request.form.get("year") or "").strip()
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise BadInput("字段 year 应为四位年份，例如 2026")
    return int(value)


@bp.post("/reviews")
@login_required()
def create_review():
    """Import a graduate list: creates the review (or rebuilds a draft one) and starts verification."""
    school_code = (request.form.get("school_code") or "").strip()
    school = access.school_for_change(school_code)
    rebuild = flag(request.form.get("rebuild"), "字段 rebuild", "true 表示允许重建（替换已有名单）")
    with connect() as conn:
        chain = [{"code": o["code"], "name": o["name"], "kind": o["kind"]} for o in org_tree.review_chain(conn, school)]
        unit = org_tree.stamping_unit(conn, school)
    req = {
        "school_code": school["code"], "school_name": school["name"], "year": form_year(),
        "season": form_choice("season", vocab.SEASONS), "kind": form_choice("kind", vocab.REVIEW_KINDS),
        "rebuild": rebuild, "chain": chain,
        "stamping_unit_code": unit["stamping_unit_code"] if unit else None,
        "stamping_org_code": unit["code"] if unit else None,
        "actor": access.actor(),
    }
    with saved_upload(SPREADSHEETS) as (path, filename):
        req["filename"] = filename
        opened = rpc().roster.create_review(req, path)
    audit_listed_again(opened["review_id"], school["code"], filename, opened.get("already_certified"))
    return jsonify({"review_id": opened["review_id"], "ignored_columns": opened.get("ignored_columns", [])}), 202


def audit_listed_again(review_id: str, school_code: str, filename: str, rows: list[dict] | None) -> None:
    """Listed again after a number was issued: the province sees who (masked) and the number held."""
    if not rows:
        return
    with connect() as conn:
        audit.record(conn, g.user, "certificate.listed_again", review_id, {
            "school_code": school_code, "file": filename,
            "rows": [{"row": r["row"], "id_number": mask(r["id_number"]), "holds": r["number"]} for r in rows]})


def masked(review: dict) -> dict:
    """The review with its unqualified rows' ID numbers masked, as every list this API returns."""
    for row in review["unqualified"]:
        row["id_number"] = mask(row["id_number"])
    return review


def review_for_viewer(review_id: str, with_actions: bool = False) -> dict:
    review = rpc().review.get_review(review_id, access.actor() if with_actions else None)
    access.require_visible_school(review["school_code"])
    return review


@bp.get("/reviews/<review_id>")
@login_required()
def get_review(review_id: str):
    """A review: state, verification progress, qualified count, unqualified rows with reasons, history,
    and what the caller may do now (`actions`) or may do once unfinished work is done (`blocked`)."""
    return jsonify(masked(review_for_viewer(review_id, with_actions=True)))


@bp.get("/reviews/<review_id>/majors/<major_code>")
@login_required()
def major_table(review_id: str, major_code: str):
    """A major's qualification table (毕业生资格审核表)."""
    review_for_viewer(review_id)
    table = rpc().review.major_table(review_id, major_code)
    for student in table["students"]:
        student["id_number"] = mask(student["id_number"])
    return jsonify(table)


@bp.get("/reviews/<review_id>/graduates/<int:row>/grades")
@login_required()
def graduate_grades(review_id: str, row: int):
    """A listed graduate's detail grades: every planned course and term with the grade held."""
    review = review_for_viewer(review_id)
    graduate = rpc().review.graduate(review_id, row)
    student = graduate["student"]
    if student is None:
        raise NotFound("该学生不在本校学籍中，没有成绩可以查看")
    detail = rpc().grading.student_grades(review["school_code"], graduate["id_number"], student["major_code"],
                                          student["cohort"])
    return jsonify({"row": row, "name": graduate["name"], "id_number": mask(graduate["id_number"]),
                    "major_code": student["major_code"], "major_name": student["major_name"],
                    "cohort": student["cohort"], "verdict": graduate["verdict"], "reasons": graduate["reasons"] or [],
                    "grades": detail})


@bp.post("/reviews/<review_id>/graduates/<int:row>/id-number")
@login_required(*ID_REVEAL_ROLES)
def reveal_id_number(review_id: str, row: int):
    """One listed graduate's whole ID number, on an explicit request (lists show it masked); audited."""
    review = review_for_viewer(review_id)
    graduate = rpc().review.graduate(review_id, row)
    access.record_reveal(f"review:{review_id}:row:{row}", review["school_code"], graduate["name"])
    return jsonify({"row": row, "name": graduate["name"], "id_number": graduate["id_number"]})


def act(review_id: str, action: str, **kwargs):
    review_for_viewer(review_id)
    return jsonify(masked(rpc().review.act(review_id, action, access.actor(), **kwargs)))


@bp.post("/reviews/<review_id>/reverify")
@login_required()
def reverify(review_id: str):
    """重新核验 {"scope": "unqualified" (default) | "all"}: the list the review holds, verified again against
    the registry and grades as they are now, row numbers unchanged; 202 with the review, verifying."""
    scope = optional_json_body().get("scope") or "unqualified"  # judged by the service
    review_for_viewer(review_id)
    done = rpc().roster.reverify_review(review_id, scope, access.actor())
    audit_listed_again(review_id, done["school_code"], "重新核验", done["already_certified"])
    return jsonify(masked(review_for_viewer(review_id, with_actions=True))), 202


@bp.post("/reviews/<review_id>/majors/<major_code>/approve")
@login_required()
def approve_major(review_id: str, major_code: str):
    """The acting level approves one major's qualification table."""
    return act(review_id, "approve_major", major_code=major_code)


@bp.post("/reviews/<review_id>/submit")
@login_required()
def submit(review_id: str):
    """The school submits the review to the first level of its chain."""
    return act(review_id, "submit")


@bp.post("/reviews/<review_id>/approve")
@login_required()
def approve(review_id: str):
    """The acting level approves the whole review; the province's approval issues numbers."""
    return act(review_id, "approve")


@bp.post("/reviews/<review_id>/return")
@login_required()
def return_review(review_id: str):
    """The acting level returns the review to the school with a written reason."""
    return act(review_id, "return", reason=optional_json_body().get("reason"))


@bp.post("/reviews/<review_id>/mark-printed")
@login_required()
def mark_printed(review_id: str):
    """The school has printed the certificates."""
    return act(review_id, "mark_printed")


@bp.post("/reviews/<review_id>/stamp")
@login_required()
def stamp(review_id: str):
    """The stamping unit has stamped the certificates; the graduation deadline starts."""
    return act(review_id, "stamp")


@bp.post("/reviews/<review_id>/mark-graduated")
@login_required()
def mark_graduated(review_id: str):
    """The school has marked the cohort graduated in the registry."""
    return act(review_id, "mark_graduated")


@bp.get("/reviews/<review_id>/summary")
@login_required()
def summary(review_id: str):
    """The 毕业证书验印审核表 as data."""
    review_for_viewer(review_id)
    return jsonify(rpc().review.summary(review_id))


@bp.get("/reviews")
@login_required()
def list_reviews():
    """Reviews the caller may see; ?waiting=true keeps those waiting for the caller's organisation."""
    filters = {k: request.args.get(k) for k in ("school_code", "season", "status", "kind", "year")}
    if filters["year"] and not filters["year"].isdigit():
        raise BadInput("year 应为四位年份")
    if flag(request.args.get("waiting"), "waiting"):
        filters["waiting_for"] = g.org["code"]
    return jsonify(rpc().review.list_reviews(access.visible_school_codes(), filters))


@bp.get("/deadlines")
@login_required()
def deadlines():
    """Stamped reviews and their 10-working-day deadline to mark the cohort graduated."""
    return jsonify(rpc().review.deadlines(access.visible_school_codes()))


@bp.post("/calendar")
@login_required("province_admin")
def set_calendar_day():
    """The province adds or corrects a day of the working calendar {date, workday, note}."""
    body = optional_json_body()
    day = calendar_date(str(body.get("date") or ""))
    if not isinstance(body.get("workday"), bool):
        raise BadInput("workday 应为 true（上班）或 false（放假）")
    note = str(body.get("note") or "").strip() or "省级调整"
    done = rpc().review.set_calendar_day(day, body["workday"], note, access.actor())
    with connect() as conn:  # the review service has committed: the audit follows only a change made
        audit.record(conn, g.user, "calendar.set", day, {"workday": body["workday"], "note": note})
    return jsonify(done)


def calendar_date(value: str) -> str:
    """A day as YYYY-MM-DD, or a 400."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise BadInput(f"日期“{value}”不正确，应为 年-月-日，例如 2027-10-08") from None
    return day.isoformat()


@bp.get("/calendar")
@login_required()
def calendar_days():
    """The province's added or corrected days of ?year= (default this year): [{date, workday, note, by, at}]."""
    year = (request.args.get("year") or str(dt.date.today().year)).strip()
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        raise BadInput("year 应为四位年份，例如 2027")
    return jsonify(rpc().review.calendar_days(int(year)))


@bp.delete("/calendar/<day>")
@login_required("province_admin")
def delete_calendar_day(day: str):
    """The province removes its correction of a day: the public calendar holds again."""
    day = calendar_date(day)
    removed = rpc().review.delete_calendar_day(day)
    with connect() as conn:  # after the review service's commit, as for setting a day
        audit.record(conn, g.user, "calendar.delete", day, {"workday": removed["workday"], "note": removed["note"],
                                                            "by": removed["by"], "at": removed["at"]})
    return jsonify(removed)
