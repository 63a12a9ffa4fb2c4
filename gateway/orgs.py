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
    contact_name, contact_phone = _contact(data, "contact_name"), _contact(data, "contact_phone")
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
               reviews_graduation=bool(reviews), stamping_unit_code=unit, path=path,
               contact_name=contact_name, contact_phone=contact_phone)
    conn.execute(orgs.insert().values(**row))
    return get(conn, code)


def _contact(data: dict, field: str) -> str | None:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        raise BadInput(f"{field} 应为文字")
    return (value or "").strip() or None


UPDATABLE = ("name", "reviews_graduation", "stamping_unit_code", "contact_name", "contact_phone")
FIXED = {"code": "机构代码", "kind": "机构类型", "parent_code": "上级机构"}


def update(conn: Connection, org: dict, data: dict) -> tuple[dict, dict, dict]:
    """Change an organisation's name, review duty, stamping-unit code or contact; its code, kind and
    place in the tree stay. Returns (org, before, after) with before/after holding the changed fields."""
    unknown = sorted(set(data) - set(UPDATABLE) - set(FIXED))
    if unknown:
        raise BadInput(f"不能修改字段：{'、'.join(unknown)}；可修改的字段为 {'、'.join(UPDATABLE)}")
    for field, label in FIXED.items():
        if field in data and (data[field] or None) != org[field]:
            raise BadInput(f"{label}({field})不能修改；如需调整，请新建机构")
    changes: dict = {}
    if "name" in data:
        name = data["name"].strip() if isinstance(data["name"], str) else ""
        if not name:
            raise BadInput("请填写机构名称")
        changes["name"] = name
    if "reviews_graduation" in data:
        if not isinstance(data["reviews_graduation"], bool):
            raise BadInput("reviews_graduation 应为 true（参与毕业审核）或 false")
        changes["reviews_graduation"] = data["reviews_graduation"]
    if "stamping_unit_code" in data:
        unit = data["stamping_unit_code"] or None
        if unit is not None and not (isinstance(unit, str) and UNIT_RE.match(unit)):
            raise BadInput("验印单位编号应为2位数字，例如“05”；不再是验印单位时填 null")
        changes["stamping_unit_code"] = unit
    for field in ("contact_name", "contact_phone"):
        if field in data:
            changes[field] = _contact(data, field)
    changes = {k: v for k, v in changes.items() if v != org[k]}
    unit = changes.get("stamping_unit_code")
    if unit and conn.execute(sa.select(orgs.c.code).where(orgs.c.stamping_unit_code == unit)).first():
        raise Conflict(f"验印单位编号“{unit}”已被使用")
    if changes:
        conn.execute(orgs.update().where(orgs.c.code == org["code"]).values(**changes))
    return get(conn, org["code"]), {k: org[k] for k in changes}, changes


def in_subtree(org: dict, root: dict) -> bool:
    return org["path"].startswith(root["path"])


def subtree(conn: Connection, root: dict) -> list[dict]:
    rows = conn.execute(
        sa.select(orgs).where(orgs.c.path.startswith(root["path"], autoescape=True)).order_by(orgs.c.path)
    ).mappings()
    return [dict(r) for r in rows]


def _ancestor_codes(org: dict) -> list[str]:
    """The codes above the org, nearest first."""
    return list(reversed(org["path"].strip("/").split("/")[:-1]))


def ancestors(conn: Connection, org: dict) -> list[dict]:
    """The org's ancestors, nearest first."""
    codes = _ancestor_codes(org)
    if not codes:
        return []
    rows = {r["code"]: dict(r) for r in conn.execute(sa.select(orgs).where(orgs.c.code.in_(codes))).mappings()}
    return [rows[c] for c in codes]


def _chain(up: list[dict]) -> list[dict]:
    return [o for o in up if o["reviews_graduation"] or o["kind"] == "province"]


def _unit(school: dict, up: list[dict]) -> dict | None:
    for org in [school, *up]:
        if org["stamping_unit_code"]:
            return org
    return None


def review_chain(conn: Connection, school: dict) -> list[dict]:
    """The levels that review a school's graduation, nearest first, always ending at the province."""
    if school["kind"] != "school":
        raise BadInput(f"“{school['name']}”不是学校")
    return _chain(ancestors(conn, school))


def stamping_unit(conn: Connection, school: dict) -> dict | None:
    """The nearest stamping unit at or above the school."""
    return _unit(school, ancestors(conn, school))


def school_view(school: dict, up: list[dict]) -> dict:
    """A school's public view with its review chain and stamping unit; `up` is its ancestors, nearest first."""
    view = public_view(school)
    view["review_chain"] = [{"code": o["code"], "name": o["name"], "kind": o["kind"]} for o in _chain(up)]
    unit = _unit(school, up)
    view["stamping_unit"] = (
        {"org_code": unit["code"], "name": unit["name"], "code": unit["stamping_unit_code"]} if unit else None
    )
    return view


def subtree_views(conn: Connection, root: dict) -> list[dict]:
    """Public views of the root's subtree in path order, schools with their chain and stamping unit,
    all from one read of the table (a province has some 300 schools)."""
    everything = {r["code"]: dict(r) for r in conn.execute(sa.select(orgs).order_by(orgs.c.path)).mappings()}
    below = [o for o in everything.values() if in_subtree(o, root)]
    return [school_view(o, [everything[c] for c in _ancestor_codes(o)]) if o["kind"] == "school" else public_view(o)
            for o in below]


def require_visible(conn: Connection, code: str, viewer_org: dict) -> dict:
    """The org if the viewer's subtree holds it; a 404 otherwise (never reveal what exists)."""
    org = get(conn, code)
    if org is None or not in_subtree(org, viewer_org):
        raise NotFound(f"找不到机构“{code}”，或您无权查看")
    return org


def public_view(org: dict) -> dict:
    return {k: org[k] for k in ("code", "name", "kind", "parent_code", "reviews_graduation", "stamping_unit_code",
                                "contact_name", "contact_phone")}
