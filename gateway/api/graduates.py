"""Finding a graduate (?q= a name or its start, or a whole ID number) in the reviews of the caller's
subtree, with the certificate each listing got. Read-only: nothing is audited, ID numbers are masked."""
from flask import Blueprint, jsonify, request

from gateway import access
from gateway.auth import login_required
from gateway.inputs import rpc
from gateway.roles import SEARCH_ROLES
from services.common.idnumber import mask

bp = Blueprint("graduates", __name__, url_prefix="/api/v1")



def certificate_of(listing: dict, certificates: dict[str, list[dict]]) -> dict | None:
    """The certificate this listing (review and person) got: the valid one, else the newest voided one."""
    own = [c for c in certificates.get(listing["id_number"], []) if c["review_id"] == listing["review_id"]]
    if not own:
        return None
    chosen = next((c for c in own if c["status"] == "valid"), own[0])
    return {k: chosen[k] for k in ("number", "status", "issue_date")}


@bp.get("/graduates")
@login_required(*SEARCH_ROLES)
def search():
    """Find graduates by name (exact or its start, 2 characters or more) or a whole ID number, newest review first."""
    found = rpc().review.search_graduates(access.visible_school_codes(), request.args.get("q", ""))  # at most 50
    certificates = rpc().numbering.certificates_of_people(sorted({f["id_number"] for f in found})) if found else {}
    return jsonify([{**f, "id_number": mask(f["id_number"]), "certificate": certificate_of(f, certificates)}
                    for f in found])
