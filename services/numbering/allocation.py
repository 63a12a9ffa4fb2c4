"""Certificate numbers: year (4) + stamping unit (2) + sequence (5) — e.g. 20260500001.

A review's numbers are taken in one transaction: the unit-year sequence row is advanced by the
review's count (its row lock queues concurrent approvals of the same unit and year), and the
certificates are inserted with it. If anything fails the advance rolls back too: no gaps. A
review that already holds numbers gets no second set: no repeats. A person who already holds a
valid number (any review, school or year) is not given another: they are refused with the reason.
"""
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import psycopg2
import sqlalchemy as sa
from psycopg2.extras import execute_values
from sqlalchemy.orm import Session

from services.common.certificates import already_certified
from services.common.errors import Conflict, NotFound
from services.numbering.tables import certificates

MAX_SEQUENCE = 99_999
ONE_VALID_PER_PERSON = "certificates_one_valid_per_person"
CHINA = ZoneInfo("Asia/Shanghai")


class SequenceExhausted(Conflict):
    pass


def number_of(year: int, unit: str, sequence: int) -> str:
    return f"{year:04d}{unit}{sequence:05d}"


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


def reserve(session: Session, unit: str, year: int, count: int) -> int:
    """Advance the unit-year sequence by `count`; returns the first reserved sequence."""
    last = session.execute(sa.text("""
        INSERT INTO numbering.sequences (unit_code, year, last) VALUES (:unit, :year, :count)
        ON CONFLICT (unit_code, year) DO UPDATE SET last = numbering.sequences.last + :count
        RETURNING last"""), {"unit": unit, "year": year, "count": count}).scalar_one()
    if last > MAX_SEQUENCE:
        raise SequenceExhausted(f"验印单位{unit}的{year}年证书编号已用完（最多{MAX_SEQUENCE}个），"
                                "请联系省教育厅处理")
    return last - count + 1


@dataclass
class Allocation:
    """What approving a review gave: numbers issued, and the students refused one, with the reason."""
    count: int = 0
    refused: list[dict] = field(default_factory=list)


def holders(session: Session, id_numbers: list[str]) -> dict[str, dict]:
    """{id_number: {number, school_name, issue_date}} of those who hold a valid certificate now."""
    if not id_numbers:
        return {}
    rows = session.execute(sa.select(certificates.c.id_number, certificates.c.number, certificates.c.school_name,
                                     certificates.c.issue_date)
                           .where(certificates.c.status == "valid", certificates.c.id_number.in_(id_numbers)))
    return {r.id_number: {"number": r.number, "school_name": r.school_name, "issue_date": r.issue_date.isoformat()}
            for r in rows}


def allocate(session: Session, approval: dict, attempts: int = 3) -> Allocation:
    """Numbers for a review's qualified students in list order, except those who already hold one.

    The unique index on a person's valid number decides between two reviews approved at once: the
    later insert waits for the earlier transaction, fails when it commits, and the attempt is made
    again from a savepoint, now seeing the earlier numbers as held (no gap: the reservation is
    undone with the attempt).
    """
    for attempt in range(attempts):
        try:
            with session.begin_nested():
                return _allocate(session, approval)
        except (sa.exc.IntegrityError, psycopg2.IntegrityError) as exc:  # the insert runs on the raw cursor
            constraint = getattr(getattr(getattr(exc, "orig", exc), "diag", None), "constraint_name", None)
            if constraint != ONE_VALID_PER_PERSON or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _allocate(session: Session, approval: dict) -> Allocation:
    held = session.execute(sa.select(sa.func.count()).select_from(certificates).where(
        certificates.c.review_id == approval["review_id"])).scalar_one()
    if held:
        return Allocation()
    unit, year = approval["stamping_unit_code"], approval["year"]
    if not unit:
        raise Conflict(f"学校{approval['school_code']}没有验印单位编号，请省级管理员为其上级设置验印单位编号")
    students = sorted(approval["students"], key=lambda s: s["seq"])
    taken = holders(session, [s["id_number"] for s in students])
    refused = [{"row": s.get("row"), "seq": s["seq"], "id_number": s["id_number"], "name": s["name"],
                "holder": taken[s["id_number"]], "reason": already_certified(taken[s["id_number"]])}
               for s in students if s["id_number"] in taken]
    students = [s for s in students if s["id_number"] not in taken]
    if not students:
        return Allocation(0, refused)
    first = reserve(session, unit, year, len(students))
    issued = today()
    cursor = session.connection().connection.cursor()
    execute_values(cursor, """
        INSERT INTO numbering.certificates (number, unit_code, year, sequence, review_id, seq, id_number, name,
            school_code, school_name, major_name, issue_date) VALUES %s""", [
        (number_of(year, unit, first + i), unit, year, first + i, approval["review_id"], s["seq"], s["id_number"],
         s["name"], approval["school_code"], approval["school_name"], s["major_name"], issued)
        for i, s in enumerate(students)], page_size=1000)
    return Allocation(len(students), refused)


