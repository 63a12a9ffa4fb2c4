"""The organisation tree: province → city → county → school, with schools also directly under a
city or the province. Each org stores its materialised path (`/61/6105/`), so a subtree is a
prefix match and a chain is the path read backwards."""
import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gateway.tables import orgs
from services.common.errors import BadInput, Conflict, NotFound

KINDS = {"province": "省教育厅", "city": "市教育局", "county": "县区教育局", "school": "学校"}
ALLOWED_PARENTS = {
    "province": set(),
    "city": {"province"},
    "county": {"city"},
    "school": {"province", "city", "county"},
}
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
UNIT_RE = re.compile(r"^\d{2}$")


def get(conn: Connection, code: str) -> dict | None:
    row = conn.execute(sa.select(orgs).where(orgs.c.code == code)).mappings().first()
    return dict(row) if row else None


def create(conn: Connection, data: dict) -> dict:
    """Insert an organisation after checking its place in the tree; raises BadInput/Conflict."""
    code = str(data.get("code") or "").strip()
    name = str(data.get("name") or "").strip()
    kind = data.get("kind")
    parent_code = data.get("parent_code") or None
    unit = data.get("stamping_unit_code") or None
    if not CODE_RE.match(code):
        raise BadInput("机构代码只能由字母、数字、下划线或短横线组成，长度1-32")
    if not name:
        raise BadInput("请填写机构名称")
    if kind not in KINDS:
        raise BadInput("机构类型(kind)只能是 province、city、county 或 school")
    if unit is not None and not UNIT_RE.match(str(unit)):
        raise BadInput("验印单位编号应为2位数字，例如“05”")
    reviews = data.get("reviews_graduation")
    if reviews is None:
        reviews = kind != "school"
    if kind == "province":
        if parent_code:
            raise BadInput("省级机构没有上级机构")
        if conn.execute(sa.select(orgs.c.code).where(orgs.c.kind == "province")).first():
            raise Conflict("本系统已有省级机构，一个系统只服务一个省")
        path = f"/{code}/"
    else:
        parent = get(conn, parent_code) if parent_code else None
        if parent is None:
            raise BadInput(f"上级机构“{parent_code or ''}”不存在")
        if parent["kind"] not in ALLOWED_PARENTS[kind]:
            raise BadInput(f"{KINDS[kind]}不能设在{KINDS[parent['kind']]}之下")
        path = f"{parent['path']}{code}/"
    if get(conn, code):
        raise Conflict(f"机构代码“{code}”已被使用")
    if unit and conn.execute(sa.select(orgs.c.code).where(orgs.c.stamping_unit_code == unit)).first():
        raise Conflict(f"验印单位编号“{unit}”已被使用")
    row = dict(code=code, name=name, kind=kind, parent_code=parent_code,
               reviews_graduation=bool(reviews), stamping_unit_code=unit, path=path)
    conn.execute(orgs.insert().values(**row))
    return get(conn, code)


def in_subtree(org: dict, root: dict) -> bool:
    return org["path"].startswith(root["path"])


def subtree(conn: Connection, root: dict) -> list[dict]:
    rows = conn.execute(
        sa.select(orgs).where(orgs.c.path.startswith(root["path"], autoescape=True)).order_by(orgs.c.path)
    ).mappings()
    return [dict(r) for r in rows]


def ancestors(conn: Connection, org: dict) -> list[dict]:
    """The org's ancestors, nearest first."""
    codes = [c for c in org["path"].strip("/").split("/")][:-1]
    if not codes:
        return []
    rows = {r["code"]: dict(r) for r in conn.execute(sa.select(orgs).where(orgs.c.code.in_(codes))).mappings()}
    return [rows[c] for c in reversed(codes)]


def review_chain(conn: Connection, school: dict) -> list[dict]:
    """The levels that review a school's graduation, nearest first, always ending at the province."""
    if school["kind"] != "school":
        raise BadInput(f"“{school['name']}”不是学校")
    up = ancestors(conn, school)
    return [o for o in up if o["reviews_graduation"] or o["kind"] == "province"]


def stamping_unit(conn: Connection, school: dict) -> dict | None:
    """The nearest stamping unit at or above the school."""
    for org in [school, *ancestors(conn, school)]:
        if org["stamping_unit_code"]:
            return org
    return None


def require_visible(conn: Connection, code: str, viewer_org: dict) -> dict:
    """The org if the viewer's subtree holds it; a 404 otherwise (never reveal what exists)."""
    org = get(conn, code)
    if org is None or not in_subtree(org, viewer_org):
        raise NotFound(f"找不到机构“{code}”，或您无权查看")
    return org


def public_view(org: dict) -> dict:
    return {k: org[k] for k in ("code", "name", "kind", "parent_code", "reviews_graduation", "stamping_unit_code")}
