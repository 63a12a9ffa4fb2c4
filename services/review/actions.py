"""Applying an action to a review: check, change, record history, and announce — one transaction.

The review row is locked first, so two reviewers acting at once are served one after the other:
the second finds the state already moved on and gets 409 or 403, never a second approval.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from services.common import events
from services.common.errors import Conflict, NotFound
from services.review import machine, states
from services.review.tables import graduates, history, level_approvals, major_approvals, reviews
from services.review.views import approved_majors, load


def majors_of(session: Session, review: dict) -> dict[str, str]:
    """{major_code: major_name} of the review's qualified students."""
    rows = session.execute(
        sa.select(graduates.c.student["major_code"].astext, graduates.c.student["major_name"].astext)
        .where(graduates.c.review_id == review["id"], graduates.c.verdict == "qualified").distinct())
    return dict(rows.all())


def record(session: Session, review: dict, actor: dict, to_status: str, action: str, reason: str | None) -> None:
    session.execute(history.insert().values(
        review_id=review["id"], by_name=actor["name"], by_username=actor["username"], org=actor["org_name"],
        from_status=review["status"], to_status=to_status, action=action, reason=reason))


def _set(session: Session, review: dict, **values) -> None:
    session.execute(reviews.update().where(reviews.c.id == review["id"]).values(updated_at=sa.func.now(), **values))


def progress(session: Session, review: dict) -> machine.Progress:
    """The acting level's progress, from the tables (the view reads the same from itself)."""
    level = machine.acting_level(review)
    approved = approved_majors(session, review, level) if level else set()
    majors = majors_of(session, review)
    return machine.Progress(verified=review["verified"] >= review["total"],
                            majors={code: (name, code in approved) for code, name in majors.items()},
                            by_school=review["status"] == states.DRAFT)


def judge(session: Session, review_id: str, action: str, actor: dict,
          major_code: str | None = None) -> tuple[dict, machine.Progress]:
    """Lock the review and judge the request by the machine's rules (the same the view's `actions`
    are computed by); returns the locked review and its progress, or raises what the API answers."""
    if action not in machine.ACTIONS:
        raise NotFound(f"没有“{action}”这个操作")
    review = load(session, review_id, lock=True)
    machine.check(action, review, machine.Actor.of(actor))
    done = progress(session, review)
    machine.check_ready(action, done, major_code)
    return review, done


def act(session: Session, review_id: str, action: str, actor: dict, major_code: str | None = None,
        reason: str | None = None) -> tuple[str, dict] | None:
    """Apply `action`; returns the (event, payload) it announces, if any: REVIEW_APPROVED when the
    province's approval completes the chain, COHORT_GRADUATED when the school marks it graduated."""
    if action == machine.REVERIFY:  # it needs the registry and numbering again: roster runs it
        raise Conflict("重新核验请使用 POST /api/v1/reviews/{id}/reverify（页面上的“重新核验”按钮）")
    review, done = judge(session, review_id, action, actor, major_code)
    level = machine.acting_level(review)
    if action == machine.APPROVE_MAJOR:
        return _approve_major(session, review, actor, level, major_code, done.majors[major_code][0])
    if action == machine.SUBMIT:
        status, pos = machine.after_submit(review)
        record(session, review, actor, status, action, None)
        submitter = {k: actor[k] for k in ("username", "name", "phone", "org_name")}
        _set(session, review, status=status, chain_pos=pos, submitted_by=submitter, submitted_at=sa.func.now())
        return None
    if action == machine.APPROVE:
        status, pos = machine.after_approve(review)
        session.execute(level_approvals.insert().values(
            review_id=review["id"], generation=review["generation"], round=review["round"], level_code=level,
            by_name=actor["name"], by_phone=actor["phone"], org=actor["org_name"]))
        record(session, review, actor, status, action, None)
        _set(session, review, status=status, chain_pos=pos)
        return (events.REVIEW_APPROVED, approved_payload(session, review)) if status == states.APPROVED else None
    if action == machine.RETURN:
        text = machine.require_reason(reason)
        record(session, review, actor, states.DRAFT, action, text)
        _set(session, review, status=states.DRAFT, chain_pos=None, round=review["round"] + 1)
        return None
    follow = {machine.MARK_PRINTED: (states.PRINTED, {}),
              machine.STAMP: (states.STAMPED, {"stamped_at": sa.func.now()}),
              machine.MARK_GRADUATED: (states.ISSUED, {"graduated_at": sa.func.now()})}
    status, extra = follow[action]
    record(session, review, actor, status, action, reason)
    _set(session, review, status=status, **extra)
    if action == machine.MARK_GRADUATED:
        ids = session.execute(sa.select(graduates.c.id_number).where(
            graduates.c.review_id == review["id"], graduates.c.verdict == "qualified")).scalars().all()
        return events.COHORT_GRADUATED, {"review_id": review["id"], "school_code": review["school_code"],
                                         "id_numbers": list(ids)}
    return None


