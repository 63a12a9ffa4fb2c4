"""Finding a graduate in the lists of reviews: by a whole ID number, or by name (exactly or its start).

A name is matched by prefix through graduates_by_name (text_pattern_ops, so `LIKE '张三%'` is an
index range whatever the collation); a whole ID number through graduates_by_id_number.
"""
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.errors import BadInput
from services.common.idnumber import normalise
from services.review import states
from services.review.tables import graduates, reviews

LIMIT = 50
MIN_NAME = 2
MAX_QUERY = 50
ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
ID_LIKE = re.compile(r"^[\dX]+$")


def parse(q: str | None) -> tuple[str, str]:
    """('id_number', the normalised number) or ('name', the name or its start); BadInput otherwise."""
    text = (q or "").strip()
    if not text:
        raise BadInput("请输入要查找的学生姓名或身份证号")
    if len(text) > MAX_QUERY:
        raise BadInput(f"查找内容不能超过{MAX_QUERY}个字")
    number = normalise(text)
    if ID_SHAPE.match(number):
        return "id_number", number
    if ID_LIKE.match(number) and any(c.isdigit() for c in number):
        raise BadInput("按身份证号查找请输入完整的18位身份证号")
    if len(text) < MIN_NAME:
        raise BadInput(f"按姓名查找请至少输入{MIN_NAME}个字")
    return "name", text


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(session: Session, school_codes: list[str], q: str | None, limit: int = LIMIT) -> list[dict]:
    """Graduates listed in reviews of these schools matching `q`, newest review first (list order
    within a review); at most `limit`. ID numbers whole: the gateway masks them."""
    by, value = parse(q)
    if not school_codes:
        return []
    match = (graduates.c.id_number == value if by == "id_number"
             else graduates.c.name.like(_escape_like(value) + "%"))  # backslash: PostgreSQL's own escape
    rows = session.execute(
        sa.select(reviews.c.id, reviews.c.school_code, reviews.c.school_name, reviews.c.year, reviews.c.season,
                  reviews.c.kind, reviews.c.status, graduates.c.row, graduates.c.name, graduates.c.id_number,
                  graduates.c.student["major_name"].astext.label("major_name"), graduates.c.verdict,
                  graduates.c.reasons)
        .join(reviews, reviews.c.id == graduates.c.review_id)
        .where(match, reviews.c.school_code.in_(list(school_codes)))
        .order_by(reviews.c.created_at.desc(), reviews.c.id, graduates.c.seq)
        .limit(min(max(int(limit), 1), LIMIT))).mappings()
    return [{"review_id": r["id"], "school_code": r["school_code"], "school_name": r["school_name"],
             "year": r["year"], "season": r["season"], "kind": r["kind"], "status": r["status"],
             "status_name": states.NAMES.get(r["status"], r["status"]), "row": r["row"], "name": r["name"],
             "id_number": r["id_number"], "major_name": r["major_name"], "verdict": r["verdict"],
             "reasons": r["reasons"] or []} for r in rows]
