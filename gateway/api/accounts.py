"""Sign-in, organisations and users (API.md "Accounts and organisations")."""
from flask import Blueprint, current_app, g, jsonify, request, session
from sqlalchemy.engine import Connection

from gateway import accounts, audit
from gateway import orgs as org_tree
from gateway.auth import Unauthorized, login_required, token_ttl
from gateway.db import connect
from gateway.inputs import json_body
from gateway.roles import ORG_ADMIN, PROVINCE_ADMIN
from services.common.errors import BadInput, Forbidden

bp = Blueprint("accounts", __name__, url_prefix="/api/v1")


def sign_in(username: str, password: str) -> dict:
    """The user for these credentials, with throttling after repeated failures."""
    cfg = current_app.config
    with connect() as conn:
        accounts.check_throttle(conn, username, int(cfg["LOGIN_MAX_FAILURES"]), int(cfg["LOGIN_LOCK_SECONDS"]))
        user = accounts.authenticate(conn, username, password, request.remote_addr)
    if user is None:  # the failure is committed above, so it counts towards the lock
        raise accounts.BadCredentials("用户名或密码错误")
    return user


@bp.post("/auth/token")
def create_token():
    """Exchange a username and password for a bearer token."""
    body = json_body()
    user = sign_in(str(body.get("username") or ""), str(body.get("password") or ""))
    with connect() as conn:
        token = accounts.issue_token(conn, user["id"], token_ttl())
    return jsonify({"token": token, "expires_in": token_ttl(), "user": accounts.public_view(user),
                    "must_change_password": bool(user["must_change_password"])})


@bp.get("/me")
@login_required()
def me():
    """The signed-in user and their organisation."""
    return jsonify({"user": accounts.public_view(g.user), "org": org_tree.public_view(g.org)})


@bp.post("/orgs")
def create_org():
    """Create an organisation (province admin)."""
    body = json_body()
    with connect() as conn:
        if g.user is None:
            raise Unauthorized("请先以省级管理员登录")
        if PROVINCE_ADMIN not in g.user["roles"]:
            raise Forbidden("只有省级管理员可以创建机构")
        if g.org is None and body.get("kind") != "province":
            raise BadInput("请先创建省级机构")
        org = org_tree.create(conn, body)
        if org["kind"] == "province":
            accounts.attach_admins_to_province(conn, org["code"])
        audit.record(conn, g.user, "org.create", org["code"], org_tree.public_view(org))
    return jsonify(org_tree.public_view(org)), 201


@bp.get("/orgs")
@login_required()
def list_orgs():
    """The organisations the caller may see (its own and below); schools with review chain and stamping unit."""
    with connect() as conn:
        return jsonify(org_tree.subtree_views(conn, g.org))


@bp.get("/orgs/<code>")
@login_required()
def get_org(code: str):
    """One organisation, with a school's review chain and stamping unit."""
    with connect() as conn:
        org = org_tree.require_visible(conn, code, g.org)
        if org["kind"] == "school":
            return jsonify(org_tree.school_view(org, org_tree.ancestors(conn, org)))
    return jsonify(org_tree.public_view(org))


@bp.patch("/orgs/<code>")
@login_required(PROVINCE_ADMIN)
def update_org(code: str):
    """Change an organisation (province admin); code, kind and parent_code cannot change.

    Body: any of name, reviews_graduation, stamping_unit_code ("2 digits" or null), contact_name, contact_phone.
    """
    body = json_body()
    with connect() as conn:
        org = org_tree.require_visible(conn, code, g.org)
        org, before, after = org_tree.update(conn, org, body)
        if after:
            audit.record(conn, g.user, "org.update", code, {"before": before, "after": after})
        if org["kind"] == "school":
            return jsonify(org_tree.school_view(org, org_tree.ancestors(conn, org)))
    return jsonify(org_tree.public_view(org))


@bp.post("/users")
@login_required()
def create_user():
    """Create an account (province admin, or an org admin within its subtree)."""
    body = json_body()
    with connect() as conn:
        user = accounts.create_user(conn, body, g.user)
        audit.record(conn, g.user, "user.create", user["username"],
                     {"org_code": user["org_code"], "roles": user["roles"]})
    return jsonify(accounts.public_view(user)), 201


def user_views(conn: Connection, users: list[dict]) -> list[dict]:
    """Accounts as the API shows them, with `locked`: failed sign-ins within LOGIN_LOCK_SECONDS have
    reached LOGIN_MAX_FAILURES (the rule sign-in applies)."""
    cfg = current_app.config
    failures = accounts.recent_failures(conn, [u["username"] for u in users], int(cfg["LOGIN_LOCK_SECONDS"]))
    return [dict(accounts.public_view(u), locked=failures.get(u["username"], 0) >= int(cfg["LOGIN_MAX_FAILURES"]))
            for u in users]


@bp.get("/users")
@login_required()
def list_users():
    """Accounts of the caller's organisation and below, with active, locked and must_change_password."""
    with connect() as conn:
        codes = [o["code"] for o in org_tree.subtree(conn, g.org)]
        return jsonify(user_views(conn, accounts.list_users(conn, codes)))


@bp.patch("/users/<username>")
@login_required(PROVINCE_ADMIN, ORG_ADMIN)
def update_user(username: str):
    """Change an account {name, phone, roles, active} (province admin, or org admin within its subtree).

    Deactivating signs the account out everywhere.
    """
    body = json_body()
    with connect() as conn:
        user, org = accounts.require_manageable(conn, username, g.user, g.org)
        user, before, after = accounts.update_user(conn, user, org, body, g.user)
        if after:
            audit.record(conn, g.user, "user.update", username, {"before": before, "after": after})
        return jsonify(user_views(conn, [user])[0])


@bp.post("/users/<username>/reset-password")
@login_required(PROVINCE_ADMIN, ORG_ADMIN)
def reset_password(username: str):
    """Give an account a one-time password {password}, shown only in this answer; its sessions end.

    The user must choose a new password at the next sign-in (must_change_password).
    """
    with connect() as conn:
        user, _ = accounts.require_manageable(conn, username, g.user, g.org)
        password = accounts.set_one_time_password(conn, user)
        audit.record(conn, g.user, "user.reset_password", username, {"must_change_password": True})
    return jsonify({"password": password})


@bp.post("/users/<username>/unlock")
@login_required(PROVINCE_ADMIN, ORG_ADMIN)
def unlock_user(username: str):
    """Unlock an account locked by failed sign-ins (its failures are forgotten)."""
    with connect() as conn:
        user, _ = accounts.require_manageable(conn, username, g.user, g.org)
        cleared = accounts.clear_failures(conn, username)
        audit.record(conn, g.user, "user.unlock", username, {"failures_cleared": cleared})
        return jsonify(user_views(conn, [user])[0])


@bp.post("/me/password")
@login_required()
def change_my_password():
    """The signed-in user changes their password {old_password, new_password}; other sessions end."""
    body = json_body()
    with connect() as conn:
        user = change_password(conn, body.get("old_password"), body.get("new_password"))
    return jsonify(accounts.public_view(user))


def change_password(conn: Connection, old_password: object, new_password: object) -> dict:
    """Change the signed-in user's password and audit it; the session or token in use stays valid."""
    header = request.headers.get("Authorization", "")
    current = header[7:].strip() if header.startswith("Bearer ") else session.get("token")
    user = accounts.change_password(conn, g.user, old_password, new_password, keep_token=current)
    audit.record(conn, g.user, "user.password_changed", user["username"], {})
    return user
