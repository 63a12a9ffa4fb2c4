"""Certificate numbers of a review, corrections, and the public verification (API.md)."""
import re

from flask import Blueprint, current_app, g, jsonify, request

from gateway import access, audit
from gateway.api.reviews import review_for_viewer
from gateway.auth import login_required
from gateway.db import connect
from gateway.ratelimit import hit
from services.common.errors import BadInput, Conflict

bp = Blueprint("certificates", __name__, url_prefix="/api/v1")

NUMBER_RE = re.compile(r"^\d{11}$")
VERIFY_LIMIT = 30  # per client address per minute


def rpc():
    return current_app.extensions["rpc"]


@bp.get("/reviews/<review_id>/certificates")
@login_required()
def review_certificates(review_id: str):
    """The review's certificate numbers and issue dates, in list order (empty until issued)."""
    review_for_viewer(review_id)
    result = rpc().numbering.certificates(review_id)
    if result["failure"]:
        raise Conflict(result["failure"])
    return jsonify([
        {**{k: c[k] for k in ("number", "name", "major_name", "issue_date", "seq", "status", "void_reason",
                              "replaces")},
         "id_number": access.id_for_viewer(c["id_number"])}
        for c in result["certificates"]])


def reason_given(what: str) -> str:
    body = request.get_json(silent=True) or {}
    reason = str(body.get("reason") or "").strip() if isinstance(body, dict) else ""
    if not reason:
        raise BadInput(f"请写明{what}原因")
    return reason


@bp.post("/certificates/<number>/reissue")
@login_required("province_admin", "province_reviewer")
def reissue(number: str):
    """A correction: the number is voided with its reason and the student gets a new one."""
    reason = reason_given("更正")
    result = rpc().numbering.reissue(number, reason, access.actor())
    with connect() as conn:
        audit.record(conn, g.user, "certificate.reissue", number, {"reason": reason, "new_number": result["number"]})
    return jsonify(result)


@bp.post("/certificates/<number>/void")
@login_required("province_admin", "province_reviewer")
def void(number: str):
    """Void a number issued in error, with its reason; the person holds no valid certificate after it."""
    reason = reason_given("作废")
    result = rpc().numbering.void(number, reason, access.actor())
    with connect() as conn:
        audit.record(conn, g.user, "certificate.void", number, {"reason": reason})
    return jsonify(result)


def verify_number(number: str, name: str) -> dict:
    hit("verify", request.remote_addr or "-", VERIFY_LIMIT, 60)
    if not NUMBER_RE.match(number) or not name.strip():
        return {"valid": False}
    return rpc().numbering.verify(number, name)


@bp.get("/verify/<number>")
def verify(number: str):
    """Public: is this certificate number valid for this full name? Nothing else is disclosed."""
    return jsonify(verify_number(number, request.args.get("name", "")))
