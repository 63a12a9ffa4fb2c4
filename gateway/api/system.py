"""Health and the published OpenAPI description."""
import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from gateway.openapi import build_spec
from gateway.vocabulary import vocabulary

bp = Blueprint("system", __name__, url_prefix="/api/v1")


@bp.get("/health")
def health():
    """Reachability of the database and of every service."""
    try:
        with current_app.extensions["db"].connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unreachable"
    services = current_app.extensions["rpc"].ping_all()
    healthy = database == "ok" and all(v == "ok" for v in services.values())
    body = {"status": "ok" if healthy else "degraded", "database": database, "services": services}
    return jsonify(body), 200 if healthy else 503


@bp.get("/openapi.json")
def openapi():
    """This API as OpenAPI 3."""
    return jsonify(build_spec(current_app))


@bp.get("/vocabulary")
def names():
    """The names and orders pages show: review states, history actions, roles, kinds of organisation,
    course categories (in the forms' order), seasons and review kinds."""
    response = jsonify(vocabulary())
    response.cache_control.max_age = 300
    return response
