"""Who is calling: a bearer token (API clients) or a session cookie with CSRF protection (web UI)."""
import functools
from collections.abc import Callable

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect

from gateway import accounts
from gateway.db import read_once
from gateway.token_cache import SignedIn
from services.common.errors import Forbidden, ServiceError

csrf = CSRFProtect()

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# All an account holding a one-time password may do until it has chosen its own.
ONE_TIME_PASSWORD_ALLOWS = {"accounts.me", "accounts.change_my_password"}


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def load_user() -> None:
    """Resolve g.user and g.org for this request; cookie-authenticated writes must carry CSRF."""
    g.user = g.org = None
    header = request.headers.get("Authorization", "")
    token = None
    if header.startswith("Bearer "):
        token = header[7:].strip()
    elif session.get("token"):
        token = session["token"]
        if request.method in UNSAFE:
            csrf.protect()
    if not token:
        return
    token_hash = accounts.hash_token(token)

    def load() -> SignedIn | None:
        with read_once() as conn:
            return accounts.signed_in(conn, token_hash)

    found = current_app.extensions["token_cache"].lookup(token_hash, load)
    if found is None:
        if header:
            raise Unauthorized("登录已过期或令牌无效，请重新登录")
        session.pop("token", None)
        return
    g.user, g.org = found.user, found.org


def login_required(*roles: str) -> Callable:
    """The view needs a signed-in user, holding one of `roles` when any are given."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if g.get("user") is None:
                raise Unauthorized("请先登录")
            if roles and not set(roles) & set(g.user["roles"]):
                raise Forbidden("您的账号没有执行此操作的权限")
            if g.org is None:
                raise Forbidden("您的账号尚未归属任何机构，请先创建省级机构")
            if g.user["must_change_password"] and request.endpoint not in ONE_TIME_PASSWORD_ALLOWS:
                raise Forbidden("您正在使用管理员重置的一次性密码，请先修改密码"
                                "（POST /api/v1/me/password，或在网页上登录）")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def token_ttl() -> int:
    return int(current_app.config["TOKEN_TTL_SECONDS"])
