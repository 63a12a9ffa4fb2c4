"""A review as the API shows it (API.md "Graduation reviews"); ID numbers whole, the gateway masks."""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common import records, vocab
from services.common.errors import NotFound
from services.review import machine, states
from services.review.changed import changed_rows
from services.review.tables import graduates, history, level_approvals, major_approvals, reviews


def load(session: Session, review_id: str, lock: bool = False) -> dict:
    return records.by_id(session, reviews, review_id, "找不到该毕业审核", lock)


def review_view(session: Session, review_id: str) -> dict:
    """The review as GET /reviews/{id} shows it."""
    return view_of(session, load(session, review_id))


def view_of(session: Session, review: dict) -> dict:
    """The view of a loaded review row, from its graduates, approvals and history."""
    review_id = review["id"]
    unqualified = [dict(r) for r in session.execute(
        sa.select(graduates.c.row, graduates.c.name, graduates.c.id_number, graduates.c.reasons)
        .where(graduates.c.review_id == review_id, graduates.c.verdict == "unqualified")
        .order_by(graduates.c.seq)).mappings()]
    code = graduates.c.student["major_code"].astext
    majors = {m.major_code: {"major_code": m.major_code, "major_name": m.major_name, "qualified": m.qualified,
                             "status": "pending"}
              for m in session.execute(
                  sa.select(code.label("major_code"),
                            sa.func.min(graduates.c.student["major_name"].astext).label("major_name"),
                            sa.func.count().label("qualified"))
                  .where(graduates.c.review_id == review_id, graduates.c.verdict == "qualified")
                  .group_by(code))}
    acting = machine.acting_level(review)
    acting_name = _acting_name(review, acting)
    approved_here = approved_majors(session, review, acting) if acting else set()
    for code, major in majors.items():
        major["status"] = "approved" if acting is None or code in approved_here else "pending"
        major["status_name"] = _major_status_name(review, acting_name, major["status"] == "approved")
    done = review["verified"]
    past = history_view(session, review_id)
    returned = states.is_returned(review)
    return {
        "id": review["id"],
        "school_code": review["school_code"],
        "school_name": review["school_name"],
        "year": review["year"],
        "season": review["season"],
        "kind": review["kind"],
        "status": review["status"],
        "status_name": states.name_of(review["status"], returned),
        "returned": _last_return(past) if returned else None,
        "generation": review["generation"],
        "chain": review["chain"],
        "chain_pos": review["chain_pos"],
        "verification": {"state": "done" if done >= review["total"] else "running",
                         "total": review["total"], "done": done},
        "qualified": sum(m["qualified"] for m in majors.values()),
        "unqualified": unqualified,
        "majors": sorted(majors.values(), key=lambda m: m["major_code"]),
        "history": past,
        "waiting_for": acting,
        "acting_name": acting_name,
        "has_certificates": review["status"] in states.AFTER_NUMBERING,
        "stamping_org_code": review["stamping_org_code"],
        "stamping_unit_code": review["stamping_unit_code"],
        "submitted_by": review["submitted_by"],
        "stamped_at": review["stamped_at"].isoformat() if review["stamped_at"] else None,
        "changed": changed_rows(session, review_id),  # who changed verdict at the last 重新核验
    }


def _acting_name(review: dict, acting: str | None) -> str | None:
    if acting is None:
        return None
    if acting == review["school_code"]:
        return review["school_name"]
    return next((o["name"] for o in review["chain"] if o["code"] == acting), acting)


def _major_status_name(review: dict, acting_name: str | None, approved: bool) -> str:
    """A major's table as pages name its state: the school confirms it, each level reviews it."""
    if acting_name is None:
        return "已审核通过"
    if review["status"] == states.DRAFT:
        return "学校已确认" if approved else "待学校确认"
    return f"{acting_name}已审核" if approved else f"待{acting_name}审核"


def _last_return(past: list[dict]) -> dict | None:
    """Who sent the review back, when and why (the latest return)."""
    back = next((h for h in reversed(past) if h["action"] == machine.RETURN), None)
    return {k: back[k] for k in ("by", "org", "at", "reason")} if back else None


def for_actor(view: dict, actor: dict) -> dict:
    """The view with what `actor` may do now (`actions`) and what unfinished work blocks (`blocked`),
    judged by the machine's rules from the view itself, as the request would be judged."""
    done = machine.Progress.of(view["status"], view["verification"]["state"] == "done",
                               {m["major_code"]: m["major_name"] for m in view["majors"]},
                               {m["major_code"] for m in view["majors"] if m["status"] == "approved"})
    may, blocked = machine.permitted(view, done, machine.Actor.of(actor))
    return {**view, "actions": may, "blocked": blocked}


def approved_majors(session: Session, review: dict, level: str) -> set[str]:
    """The majors whose tables `level` approved in the review's current generation and round."""
    return set(session.execute(sa.select(major_approvals.c.major_code).where(
        major_approvals.c.review_id == review["id"], major_approvals.c.generation == review["generation"],
        major_approvals.c.round == review["round"], major_approvals.c.level_code == level)).scalars())


