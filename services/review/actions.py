"""Applying an action to a review: check, change, record history, and announce — one transaction.

The review row is locked first, so two reviewers acting at once are served one after the other:
the second finds the state already moved on and gets 409 or 403, never a second approval.

Each action is one declared step (STEPS) that `act` drives the same way: the machine judges the
request (machine.check, machine.check_ready) and names the state it leads to (machine.after); the
step adds the review's other columns, the rows it writes, its history entry and the event it announces.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from services.common import events
from services.common.errors import Conflict, NotFound
from services.review import machine, states
from services.review.tables import graduates, history, level_approvals, major_approvals, reviews
from services.review.views import approved_majors, load


@dataclass(frozen=True)
class Request:
    """An action the machine let through, with what applying it needs."""
    action: str
    review: dict           # the locked review as it was before the action
    actor: dict
    level: str | None      # the acting level (machine.acting_level)
    major_code: str | None
    major_name: str | None
    reason: str | None     # as given


@dataclass(frozen=True)
class Announcement:
    """The event an action publishes when it brings the review to `on`, and the payload it carries."""
    event: str
    on: str
    payload: Callable[[Session, dict], dict]


def _no_fields(request: Request) -> dict:
    return {}


@dataclass(frozen=True)
class Step:
    """How an action the machine allowed is applied, besides moving the review to machine.after's state."""
    entry: Callable[[Request], tuple[str, str | None]]  # its history entry (action, reason); may refuse the request
    fields: Callable[[Request], dict] = _no_fields       # the review's other columns it sets
    writes: Callable[[Session, Request], bool] | None = None  # rows it adds; False when they were there (no entry)
    announces: Announcement | None = None


def _entry(request: Request) -> tuple[str, str | None]:
    return request.action, None


def _entry_with_given_reason(request: Request) -> tuple[str, str | None]:
    return request.action, request.reason


def _entry_with_written_reason(request: Request) -> tuple[str, str | None]:
    return request.action, machine.require_reason(request.reason)


def _major_table_entry(request: Request) -> tuple[str, str | None]:
    table = f"{request.major_name}（{request.major_code}）毕业生资格审核表"
    if request.review["status"] == states.DRAFT:
        return "confirm_major", f"{table}经学校确认"
    return machine.APPROVE_MAJOR, f"{table}审核通过"


def _submitted_by(request: Request) -> dict:
    return {"submitted_by": {k: request.actor[k] for k in ("username", "name", "phone", "org_name")},
            "submitted_at": sa.func.now()}


def _now(column: str) -> Callable[[Request], dict]:
    return lambda request: {column: sa.func.now()}


def _approve_major_table(session: Session, request: Request) -> bool:
    review, actor = request.review, request.actor
    return bool(session.execute(insert(major_approvals).values(
        review_id=review["id"], generation=review["generation"], round=review["round"], level_code=request.level,
        major_code=request.major_code, by_name=actor["name"], by_username=actor["username"], by_phone=actor["phone"],
        org=actor["org_name"]).on_conflict_do_nothing()).rowcount)


def _approve_level(session: Session, request: Request) -> bool:
    review, actor = request.review, request.actor
    session.execute(level_approvals.insert().values(
        review_id=review["id"], generation=review["generation"], round=review["round"], level_code=request.level,
        by_name=actor["name"], by_phone=actor["phone"], org=actor["org_name"]))
    return True


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


def graduated_payload(session: Session, review: dict) -> dict:
    """What the registry needs to mark the cohort graduated: the qualified students' ID numbers."""
    ids = session.execute(sa.select(graduates.c.id_number).where(
        graduates.c.review_id == review["id"], graduates.c.verdict == "qualified")).scalars().all()
    return {"review_id": review["id"], "school_code": review["school_code"], "id_numbers": list(ids)}


# Every action `act` applies, as one declared step.
STEPS: dict[str, Step] = {
    machine.APPROVE_MAJOR: Step(_major_table_entry, writes=_approve_major_table),
    machine.SUBMIT: Step(_entry, fields=_submitted_by),
    machine.APPROVE: Step(_entry, writes=_approve_level,
                          announces=Announcement(events.REVIEW_APPROVED, states.APPROVED, approved_payload)),
    machine.RETURN: Step(_entry_with_written_reason),
    machine.MARK_PRINTED: Step(_entry_with_given_reason),
    machine.STAMP: Step(_entry_with_given_reason, fields=_now("stamped_at")),
    machine.MARK_GRADUATED: Step(_entry_with_given_reason, fields=_now("graduated_at"),
                                 announces=Announcement(events.COHORT_GRADUATED, states.ISSUED, graduated_payload)),
}
# The actions `act` does not apply, and where they are applied instead.
APPLIED_ELSEWHERE = {
    # it needs the registry and numbering again: roster runs it (reverification.py)
    machine.REVERIFY: "重新核验请使用 POST /api/v1/reviews/{id}/reverify（页面上的“重新核验”按钮）",
}


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
    return machine.Progress.of(review["status"], review["verified"] >= review["total"], majors_of(session, review),
                               approved_majors(session, review, level) if level else set())


def judge(session: Session, review_id: str, action: str, actor: dict,
          major_code: str | None = None) -> tuple[dict, machine.Progress]:
    """Lock the review and judge the request by the machine's rules (the same the view's `actions`
    are computed by); returns the locked review and its progress, or raises what the API answers."""
    if action not in machine.ACTIONS:
        raise NotFound(f"没有“{action}”这个操作")
    review = load(session, review_id, lock=True)
    machine.check(action, review, machine.Actor.of(actor))
    done = progress(session, review)
    machine.check_ready(action, review, done, major_code)
    return review, done


def act(session: Session, review_id: str, action: str, actor: dict, major_code: str | None = None,
        reason: str | None = None) -> tuple[str, dict] | None:
    """Apply `action` by its step; returns the (event, payload) it announces, if any: REVIEW_APPROVED
    when the province's approval completes the chain, COHORT_GRADUATED when the school marks it graduated."""
    if action in APPLIED_ELSEWHERE:
        raise Conflict(APPLIED_ELSEWHERE[action])
    review, done = judge(session, review_id, action, actor, major_code)
    step = STEPS[action]
    major_name = done.majors[major_code][0] if major_code in done.majors else None
    request = Request(action, review, actor, machine.acting_level(review), major_code, major_name, reason)
    entry_action, entry_reason = step.entry(request)  # a return without its reason is refused here, before any write
    changes = {**machine.after(action, review), **step.fields(request)}
    to_status = changes.get("status", review["status"])
    if step.writes is None or step.writes(session, request):
        record(session, review, actor, to_status, entry_action, entry_reason)
    if changes:
        _set(session, review, **changes)
    if step.announces and to_status == step.announces.on:
        return step.announces.event, step.announces.payload(session, review)
    return None


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
