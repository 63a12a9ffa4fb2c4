"""The web UI for school clerks and reviewers (zh-CN): sign-in with a session cookie and CSRF.

The pages are thin: the server checks the sign-in and renders the frame; gateway/static/app.js fills
them from the JSON API (/api/v1) with the session cookie, sending the CSRF token on every POST.
"""
import datetime as dt
import functools
from collections.abc import Callable

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from gateway import accounts
from gateway.api.accounts import change_password, sign_in
from gateway.auth import csrf
from gateway.db import connect
from gateway.roles import (
    BUREAU_REVIEWER,
    ID_REVEAL_ROLES,
    ORG_ADMIN,
    PROVINCE_ADMIN,
    PROVINCE_REVIEWER,
    ROLE_NAMES,
    SCHOOL_GRADUATION_MANAGER,
    SEARCH_ROLES,
    SEASON_ROLES,
)
from services.common.errors import BadInput, ServiceError

bp = Blueprint("web", __name__)

REVIEWER_ROLES = {BUREAU_REVIEWER, PROVINCE_REVIEWER}
ADMIN_ROLES = {PROVINCE_ADMIN, ORG_ADMIN}


def has_role(*roles: str) -> bool:
    user = g.get("user")
    return bool(user and set(roles) & set(user["roles"]))


@bp.app_context_processor
def inject_user():
    user, org = g.get("user"), g.get("org")
    ui = {"username": user["username"] if user else None,
          "org_code": org["code"] if org else None, "org_kind": org["kind"] if org else None,
          "may_reveal_id_numbers": has_role(*ID_REVEAL_ROLES), "administers_orgs": has_role(PROVINCE_ADMIN)}
    return {"current_user": user, "current_org": org, "role_names": ROLE_NAMES, "ui_config": ui,
            "is_school_manager": has_role(SCHOOL_GRADUATION_MANAGER) and bool(org) and org["kind"] == "school",
            "is_reviewer": has_role(*REVIEWER_ROLES), "is_admin": has_role(*ADMIN_ROLES),
            "is_province_admin": has_role(PROVINCE_ADMIN),
            "sees_season": has_role(*SEASON_ROLES)
            and bool(org) and org["kind"] != "school",
            "finds_graduates": has_role(*SEARCH_ROLES)}


def page(view: Callable) -> Callable:
    """A page for signed-in users: anyone else is sent to the sign-in page and brought back after."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        if g.user["must_change_password"]:  # a one-time password: nothing else until the user chose their own
            return redirect(url_for("web.account_password"))
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) is followed after sign-in; browsers drop tabs and
    newlines from URLs and read a backslash as a slash, so any of those makes it no path."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign-in page."""
    error = None
    next_url = safe_next(request.values.get("next"))
    if request.method == "POST":
        csrf.protect()
        username = request.form.get("username", "").strip()
        try:
            user = sign_in(username, request.form.get("password", ""))
        except ServiceError as exc:
            error = exc.message
        else:
            with connect() as conn:
                token = accounts.issue_token(conn, user["id"], int(current_app.config["TOKEN_TTL_SECONDS"]))
            session.clear()
            session["token"] = token
            if user["must_change_password"]:
                return redirect(url_for("web.account_password"))
            return redirect(next_url or url_for("web.home"))
    return render_template("login.html", error=error, next_url=next_url), 401 if error else 200


@bp.route("/account/password", methods=["GET", "POST"])
def account_password():
    """修改密码: a plain form (no script); after a one-time password, every other page leads here."""
    if g.get("user") is None:
        return redirect(url_for("web.login", next=request.path))
    error = None
    if request.method == "POST":
        csrf.protect()
        new_password = request.form.get("new_password", "")
        try:
            if new_password != request.form.get("new_password_again", ""):
                raise BadInput("两次输入的新密码不一致")
            with connect() as conn:
                change_password(conn, request.form.get("old_password", ""), new_password)
        except ServiceError as exc:
            error = exc.message
        else:
            return redirect(url_for("web.home"))
    return render_template("password.html", error=error, must_change=bool(g.user["must_change_password"]),
                           min_length=accounts.MIN_PASSWORD), 400 if error else 200


