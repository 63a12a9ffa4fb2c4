"""Certificate numbers of a review, corrections, and the public verification (API.md)."""
import re

from flask import Blueprint, g, jsonify, request

from gateway import access, audit
from gateway.api.reviews import review_for_viewer
from gateway.auth import login_required
from gateway.db import connect
from gateway.inputs import optional_json_body, rpc
from gateway.ratelimit import hit
from gateway.roles import CERTIFICATE_CORRECTION_ROLES, ID_REVEAL_ROLES
from services.common.errors import BadInput, Conflict, NotFound
from services.common.idnumber import mask

bp = Blueprint("certificates", __name__, url_prefix="/api/v1")

NUMBER_RE = re.compile(r"^\d{11}$")
VERIFY_LIMIT = 30  # per client address per minute


@bp.get("/reviews/<review_id>/certificates")
@login_required()
def review_certificates(review_id: str):
    """The review's certificate numbers and issue dates, in list order (empty until issued); each valid
    one with the corrections (`actions`: reissue, void) the caller may make."""
    review_for_viewer(review_id)
    corrections = ["reissue", "void"] if CERTIFICATE_CORRECTION_ROLES & set(g.user["roles"]) else []
    return jsonify([
        {**{k: c[k] for k in ("number", "name", "major_name", "issue_date", "seq", "status", "void_reason",
                              "replaces")},
         "id_number": mask(c["id_number"]), "actions": corrections if c["status"] == "valid" else []}
        for c in issued(review_id)])


def issued(review_id: str) -> list[dict]:
    result = rpc().numbering.certificates(review_id)
    if result["failure"]:
        raise Conflict(result["failure"])
    return result["certificates"]


@bp.post("/reviews/<review_id>/certificates/<number>/id-number")
@login_required(*ID_REVEAL_ROLES)
def reveal_id_number(review_id: str, number: str):
    """The whole ID number on one certificate of the review, on an explicit request; audited."""
    review = review_for_viewer(review_id)
    found = next((c for c in issued(review_id) if c["number"] == number), None)
    if found is None:
        raise NotFound(f"本审核中没有证书编号{number}")
    access.record_reveal(f"certificate:{number}", review["school_code"], found["name"])
    return jsonify({"number": number, "name": found["name"], "id_number": found["id_number"]})


def reason_given(what: str) -> str:
    reason = str(optional_json_body().get("reason") or "").strip()
    if not reason:
        raise BadInput(f"请写明{what}原因")
    return reason


@bp.post("/certificates/<number>/reissue")
@login_required(*CERTIFICATE_CORRECTION_ROLES)
def reissue(number: str):
    """A correction: the number is voided with its reason and the student gets a new one."""
    reason = reason_given("更正")
    result = rpc().numbering.reissue(number, reason, access.actor())
    with connect() as conn:
        audit.record(conn, g.user, "certificate.reissue", number, {"reason": reason, "new_number": result["number"]})
    return jsonify(result)


@bp.post("/certificates/<number>/void")
@login_required(*CERTIFICATE_CORRECTION_ROLES)
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
