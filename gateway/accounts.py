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
from gateway.token_cache import SignedIn
from services.common.errors import BadInput, Conflict, Forbidden, NotFound, ServiceError

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 8
# one-time passwords: read out over the telephone or copied from a screen, so nothing that looks alike
# (no 0/o, 1/l/i, no capitals); 12 characters of 31 are about 59 bits
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ADMIN_ROLES = (PROVINCE_ADMIN, ORG_ADMIN)


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"


class BadCredentials(ServiceError):
    status = 401
    code = "unauthorized"


def hash_token(token: str) -> str:
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
    org = org_tree.get(conn, data.get("org_code") or "")
    if org is None:
        raise BadInput(f"机构“{data.get('org_code') or ''}”不存在")
    _check_roles(roles, org["kind"])
    if creator is not None:
        _check_may_create(conn, creator, org, roles)
    if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
        raise Conflict(f"用户名“{username}”已被使用")
    user_id = conn.execute(users.insert().values(
        username=username, password_hash=generate_password_hash(data["password"]),
        name=name, phone=phone, org_code=org["code"], roles=roles,
    ).returning(users.c.id)).scalar_one()
    return get_user(conn, user_id)


def _check_roles(roles: object, org_kind: str) -> None:
    if not isinstance(roles, list) or not roles:
        raise BadInput("请至少指定一个角色")
    for role in roles:
        if role not in ROLE_KINDS:
            raise BadInput(f"未知角色“{role}”")
        if org_kind not in ROLE_KINDS[role]:
            raise BadInput(f"角色“{role}”不能授予{org_tree.KINDS[org_kind]}的账号")


def _check_may_create(conn: Connection, creator: dict, org: dict, roles: list[str], verb: str = "创建") -> None:
    if PROVINCE_ADMIN in creator["roles"]:
        return
    if ORG_ADMIN not in creator["roles"]:
        raise Forbidden(f"只有管理员可以{verb}账号")
    creator_org = org_tree.get(conn, creator["org_code"])
    if not org_tree.in_subtree(org, creator_org):
        raise Forbidden(f"只能为本单位及下属单位{verb}账号")


def set_admin(conn: Connection, username: str, password: str) -> dict:
    """Create or reset a province admin for the operator's `make admin` (no default password)."""
    _check_password_rules(password)
    province = conn.execute(sa.select(org_tree.orgs).where(org_tree.orgs.c.kind == "province")).mappings().first()
    existing = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    values = dict(password_hash=generate_password_hash(password), active=True, must_change_password=False)
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


def recent_failures(conn: Connection, usernames: list[str], lock_seconds: int) -> dict[str, int]:
    """Failed sign-ins within the lock period, per username (those without any are left out)."""
    since = sa.func.now() - dt.timedelta(seconds=lock_seconds)
    rows = conn.execute(
        sa.select(login_failures.c.username, sa.func.count()).select_from(login_failures)
        .where(login_failures.c.username.in_(usernames), login_failures.c.at > since)
        .group_by(login_failures.c.username)
    )
    return {username: n for username, n in rows}


def check_throttle(conn: Connection, username: str, max_failures: int, lock_seconds: int) -> None:
    failures = recent_failures(conn, [username], lock_seconds).get(username, 0)
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
        token_hash=hash_token(token), user_id=user_id,
        expires_at=sa.func.now() + dt.timedelta(seconds=ttl_seconds),
    ))
    return token


# Built once: the lookup runs on every request, and building the statement cost more than running it.
_ORG_COLUMNS = [c.label(f"org__{c.name}") for c in orgs.c]
_USER_FOR_TOKEN = (
    sa.select(users, *_ORG_COLUMNS, tokens.c.expires_at.label("token__expires_at"))
    .join(tokens, tokens.c.user_id == users.c.id)
    .outerjoin(orgs, orgs.c.code == users.c.org_code)
    .where(tokens.c.token_hash == sa.bindparam("token_hash"), tokens.c.expires_at > sa.func.now(), users.c.active)
)


def signed_in(conn: Connection, token_hash: str) -> SignedIn | None:
    """The token's active user, the user's organisation (None if it has none) and the token's end,
    in one query."""
    row = conn.execute(_USER_FOR_TOKEN, {"token_hash": token_hash}).mappings().first()
    if row is None:
        return None
    user = {c.name: row[c.name] for c in users.c}
    org = {c.name: row[f"org__{c.name}"] for c in orgs.c} if row["org__code"] is not None else None
    return SignedIn(user, org, row["token__expires_at"].timestamp())


def revoke_token(conn: Connection, token: str) -> None:
    conn.execute(tokens.delete().where(tokens.c.token_hash == hash_token(token)))


def revoke_tokens(conn: Connection, user_id: int, keep: str | None = None) -> None:
    """Sign the user out everywhere (except the session of token `keep`)."""
    query = tokens.delete().where(tokens.c.user_id == user_id)
    if keep:
        query = query.where(tokens.c.token_hash != hash_token(keep))
    conn.execute(query)