def _approve_major(session: Session, review: dict, actor: dict, level: str, major_code: str, major_name: str) -> None:
    inserted = session.execute(insert(major_approvals).values(
        review_id=review["id"], generation=review["generation"], round=review["round"], level_code=level,
        major_code=major_code, by_name=actor["name"], by_username=actor["username"], by_phone=actor["phone"],
        org=actor["org_name"]).on_conflict_do_nothing()).rowcount
    if inserted and review["status"] == states.DRAFT:
        record(session, review, actor, review["status"], "confirm_major",
               f"{major_name}（{major_code}）毕业生资格审核表经学校确认")
    elif inserted:
        record(session, review, actor, review["status"], machine.APPROVE_MAJOR,
               f"{major_name}（{major_code}）毕业生资格审核表审核通过")
    return None


def approved_payload(session: Session, review: dict) -> dict:
    """What numbering needs: the qualified students in list (enrollment) order."""
    rows = session.execute(
        sa.select(graduates.c.seq, graduates.c.row, graduates.c.id_number, graduates.c.name,
                  graduates.c.student["major_name"].astext.label("major_name"))
        .where(graduates.c.review_id == review["id"], graduates.c.verdict == "qualified")
        .order_by(graduates.c.seq)).all()
    return {"review_id": review["id"], "generation": review["generation"], "school_code": review["school_code"],
            "school_name": review["school_name"], "year": review["year"],
            "stamping_unit_code": review["stamping_unit_code"],
            "students": [{"seq": i, "row": r.row, "id_number": r.id_number, "name": r.name,
                          "major_name": r.major_name} for i, r in enumerate(rows, start=1)]}


def mark_numbered(session: Session, review_id: str, count: int, refused: list[dict]) -> None:
    """Numbers were issued. Students refused one (they already hold a valid certificate) become
    unqualified with numbering's reason, and the history says who and why."""
    review = load(session, review_id, lock=True)
    if review["status"] != states.APPROVED:
        return
    for refusal in refused:
        session.execute(graduates.update()
                        .where(graduates.c.review_id == review_id, graduates.c.row == refusal["row"])
                        .values(verdict="unqualified", scores=None,
                                reasons=sa.func.coalesce(graduates.c.reasons, sa.cast([], JSONB))
                                + sa.cast([refusal["reason"]], JSONB)))
    system = {"name": "系统", "username": "system", "org_name": "证书编号"}
    text = f"已发放{count}个毕业证书编号"
    if refused:
        who = "、".join(f"第{r['row']}行{r['name']}" for r in refused)
        text += f"；{len(refused)}人已有有效毕业证书，未再发放编号：{who}"
    if count:
        record(session, review, system, states.NUMBERED, "numbered", text)
        _set(session, review, status=states.NUMBERED)
    else:
        record(session, review, system, states.APPROVED, "numbering_refused", text)
        _set(session, review)