@bp.post("/logout")
def logout():
    """Sign out: the session's token is revoked."""
    csrf.protect()
    token = session.pop("token", None)
    if token:
        with connect() as conn:
            accounts.revoke_token(conn, token)
    return redirect(url_for("web.login"))


@bp.get("/")
@page
def home():
    """工作台: the user's organisation, reviews waiting or of their school, deadlines."""
    return render_template("home.html")


@bp.get("/school/data")
@page
def school_data():
    """学校数据导入: templates and the registry, course-plan, grade and photo imports."""
    return render_template("school_data.html")


@bp.get("/reviews/new")
@page
def new_review():
    """创建毕业审核: import the graduate list."""
    return render_template("review_new.html", this_year=dt.date.today().year)


@bp.get("/reviews/<review_id>")
@page
def review(review_id: str):
    """毕业证书验印审核: one review, its progress, majors, unqualified rows, summary, history, actions."""
    return render_template("review.html", review_id=review_id)


@bp.get("/reviews/<review_id>/majors/<major_code>")
@page
def major_table(review_id: str, major_code: str):
    """毕业生资格审核表 of one major, printable."""
    return render_template("major.html", review_id=review_id, major_code=major_code)


@bp.get("/reviews/<review_id>/graduates/<int:row>")
@page
def graduate(review_id: str, row: int):
    """学生详细成绩 of one row of the graduate list."""
    return render_template("graduate.html", review_id=review_id, row=row)


@bp.get("/reviews/<review_id>/certificates")
@page
def certificates(review_id: str):
    """证书编号 of a review."""
    return render_template("certificates.html", review_id=review_id)


@bp.get("/reviews/<review_id>/print")
@page
def print_page(review_id: str):
    """打印证书与表格: printer, calibration, test print, batch, jobs followed live, reprint, forms."""
    return render_template("print.html", review_id=review_id)


@bp.get("/admin/print-sites")
@page
def print_sites():
    """打印点管理 (province admin): register a site and show its agent's settings once; printers; revoke."""
    return render_template("print_sites.html")


@bp.get("/verify")
def verify():
    """毕业证书查询: public, no sign-in."""
    return render_template("verify.html")


def page_for(*roles: str) -> Callable:
    """A page for signed-in users holding one of `roles`; others are told it is not for them (403)."""
    def decorate(view: Callable) -> Callable:
        @page
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not has_role(*roles):
                return render_template("forbidden.html"), 403
            return view(*args, **kwargs)
        return wrapper
    return decorate


@bp.get("/season")
@page_for(*SEASON_ROLES)
def season():
    """毕业季总览: every school of the subtree with its review's state, counts and deadlines; totals."""
    return render_template("season.html", this_year=dt.date.today().year)


@bp.get("/graduates")
@page_for(*SEARCH_ROLES)
def graduates():
    """查找毕业生: by name or ID number across the subtree, with the review and certificate."""
    return render_template("graduates.html")


@bp.get("/admin/orgs")
@page_for(PROVINCE_ADMIN, ORG_ADMIN)
def admin_orgs():
    """机构管理: the organisation tree; the province admin creates and edits organisations."""
    return render_template("admin_orgs.html")


@bp.get("/admin/users")
@page_for(PROVINCE_ADMIN, ORG_ADMIN)
def admin_users():
    """账号管理: accounts of the subtree; create, edit roles, disable, reset password, unlock."""
    return render_template("admin_users.html")


@bp.get("/admin/calendar")
@page_for(PROVINCE_ADMIN)
def admin_calendar():
    """工作日历: the province's added workdays and holidays."""
    return render_template("admin_calendar.html", this_year=dt.date.today().year)


@bp.get("/admin/audit")
@page_for(PROVINCE_ADMIN)
def admin_audit():
    """操作日志: every change, filterable."""
    return render_template("admin_audit.html")


@bp.get("/admin/messages")
@page_for(PROVINCE_ADMIN)
def admin_messages():
    """消息处理故障: dead-lettered messages with their errors, replayed or discarded; domain errors given up on."""
    return render_template("admin_messages.html")
