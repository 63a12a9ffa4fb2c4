"""Sign-in, organisations and users (API.md "Accounts and organisations")."""
from flask import Blueprint, current_app, g, jsonify, request

from gateway import accounts, audit
from gateway import orgs as org_tree
from gateway.auth import Unauthorized, login_required, token_ttl
from gateway.db import connect
from gateway.roles import PROVINCE_ADMIN
from services.common.errors import BadInput, Forbidden

bp = Blueprint("accounts", __name__, url_prefix="/api/v1")


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("请求体应为JSON对象")
    return body


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
    return jsonify({"token": token, "expires_in": token_ttl(), "user": accounts.public_view(user)})


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
    """The organisations the caller may see: its own and everything below it."""
    with connect() as conn:
        return jsonify([org_tree.public_view(o) for o in org_tree.subtree(conn, g.org)])


@bp.get("/orgs/<code>")
@login_required()
def get_org(code: str):
    """One organisation, with a school's review chain and stamping unit."""
    with connect() as conn:
        org = org_tree.require_visible(conn, code, g.org)
        view = org_tree.public_view(org)
        if org["kind"] == "school":
            view["review_chain"] = [
                {"code": o["code"], "name": o["name"], "kind": o["kind"]} for o in org_tree.review_chain(conn, org)
            ]
            unit = org_tree.stamping_unit(conn, org)
            view["stamping_unit"] = (
                {"org_code": unit["code"], "name": unit["name"], "code": unit["stamping_unit_code"]} if unit else None
            )
    return jsonify(view)


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


@bp.get("/users")
@login_required()
def list_users():
    """Accounts of the caller's organisation and below."""
    with connect() as conn:
        codes = [o["code"] for o in org_tree.subtree(conn, g.org)]
        return jsonify([accounts.public_view(u) for u in accounts.list_users(conn, codes)])
