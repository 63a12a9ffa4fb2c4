"""Opening a review from an imported graduate list, or rebuilding a draft one, in one transaction."""
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from services.common.errors import Conflict
from services.review import states
from services.review.tables import graduates, history, reviews

# The list goes to PostgreSQL as one JSON document (the rows as roster sent them), unpacked there.
STORE_ROWS = sa.text("""
    INSERT INTO review.graduates (review_id, row, generation, seq, name, gender, id_number, category, mode, student,
                                  intake_reasons, verdict, reasons, graded, list_reasons)
    SELECT :review_id, r.row, :generation, r.seq, r.name, r.gender, r.id_number, r.category, r.mode,
           r.student, r.reasons,
           CASE WHEN r.reasons <> '[]'::jsonb THEN 'unqualified' END,
           CASE WHEN r.reasons <> '[]'::jsonb THEN r.reasons END,
           r.student IS NULL, r.list_reasons
      FROM jsonb_to_recordset(:rows) AS r(row int, seq int, name text, gender text, id_number text, category text,
                                          mode text, student jsonb, reasons jsonb, list_reasons jsonb)
""").bindparams(sa.bindparam("rows", type_=JSONB))


def open_review(session: Session, request: dict, rows: list[dict]) -> dict:
    """Create the review (or replace a draft's list with `rebuild`); returns its id, generation and
    the rows grading must verify. Raises Conflict when the review exists and may not be replaced."""
    key = {k: request[k] for k in ("school_code", "year", "season", "kind")}
    existing = session.execute(
        sa.select(reviews).where(*(reviews.c[k] == v for k, v in key.items())).with_for_update()
    ).mappings().first()
    label = f"{request['year']}年{request['season']}{request['kind']}"
    if existing and not request["rebuild"]:
        raise Conflict(f"本校{label}的毕业审核已经存在。如需重新导入名单并重新核验，请勾选“允许重建”后再导入")
    if existing and existing["status"] != states.DRAFT:
        raise Conflict(f"本校{label}的毕业审核已提交（{states.NAMES.get(existing['status'], existing['status'])}），"
                       "不能重建；如需修改，请由审核单位退回后再重新导入")
    mark_listed_elsewhere(session, existing["id"] if existing else None, rows)
    settled = sum(1 for r in rows if r["student"] is None)
    values = dict(status=states.DRAFT, chain=request["chain"], chain_pos=None, school_name=request["school_name"],
                  stamping_unit_code=request["stamping_unit_code"], stamping_org_code=request.get("stamping_org_code"),
                  total=len(rows), verified=settled,
                  updated_at=sa.func.now())
    if existing:
        review_id, generation = existing["id"], existing["generation"] + 1
        session.execute(reviews.update().where(reviews.c.id == review_id).values(generation=generation, **values))
        session.execute(graduates.delete().where(graduates.c.review_id == review_id))
        action, from_status = "rebuild", existing["status"]
    else:
        review_id, generation = str(uuid.uuid4()), 1
        session.execute(reviews.insert().values(id=review_id, generation=generation, **key, **values))
        action, from_status = "create", None
    _store_rows(session, review_id, generation, rows)
    actor = request["actor"]
    session.execute(history.insert().values(
        review_id=review_id, by_name=actor["name"], by_username=actor["username"], org=actor["org_name"],
        from_status=from_status, to_status=states.DRAFT, action=action,
        reason=f"导入毕业生名单“{request['filename']}”，共{len(rows)}人",
    ))
    return {"review_id": review_id, "generation": generation, "to_verify": to_verify(rows)}


def to_verify(rows: list[dict]) -> list[dict]:
    """What grading verifies of the rows found in the registry (GRADUATE_LIST_IMPORTED's rows)."""
    return [{"row": r["row"], "id_number": r["id_number"], "name": r["name"], "mode": r["mode"],
             "major_code": r["student"]["major_code"], "cohort": r["student"]["cohort"]}
            for r in rows if r["student"] is not None]


def mark_listed_elsewhere(session: Session, this_review: str | None, rows: list[dict]) -> None:
    """A student is never in two open reviews at once (a 正常验印 and a 补验印, or two schools' lists
    after a transfer): a row already listed in another review not yet numbered gets the reason.
    A row whose student already holds a certificate has its reason already: that one says it all."""
    candidates = [r for r in rows if r["id_valid"] and not r.get("certified")]
    if not candidates:
        return
    query = (sa.select(graduates.c.id_number, reviews.c.school_name, reviews.c.year, reviews.c.season,
                       reviews.c.kind, reviews.c.status)
             .join(reviews, reviews.c.id == graduates.c.review_id)
             .where(graduates.c.id_number.in_({r["id_number"] for r in candidates}),
                    reviews.c.status.notin_(states.AFTER_NUMBERING)))
    if this_review:
        query = query.where(reviews.c.id != this_review)
    elsewhere = {r.id_number: r for r in session.execute(query)}
    for row in candidates:
        other = elsewhere.get(row["id_number"])
        if other is not None:
            row["reasons"].append(
                f"该生已列入{other.school_name}{other.year}年{other.season}{other.kind}的毕业审核"
                f"（{states.NAMES.get(other.status, other.status)}），同一学生不能同时列入两个毕业审核；"
                "如确需在此办理，请先在那份名单中删除该生并重新导入那份名单")


def _store_rows(session: Session, review_id: str, generation: int, rows: list[dict]) -> None:
    session.execute(STORE_ROWS, {"review_id": review_id, "generation": generation, "rows": rows})
