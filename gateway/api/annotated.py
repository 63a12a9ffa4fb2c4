"""A refused import's file handed back with its errors marked (gateway.annotated_files)."""
from flask import Blueprint

from gateway import annotated_files
from gateway.auth import login_required

bp = Blueprint("annotated", __name__, url_prefix="/api/v1")


@bp.get("/annotated-files/<token>")
@login_required()
def annotated_file(token: str):
    """The clerk's own file with the bad cells highlighted and a 错误说明 column (kept a day)."""
    return annotated_files.send(token)
