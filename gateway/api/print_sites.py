"""Print sites (API.md "Print sites"): registered by the province, listed with their printers, revoked;
and the parts of a site's print job, fetched by its agent with the job's token."""
from flask import Blueprint, g, jsonify, request

from gateway import access, audit
from gateway import orgs as org_tree
from gateway.auth import login_required
from gateway.db import connect
from gateway.inputs import json_body, rpc
from gateway.rendered import send_rendered
from gateway.roles import PROVINCE_ADMIN, SCHOOL_GRADUATION_MANAGER
from services.common.errors import Forbidden, NotFound

bp = Blueprint("print_sites", __name__, url_prefix="/api/v1")

TOKEN_HEADER = "X-Print-Job-Token"


def serving_orgs(conn, org: dict) -> list[str]:
    """The organisations whose sites may print for `org`: itself and everything above it."""
    return [org["code"], *(o["code"] for o in org_tree.ancestors(conn, org))]


def printing_school(school_code: str) -> dict:
    """The school, if the caller prints its certificates: its own graduation manager, or a bureau above
    it that runs a print site and prints for its schools."""
    school = access.visible_school(school_code)  # 404 outside the caller's subtree
    if g.org["code"] == school["code"] and SCHOOL_GRADUATION_MANAGER in g.user["roles"]:
        return school
    if g.org["kind"] in ("city", "county") and rpc().printing.print_sites([g.org["code"]]):
        return school
    raise Forbidden("只有本校的毕业管理员，或设有打印点、为本校代印证书的教育局，可以打印毕业证书")


def site_for_school(site_id: str, school: dict) -> dict:
    """The site, if it serves the school (its organisation is the school or above it); 404 otherwise."""
    try:
        site = rpc().printing.print_site(site_id)
    except NotFound:
        site = None
    with connect() as conn:
        allowed = serving_orgs(conn, school)
    if site is None or site["revoked"] or site["org_code"] not in allowed:
        raise NotFound("找不到该打印点，或它不为本校打印")
    return site


@bp.post("/print-sites")
@login_required(PROVINCE_ADMIN)
def register():
    """Register a print site for an organisation {org_code, name}; the agent's credentials are shown once."""
    body = json_body('{"org_code","name"}')
    with connect() as conn:
        org = org_tree.require_visible(conn, str(body.get("org_code") or ""), g.org)
    site = rpc().printing.register_site(org["code"], str(body.get("name") or ""), {"username": g.user["username"]})
    with connect() as conn:
        audit.record(conn, g.user, "print_site.create", site["site_id"],
                     {"org_code": org["code"], "name": site["name"]})
    return jsonify(site), 201


@bp.get("/print-sites")
@login_required()
def listing():
    """Sites that print for the caller's organisation or within its subtree: printers, online, last seen."""
    with connect() as conn:
        codes = serving_orgs(conn, g.org) + [o["code"] for o in org_tree.subtree(conn, g.org)]
    return jsonify(rpc().printing.print_sites(sorted(set(codes))))


@bp.delete("/print-sites/<site_id>")
@login_required(PROVINCE_ADMIN)
def revoke(site_id: str):
    """Revoke a site at once: its agent is disconnected and can fetch nothing more."""
    site = rpc().printing.revoke_site(site_id, {"username": g.user["username"]})
    with connect() as conn:
        audit.record(conn, g.user, "print_site.revoke", site_id, {"org_code": site["org_code"], "name": site["name"]})
    return jsonify(site)


@bp.get("/print-jobs/<job_id>/parts/<int:part>.pdf")
def job_part(job_id: str, part: int):
    """One part of a site's print job, for its agent (header X-Print-Job-Token); no session."""
    token = request.headers.get(TOKEN_HEADER, "")
    done = rpc().with_timeout(120).printing.job_part(job_id, part, token)
    return send_rendered(done["path"], done["filename"], "pdf")