def public_view(user: dict) -> dict:
    return {k: user[k] for k in ("id", "username", "name", "phone", "org_code", "roles", "active",
                                 "must_change_password")}


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


def require_manageable(conn: Connection, username: str, actor: dict, actor_org: dict) -> tuple[dict, dict | None]:
    """The account and its organisation, if the actor administers it: a province admin, or an org admin for
    accounts in its subtree (as for creating). 404 for an account outside the actor's subtree."""
    user = get_user_by_name(conn, username)
    org = org_tree.get(conn, user["org_code"]) if user and user["org_code"] else None
    visible = user is not None and (
        org_tree.in_subtree(org, actor_org) if org else actor_org["kind"] == "province")
    if not visible:
        raise NotFound(f"找不到账号“{username}”，或您无权管理")
    _check_may_create(conn, actor, org or actor_org, [], verb="管理")
    return user, org


def update_user(conn: Connection, user: dict, org: dict | None, data: dict, actor: dict) -> tuple[dict, dict, dict]:
    """Change an account's name, phone, roles or active flag; returns (user, before, after) of the
    changed fields. Deactivating signs the account out everywhere."""
    allowed = ("name", "phone", "roles", "active")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise BadInput(f"不能修改字段：{'、'.join(unknown)}；可修改的字段为 {'、'.join(allowed)}"
                       "（密码请用“重置密码”，机构不能更改）")
    changes: dict = {}
    for field, message in (("name", "请填写真实姓名：审核表上的经办人、填表人取自账号姓名"),
                           ("phone", "请填写联系电话：验印审核表上的联系电话取自账号")):
        if field in data:
            value = data[field].strip() if isinstance(data[field], str) else ""
            if not value:
                raise BadInput(message)
            changes[field] = value
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise BadInput("active 应为 true（启用）或 false（停用）")
        changes["active"] = data["active"]
    if "roles" in data:
        roles = data["roles"]
        _check_roles(roles, org["kind"] if org else "province")
        changes["roles"] = list(dict.fromkeys(roles))
    if "roles" in changes and set(changes["roles"]) == set(user["roles"]):
        del changes["roles"]
    changes = {k: v for k, v in changes.items() if v != user[k]}
    if "roles" in changes:
        granted_or_removed = set(changes["roles"]) ^ set(user["roles"])
        if PROVINCE_ADMIN in granted_or_removed and PROVINCE_ADMIN not in actor["roles"]:
            raise Forbidden("只有省级管理员可以授予或取消省级管理员角色")
        if user["id"] == actor["id"] and any(r in user["roles"] and r not in changes["roles"] for r in ADMIN_ROLES):
            raise Forbidden("不能取消自己的管理员角色；请由另一位管理员操作")
    if changes.get("active") is False and user["id"] == actor["id"]:
        raise Forbidden("不能停用自己的账号；请由另一位管理员操作")
    if changes:
        conn.execute(users.update().where(users.c.id == user["id"]).values(**changes))
        if changes.get("active") is False:
            revoke_tokens(conn, user["id"])
    return get_user(conn, user["id"]), {k: user[k] for k in changes}, changes


def one_time_password() -> str:
    """A random password to read out once: three groups of four, e.g. `k7mq-3xtd-9hwa`."""
    return "-".join("".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(3))


def set_one_time_password(conn: Connection, user: dict) -> str:
    """Give the account a new random password it must change at its next sign-in; its sessions and
    tokens end and its failed sign-ins are forgotten. The password is returned, never stored in clear."""
    password = one_time_password()
    conn.execute(users.update().where(users.c.id == user["id"]).values(
        password_hash=generate_password_hash(password), must_change_password=True))
    revoke_tokens(conn, user["id"])
    clear_failures(conn, user["username"])
    return password


def clear_failures(conn: Connection, username: str) -> int:
    """Forget the account's failed sign-ins (unlocks it); returns how many there were."""
    return conn.execute(login_failures.delete().where(login_failures.c.username == username)).rowcount


def change_password(conn: Connection, user: dict, old_password: object, new_password: object,
                    keep_token: str | None) -> dict:
    """The signed-in user chooses a new password: the old one must be right and the new one follow the
    rules. Other sessions and tokens of the account end; `keep_token`'s stays."""
    current = get_user(conn, user["id"])
    if not isinstance(old_password, str) or not check_password_hash(current["password_hash"], old_password):
        raise BadInput("原密码不正确")
    if not isinstance(new_password, str):
        raise BadInput(f"新密码至少{MIN_PASSWORD}位")
    _check_password_rules(new_password)
    if new_password == old_password:
        raise BadInput("新密码不能与原密码相同")
    conn.execute(users.update().where(users.c.id == user["id"]).values(
        password_hash=generate_password_hash(new_password), must_change_password=False))
    revoke_tokens(conn, user["id"], keep=keep_token)
    return get_user(conn, user["id"])
