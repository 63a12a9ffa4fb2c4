"""A season at a glance: every review of a year and season for a set of schools, in one statement.

The dashboard states a page shows are coarser than the review's own states (states.py): a draft is
`school_editing`, or `returned` once a level has returned it (its round is past 1); every pending
level is `waiting` (with the level in `waiting_for`); an issued review is `graduated`. The gateway
adds the schools without a review (`not_started`) from the organisation tree.
"""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.review import deadlines, machine, states

NOT_STARTED = "not_started"
# The dashboard states, in the order a season moves through them, with their Chinese names.
DASHBOARD_STATES = [
    (NOT_STARTED, "未开始"),
    ("school_editing", "学校编辑中"),
    ("returned", "已退回修改"),
    ("waiting", "待审核"),
    ("approved", "省级审核通过（待发编号）"),
    ("numbered", "已发证书编号"),
    ("printed", "已打印"),
    ("stamped", "已验印（待标记毕业）"),
    ("graduated", "已标记毕业"),
]
STATE_NAMES = dict(DASHBOARD_STATES)
AFTER_APPROVAL = {states.APPROVED: "approved", states.NUMBERED: "numbered", states.PRINTED: "printed",
                  states.STAMPED: "stamped", states.ISSUED: "graduated"}

# One row per review: the list's counts (kept on the review by the triggers of migration 0012), when
# the review entered its status (the last history row that changed the status to it), and, for a
# draft after a return, the last return with its reason.
SEASON_SQL = sa.text("""
    SELECT r.id, r.school_code, r.school_name, r.kind, r.status, r.round, r.chain, r.chain_pos,
           r.stamping_org_code, r.total, r.verified, r.stamped_at, r.created_at,
           r.qualified, r.unqualified,
           s.at AS since, ret.by_name AS returned_by, ret.org AS returned_org, ret.at AS returned_at,
           ret.reason AS returned_reason
    FROM review.reviews r
    LEFT JOIN LATERAL (
        SELECT at FROM review.history
        WHERE review_id = r.id AND to_status = r.status AND from_status IS DISTINCT FROM to_status
        ORDER BY id DESC LIMIT 1) s ON true
    LEFT JOIN LATERAL (
        SELECT by_name, org, at, reason FROM review.history
        WHERE review_id = r.id AND action = 'return'
        ORDER BY id DESC LIMIT 1) ret ON r.status = 'draft' AND r.round > 1
    WHERE r.year = :year AND r.season = :season AND r.school_code = ANY(:codes)
    ORDER BY r.school_code, r.created_at""")


def dashboard_state(status: str, round_: int) -> str:
    """The dashboard state of a review in `status`, returned `round_ - 1` times so far."""
    if status == states.DRAFT:
        return "returned" if round_ > 1 else "school_editing"
    if status == states.SUBMITTED or machine.is_pending(status):
        return "waiting"
    return AFTER_APPROVAL[status]


def acting(review: dict) -> str | None:
    """The organisation whose move it is: the school while it edits, prints or marks the cohort
    graduated; the chain's level while pending; the stamping unit once printed. None while numbers
    are being issued and once the cohort is graduated. (`waiting_for` is the level alone.)"""
    status = review["status"]
    if status in (states.DRAFT, states.NUMBERED, states.STAMPED):
        return review["school_code"]
    if machine.is_pending(status) and review["chain_pos"] is not None:
        return review["chain"][review["chain_pos"]]["code"]
    if status == states.PRINTED:
        return review["stamping_org_code"]
    return None


def season_reviews(session: Session, school_codes: list[str], year: int, season: str, today: dt.date) -> list[dict]:
    """Every review of these schools for the year and season, with its dashboard state, counts,
    when it entered its status, the last return (if returned) and the graduation deadline (if stamped)."""
    if not school_codes:
        return []
    rows = session.execute(SEASON_SQL, {"year": year, "season": season, "codes": list(school_codes)}).mappings()
    days = None
    result = []
    for r in rows:
        state = dashboard_state(r["status"], r["round"])
        deadline = None
        if r["status"] == states.STAMPED and r["stamped_at"] is not None:
            days = deadlines.overrides(session) if days is None else days
            deadline = deadlines.deadline(r["stamped_at"].date(), today, days)
        returned = None
        if state == "returned" and r["returned_at"] is not None:
            returned = {"by": r["returned_by"], "org": r["returned_org"], "at": r["returned_at"].isoformat(),
                        "reason": r["returned_reason"]}
        result.append({
            "review_id": r["id"], "school_code": r["school_code"], "school_name": r["school_name"],
            "kind": r["kind"], "status": r["status"], "status_name": states.NAMES.get(r["status"], r["status"]),
            "state": state, "waiting_for": acting(r) if state == "waiting" else None, "acting": acting(r),
            "since": r["since"].isoformat() if r["since"] else None,
            "listed": r["total"], "qualified": r["qualified"], "unqualified": r["unqualified"],
            "verification": "done" if r["verified"] >= r["total"] else "running",
            "deadline": deadline, "returned": returned,
            "created_at": r["created_at"].isoformat(),
        })
    return result
