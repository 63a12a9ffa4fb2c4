"""Who may see and change which school's data."""
from flask import current_app, g

from gateway import audit
from gateway import orgs as org_tree
from gateway.db import connect
from gateway.roles import SCHOOL_GRADUATION_MANAGER
from services.common.errors import BadInput, Forbidden, NotFound


def visible_school(code: str) -> dict:
    with connect() as conn:
        org = org_tree.require_visible(conn, code, g.org)
    if org["kind"] != "school":
        raise BadInput(f"“{org['name']}”不是学校")
    return org


def school_for_change(code: str) -> dict:
    """The school, if the caller manages its graduation data (its own graduation manager)."""
    school = visible_school(code)
    if SCHOOL_GRADUATION_MANAGER not in g.user["roles"] or g.org["code"] != school["code"]:
        raise Forbidden("只有本校的毕业管理员可以导入和修改本校的毕业数据")
    return school


def require_visible_school(school_code: str) -> None:
    """404 unless the caller's subtree holds the school (for reviews and other school records)."""
    path = org_path(school_code)
    if path is None or not path.startswith(g.org["path"]):
        raise NotFound("找不到该记录，或您无权查看")


def org_path(code: str) -> str | None:
    """An organisation's place in the tree. Organisations are never moved or deleted, so a path
    once read is remembered for the life of the process (unknown codes are asked again)."""
    paths = current_app.extensions.setdefault("org_paths", {})
    if code not in paths:
        with connect() as conn:
            org = org_tree.get(conn, code)
        if org is None:
            return None
        paths[code] = org["path"]
    return paths[code]


def actor() -> dict:
    """The acting account, as forms and history record it."""
    return {"username": g.user["username"], "name": g.user["name"], "phone": g.user["phone"],
            "org_code": g.org["code"], "org_name": g.org["name"], "roles": list(g.user["roles"])}


def visible_school_codes() -> list[str]:
    """Every school in the caller's subtree."""
    with connect() as conn:
        return [o["code"] for o in org_tree.subtree(conn, g.org) if o["kind"] == "school"]


def record_reveal(target: str, school_code: str, name: str) -> None:
    """Audit that the caller was shown one whole ID number."""
    with connect() as conn:
        audit.record(conn, g.user, "id_number.reveal", target, {"school_code": school_code, "name": name})
