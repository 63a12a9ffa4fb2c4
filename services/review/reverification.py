"""重新核验: the list a review holds, verified again after the school fixed grades or the registry.

It runs as a list import does, without a file. `listed` gives roster the stored rows shaped as
graduates.read gives a file's rows (each row's own-cell reasons kept: only a new list fixes those);
roster matches them against the registry and asks numbering, as they are now; `reverify` stores
them in a new generation, with the history entry, in the transaction that also writes the event
sending them to grading. Row numbers and list order never change.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from services.common import idnumber
from services.common.errors import BadInput, Conflict
from services.review import actions, intake, machine, states
from services.review.tables import graduates, reviews

SCOPE_NAMES = {"unqualified": "不合格学生", "all": "全部学生"}
LIST_CHANGED = "名单在此期间已重新导入或重新核验，请刷新页面后再重新核验"
STORED = (graduates.c.row, graduates.c.seq, graduates.c.name, graduates.c.gender, graduates.c.id_number,
          graduates.c.category, graduates.c.mode, graduates.c.list_reasons)


def require_scope(scope: object) -> str:
    if scope not in SCOPE_NAMES:
        raise BadInput("scope 应为 unqualified（只重新核验不合格的学生）或 all（重新核验名单中的全部学生）")
    return scope


def listed(session: Session, review_id: str, scope: str, actor: dict) -> dict:
    """The rows to verify again, as graduates.read gives a file's rows, and the review's key fields.
    Judged first, so a refused request costs nothing."""
    review, _ = actions.judge(session, review_id, machine.REVERIFY, actor)
    rows = [as_read(r) for r in rows_in_scope(session, review, require_scope(scope))]
    return {"review_id": review["id"], "generation": review["generation"], "school_code": review["school_code"],
            "rows": rows}


def _in_scope(review: dict, scope: str, *columns: sa.Column) -> sa.Select:
    query = sa.select(*columns).where(graduates.c.review_id == review["id"])
    return query.where(graduates.c.verdict == "unqualified") if scope == "unqualified" else query


def rows_in_scope(session: Session, review: dict, scope: str) -> list[dict]:
    rows = [dict(r) for r in session.execute(_in_scope(review, scope, *STORED).order_by(graduates.c.seq)).mappings()]
    if not rows:
        raise Conflict("名单中没有不合格的学生，无需重新核验；如需按现在的学籍和成绩核验每个学生，请选择“全部学生”")
    return rows


def as_read(stored: dict) -> dict:
    """A stored row as graduates.read gives a row of the file: its own-cell reasons, no registry yet."""
    own = list(stored["list_reasons"] or [])
    return {"row": stored["row"], "seq": stored["seq"], "name": stored["name"], "gender": stored["gender"],
            "id_number": stored["id_number"], "id_valid": _valid(stored["id_number"]),
            "category": stored["category"], "mode": stored["mode"], "reasons": own, "list_reasons": list(own),
            "student": None}


def _valid(number: str) -> bool:
    try:
        idnumber.validate(number)
    except idnumber.IdNumberError:
        return False
    return True


def reverify(session: Session, review_id: str, generation: int, rows: list[dict], scope: str, actor: dict) -> dict:
    """Store the matched rows in a new generation; the rows outside the scope are carried over as they
    are. Returns what the GRADUATE_LIST_IMPORTED event carries, and how many rows are verified again.
    Raises Conflict if the list changed since `listed` gave it (a rebuild, another 重新核验)."""
    review, _ = actions.judge(session, review_id, machine.REVERIFY, actor)
    if review["generation"] != generation:
        raise Conflict(LIST_CHANGED)
    in_scope = session.execute(_in_scope(review, require_scope(scope), graduates.c.row)).scalars()
    if {r["row"] for r in rows} != set(in_scope):
        raise Conflict(LIST_CHANGED)
    intake.mark_listed_elsewhere(session, review["id"], rows)
    new = review["generation"] + 1
    _store_again(session, review["id"], new, rows)
    verified = session.execute(sa.select(sa.func.count()).select_from(graduates).where(
        graduates.c.review_id == review["id"], graduates.c.graded)).scalar_one()
    # A new generation: chunks of the run before are dropped, and the majors' tables are confirmed again.
    session.execute(reviews.update().where(reviews.c.id == review["id"]).values(
        generation=new, verified=verified, updated_at=sa.func.now()))
    actions.record(session, review, actor, states.DRAFT, machine.REVERIFY,
                   f"重新核验{SCOPE_NAMES[scope]}{len(rows)}人（成绩或学籍修改后）")
    return {"review_id": review["id"], "generation": new, "school_code": review["school_code"],
            "reverified": len(rows), "to_verify": intake.to_verify(rows)}


CARRY_OVER = sa.text("""
    UPDATE review.graduates SET generation = :generation, previous = NULL
    WHERE review_id = :review_id AND row <> ALL(:rows)""")

STORE_AGAIN = sa.text("""
    UPDATE review.graduates AS g SET generation = :generation,
        previous = jsonb_build_object('verdict', g.verdict, 'reasons', coalesce(g.reasons, '[]'::jsonb)),
        student = v.student, intake_reasons = v.reasons, scores = NULL, graded = v.student IS NULL,
        verdict = CASE WHEN v.reasons <> '[]'::jsonb THEN 'unqualified' END,
        reasons = CASE WHEN v.reasons <> '[]'::jsonb THEN v.reasons END
    FROM jsonb_to_recordset(:rows) AS v(row int, student jsonb, reasons jsonb)
    WHERE g.review_id = :review_id AND g.row = v.row""").bindparams(sa.bindparam("rows", type_=JSONB))


def _store_again(session: Session, review_id: str, generation: int, rows: list[dict]) -> None:
    """Every row moves to `generation`, each written once: the rows outside the scope as they are, the
    given rows with their new intake, their verdict and reasons before in `previous`, waiting for
    grading as a new list's rows do."""
    session.execute(CARRY_OVER, {"review_id": review_id, "generation": generation, "rows": [r["row"] for r in rows]})
    session.execute(STORE_AGAIN, {"review_id": review_id, "generation": generation, "rows": rows})
