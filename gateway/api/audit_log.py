"""The gateway's audit log, for the province admin: who changed what, newest first, paged by id."""
import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, jsonify, request

from gateway.auth import login_required
from gateway.db import connect
from gateway.roles import PROVINCE_ADMIN
from gateway.tables import audit_log
from services.common.errors import BadInput

bp = Blueprint("audit_log", __name__, url_prefix="/api/v1")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
CHINA = dt.timezone(dt.timedelta(hours=8))  # dates in filters are the province's own (UTC+8, no summer time)


def positive_int(name: str) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) < 1:
        raise BadInput(f"{name} 应为正整数")
    return int(value)


def moment(name: str, end_of_day: bool) -> dt.datetime | None:
    """A filter's date (a whole day, in China time) or date and time, as an aware datetime; with end_of_day,
    the first moment after it (the day, or the time, is included)."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            start = dt.datetime.combine(day, dt.time(), CHINA)
            return start + dt.timedelta(days=1) if end_of_day else start
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name} 应为日期，例如 2027-10-08（也可带时间：2027-10-08T14:30）") from None
    at = at if at.tzinfo else at.replace(tzinfo=CHINA)
    return at + dt.timedelta(microseconds=1) if end_of_day else at


@bp.get("/audit")
@login_required(PROVINCE_ADMIN)
def list_audit():
    """The audit log, newest first (province admin): {entries, next_before_id}.

    Filters: action (exact, or a prefix ending in "." such as "user."), username, org_code (the actor's
    organisation), target, since and until (dates, both inclusive, China time). Paged by limit (default 50,
    at most 500) and before_id (the previous page's next_before_id).
    """
    limit = min(positive_int("limit") or DEFAULT_LIMIT, MAX_LIMIT)
    before_id = positive_int("before_id")
    since, until = moment("since", end_of_day=False), moment("until", end_of_day=True)
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit + 1)
    action = (request.args.get("action") or "").strip()
    if action.endswith("."):
        query = query.where(audit_log.c.action.startswith(action, autoescape=True))
    elif action:
        query = query.where(audit_log.c.action == action)
    for field in ("username", "org_code", "target"):
        value = (request.args.get(field) or "").strip()
        if value:
            query = query.where(audit_log.c[field] == value)
    if since:
        query = query.where(audit_log.c.at >= since)
    if until:
        query = query.where(audit_log.c.at < until)
    if before_id:
        query = query.where(audit_log.c.id < before_id)
    with connect() as conn:
        rows = conn.execute(query).mappings().all()
    entries = [{"id": r["id"], "at": r["at"].astimezone(CHINA).isoformat(), "username": r["username"],
                "org_code": r["org_code"], "action": r["action"], "target": r["target"], "details": r["details"]}
               for r in rows[:limit]]
    return jsonify({"entries": entries, "next_before_id": entries[-1]["id"] if len(rows) > limit else None})
