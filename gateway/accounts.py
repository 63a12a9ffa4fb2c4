"""Users, passwords, bearer tokens and login throttling."""
import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from werkzeug.security import check_password_hash, generate_password_hash

from gateway import orgs as org_tree
from gateway.roles import ORG_ADMIN, PROVINCE_ADMIN, ROLE_KINDS
from gateway.tables import login_failures, orgs, tokens, users
from services.common.errors import BadInput, Conflict, Forbidden, ServiceError

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 8


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"


class BadCredentials(ServiceError):
    status = 401
    code = "unauthorized"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise BadInput(f"密码至少{MIN_PASSWORD}位")


def get_user(conn: Connection, user_id: int) -> dict | None:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
    return dict(row) if row else None


def create_user(conn: Connection, data: dict, creator: dict | None) -> dict:
    """Create a user; `creator` None means the operator's command line (province admin set-up)."""
    username = str(data.get("username") or "").strip()
    name = str(data.get("name") or "").strip()
    phone = str(data.get("phone") or "").strip()
    roles = data.get("roles") or []
    if not USERNAME_RE.match(username):
        raise BadInput("用户名只能由字母、数字和 _ . @ - 组成，长度2-64")
    if not name:
        raise BadInput("请填写真实姓名：审核表上的经办人、填表人取自账号姓名")
    if not phone:
        raise BadInput("请填写联系电话：验印审核表上的联系电话取自账号")
    _check_password_rules(data.get("password"))
    if not isinstance(roles, list) or not roles:
        raise BadInput("请至少指定一个角色")
    org = org_tree.get(conn, data.get("org_code") or "")
    if org is None:
        raise BadInput(f"机构“{data.get('org_code') or ''}”不存在")
    for role in roles:
        if role not in ROLE_KINDS:
            raise BadInput(f"未知角色“{role}”")
        if org["kind"] not in ROLE_KINDS[role]:
            raise BadInput(f"角色“{role}”不能授予{org_tree.KINDS[org['kind']]}的账号")
    if creator is not None:
        _check_may_create(conn, creator, org, roles)
    if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
        raise Conflict(f"用户名“{username}”已被使用")
    user_id = conn.execute(users.insert().values(
        username=username, password_hash=generate_password_hash(data["password"]),
        name=name, phone=phone, org_code=org["code"], roles=roles,
    ).returning(users.c.id)).scalar_one()
    return get_user(conn, user_id)


def _check_may_create(conn: Connection, creator: dict, org: dict, roles: list[str]) -> None:
    if PROVINCE_ADMIN in creator["roles"]:
        return
    if ORG_ADMIN not in creator["roles"]:
        raise Forbidden("只有管理员可以创建账号")
    creator_org = org_tree.get(conn, creator["org_code"])
    if not org_tree.in_subtree(org, creator_org):
        raise Forbidden("只能为本单位及下属单位创建账号")


def set_admin(conn: Connection, username: str, password: str) -> dict:
    """Create or reset a province admin for the operator's `make admin` (no default password)."""
    _check_password_rules(password)
    province = conn.execute(sa.select(org_tree.orgs).where(org_tree.orgs.c.kind == "province")).mappings().first()
    existing = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    values = dict(password_hash=generate_password_hash(password), active=True)
    if existing:
        roles = sorted(set(existing["roles"]) | {PROVINCE_ADMIN})
        conn.execute(users.update().where(users.c.id == existing["id"]).values(roles=roles, **values))
        conn.execute(login_failures.delete().where(login_failures.c.username == username))
        return get_user(conn, existing["id"])
    user_id = conn.execute(users.insert().values(
        username=username, name="省级管理员", phone="-", roles=[PROVINCE_ADMIN],
        org_code=province["code"] if province else None, **values,
    ).returning(users.c.id)).scalar_one()
    return get_user(conn, user_id)


def attach_admins_to_province(conn: Connection, province_code: str) -> None:
    """Admins made before the province existed belong to it once it does."""
    conn.execute(users.update().where(users.c.org_code.is_(None)).values(org_code=province_code))


def check_throttle(conn: Connection, username: str, max_failures: int, lock_seconds: int) -> None:
    since = sa.func.now() - dt.timedelta(seconds=lock_seconds)
    failures = conn.execute(
        sa.select(sa.func.count()).select_from(login_failures)
        .where(login_failures.c.username == username, login_failures.c.at > since)
    ).scalar_one()
    if failures >= max_failures:
        minutes = max(1, lock_seconds // 60)
        raise TooManyAttempts(f"登录失败次数过多，账号已暂时锁定，请{minutes}分钟后再试")


def authenticate(conn: Connection, username: str, password: str, remote_addr: str | None) -> dict | None:
    """The user for these credentials, or None after recording the failure (the caller commits it)."""
    row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    if row and row["active"] and check_password_hash(row["password_hash"], password or ""):
        conn.execute(login_failures.delete().where(login_failures.c.username == username))
        return dict(row)
    conn.execute(login_failures.insert().values(username=username, remote_addr=remote_addr))
    return None


def issue_token(conn: Connection, user_id: int, ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    conn.execute(tokens.insert().values(
        token_hash=_hash_token(token), user_id=user_id,
        expires_at=sa.func.now() + dt.timedelta(seconds=ttl_seconds),
    ))
    return token


def user_for_token(conn: Connection, token: str) -> tuple[dict, dict | None] | None:
    """The token's active user and the user's organisation (None if it has none), in one query."""
    org_columns = [c.label(f"org__{c.name}") for c in orgs.c]
    row = conn.execute(
        sa.select(users, *org_columns).join(tokens, tokens.c.user_id == users.c.id)
        .outerjoin(orgs, orgs.c.code == users.c.org_code)
        .where(tokens.c.token_hash == _hash_token(token), tokens.c.expires_at > sa.func.now(), users.c.active)
    ).mappings().first()
    if row is None:
        return None
    user = {c.name: row[c.name] for c in users.c}
    org = {c.name: row[f"org__{c.name}"] for c in orgs.c} if row["org__code"] is not None else None
    return user, org


def revoke_token(conn: Connection, token: str) -> None:
    conn.execute(tokens.delete().where(tokens.c.token_hash == _hash_token(token)))


def public_view(user: dict) -> dict:
    return {k: user[k] for k in ("id", "username", "name", "phone", "org_code", "roles")}


def list_users(conn: Connection, org_codes: list[str]) -> list[dict]:
    rows = conn.execute(sa.select(users).where(users.c.org_code.in_(org_codes)).order_by(users.c.id)).mappings()
    return [dict(r) for r in rows]


def get_user_by_name(conn: Connection, username: str) -> dict | None:
    row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    return dict(row) if row else None


def reset_password(conn: Connection, username: str, password: str) -> None:
    _check_password_rules(password)
    conn.execute(users.update().where(users.c.username == username)
                 .values(password_hash=generate_password_hash(password)))
    conn.execute(login_failures.delete().where(login_failures.c.username == username))