def void(session: Session, number: str, reason: str, username: str) -> dict:
    """Void a valid number with its reason (issued in error); returns the certificate as it was."""
    old = session.execute(sa.select(certificates).where(certificates.c.number == number)
                          .with_for_update()).mappings().first()
    if old is None:
        raise NotFound(f"没有编号为{number}的证书")
    if old["status"] != "valid":
        raise Conflict(f"证书{number}已作废，不能再次作废或更正")
    session.execute(certificates.update().where(certificates.c.number == number)
                    .values(status="void", void_reason=reason, voided_by=username))
    return dict(old)


def reissue(session: Session, number: str, reason: str, username: str) -> str:
    """Void a number with its reason and issue the student the next number of the same unit and year."""
    old = void(session, number, reason, username)
    sequence = reserve(session, old["unit_code"], old["year"], 1)
    new_number = number_of(old["year"], old["unit_code"], sequence)
    copy = {k: old[k] for k in ("unit_code", "year", "review_id", "seq", "id_number", "name", "school_code",
                                "school_name", "major_name")}
    session.execute(certificates.insert().values(number=new_number, sequence=sequence, issue_date=today(),
                                                 replaces=number, **copy))
    return new_number


def of_review(session: Session, review_id: str) -> list[dict]:
    rows = session.execute(sa.select(certificates).where(certificates.c.review_id == review_id)
                           .order_by(certificates.c.seq, certificates.c.created_at)).mappings()
    return [{"number": r["number"], "id_number": r["id_number"], "name": r["name"], "major_name": r["major_name"],
             "issue_date": r["issue_date"].isoformat(), "seq": r["seq"], "status": r["status"],
             "void_reason": r["void_reason"], "replaces": r["replaces"]} for r in rows]


def of_people(session: Session, id_numbers: list[str]) -> dict[str, list[dict]]:
    """{id_number: [{number, review_id, status, issue_date}]}: every certificate these people were
    issued, valid and void, newest first."""
    if not id_numbers:
        return {}
    rows = session.execute(sa.select(certificates.c.id_number, certificates.c.number, certificates.c.review_id,
                                     certificates.c.status, certificates.c.issue_date)
                           .where(certificates.c.id_number.in_(id_numbers))
                           .order_by(certificates.c.created_at.desc(), certificates.c.number.desc()))
    found: dict[str, list[dict]] = {}
    for r in rows:
        found.setdefault(r.id_number, []).append({"number": r.number, "review_id": r.review_id, "status": r.status,
                                                  "issue_date": r.issue_date.isoformat()})
    return found


def verify(session: Session, number: str, name: str) -> dict:
    """Public check: valid only for a valid number with the right full name; nothing else disclosed."""
    row = session.execute(sa.select(certificates).where(certificates.c.number == number)).mappings().first()
    if row is None or row["status"] != "valid" or row["name"] != name.strip():
        return {"valid": False}
    return {"valid": True, "name": row["name"], "school": row["school_name"], "major": row["major_name"],
            "issue_date": row["issue_date"].isoformat()}