def approvals(session: Session, review: dict, major_code: str | None = None) -> list[dict]:
    """Who approved, level by level, in this round: a major's table, or the whole review."""
    if major_code:
        table = major_approvals
        where = [major_approvals.c.major_code == major_code]
    else:
        table, where = level_approvals, []
    rows = session.execute(sa.select(table).where(
        table.c.review_id == review["id"], table.c.generation == review["generation"],
        table.c.round == review["round"], *where).order_by(table.c.at)).mappings()
    return [{"level_code": r["level_code"], "org": r["org"], "by": r["by_name"], "phone": r["by_phone"],
             "at": r["at"].isoformat()} for r in rows]


def history_view(session: Session, review_id: str) -> list[dict]:
    rows = session.execute(
        sa.select(history).where(history.c.review_id == review_id).order_by(history.c.id)
    ).mappings()
    return [{"at": h["at"].isoformat(), "by": h["by_name"], "org": h["org"], "from": h["from_status"],
             "to": h["to_status"], "action": h["action"], "reason": h["reason"]} for h in rows]


def major_table(session: Session, review_id: str, major_code: str) -> dict:
    """A major's qualification table (毕业生资格审核表): qualified students in list order."""
    review = load(session, review_id)
    rows = session.execute(
        sa.select(graduates).where(graduates.c.review_id == review_id, graduates.c.verdict == "qualified",
                                   graduates.c.student["major_code"].astext == major_code)
        .order_by(graduates.c.seq)
    ).mappings().all()
    if not rows:
        raise NotFound(f"本审核中没有专业代码为{major_code}的合格毕业生")
    categories: dict[str, None] = {}
    for r in rows:
        categories.update(dict.fromkeys(r["scores"]["categories"]))
    students = [{
        "seq": seq, "row": r["row"], "name": r["name"], "gender": r["gender"] or r["student"]["gender"],
        "id_number": r["id_number"], "birth_date": r["student"]["birth_date"],
        "political_status": r["student"]["political_status"], "class_name": r["student"]["class_name"],
        "enrolled_month": r["student"]["enrolled_month"], "schooling_years": r["student"]["schooling_years"],
        "mode": r["mode"], "scores": r["scores"]["categories"], "overall": r["scores"]["overall"],
        "overall_grade": r["scores"]["overall_grade"], "conduct_grade": r["scores"]["conduct_grade"],
        "internship_grade": r["scores"]["internship_grade"],
    } for seq, r in enumerate(rows, start=1)]
    first = rows[0]["student"]
    return {"review_id": review_id, "school_code": review["school_code"], "school_name": review["school_name"],
            "year": review["year"], "season": review["season"], "kind": review["kind"],
            "major_code": major_code, "major_name": first["major_name"],
            "schooling_years": first["schooling_years"], "categories": vocab.in_category_order(categories),
            "students": students,
            "approvals": approvals(session, review, major_code)}


def graduate(session: Session, review_id: str, row: int) -> dict:
    """One listed graduate with their registry snapshot (for the detail-grades view)."""
    load(session, review_id)
    found = session.execute(sa.select(graduates).where(graduates.c.review_id == review_id,
                                                       graduates.c.row == row)).mappings().first()
    if found is None:
        raise NotFound(f"名单中没有第{row}行")
    return dict(found)


def summary(session: Session, review_id: str) -> dict:
    """The 毕业证书验印审核表 as data: per major, listed and qualified counts; operator and approvals."""
    review = load(session, review_id)
    rows = session.execute(sa.text("""
        SELECT student->>'major_code' AS code, min(student->>'major_name') AS name,
               min((student->>'schooling_years')::int) AS years, min(student->>'education_level') AS level,
               count(*) AS listed, count(*) FILTER (WHERE verdict = 'qualified') AS qualified
        FROM review.graduates WHERE review_id = :id AND student IS NOT NULL
        GROUP BY 1 ORDER BY 1"""), {"id": review_id}).mappings().all()
    majors = [dict(r) for r in rows]
    return {
        "review_id": review_id, "school_code": review["school_code"], "school_name": review["school_name"],
        "year": review["year"], "season": review["season"], "kind": review["kind"], "status": review["status"],
        "majors": majors,
        "totals": {"listed": review["total"], "qualified": sum(m["qualified"] for m in majors),
                   "not_in_registry": review["total"] - sum(m["listed"] for m in majors)},
        "operator": review["submitted_by"],
        "submitted_at": review["submitted_at"].isoformat() if review["submitted_at"] else None,
        "approvals": approvals(session, review),
    }


def listing(session: Session, school_codes: list[str], filters: dict) -> list[dict]:
    """Reviews of these schools, newest first; `waiting_for` keeps those whose turn is that org's."""
    query = sa.select(reviews).where(reviews.c.school_code.in_(school_codes))
    for key in ("school_code", "season", "status", "kind"):
        if filters.get(key):
            query = query.where(reviews.c[key] == filters[key])
    if filters.get("year"):
        query = query.where(reviews.c.year == int(filters["year"]))
    rows = [dict(r) for r in session.execute(query.order_by(reviews.c.updated_at.desc()).limit(500)).mappings()]
    if filters.get("waiting_for"):
        rows = [r for r in rows if machine.acting_level(r) == filters["waiting_for"]]
    return [{"id": r["id"], "school_code": r["school_code"], "school_name": r["school_name"], "year": r["year"],
             "season": r["season"], "kind": r["kind"], "status": r["status"],
             "status_name": states.name_of(r["status"], states.is_returned(r)),
             "returned": states.is_returned(r), "waiting_for": machine.acting_level(r),
             "total": r["total"], "verified": r["verified"], "updated_at": r["updated_at"].isoformat()}
            for r in rows]
