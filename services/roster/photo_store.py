"""Accepted photos are stored with the school's registry and replace earlier ones."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.roster import photos
from services.roster.tables import photos as photo_table
from services.roster.tables import students


def known_ids_of(session: Session, school_code: str):
    def known(ids: set[str]) -> set[str]:
        return set(session.execute(sa.select(students.c.id_number).where(
            students.c.school_code == school_code, students.c.id_number.in_(ids))).scalars())
    return known


def import_photos(session: Session, school_code: str, path: str, filename: str, username: str) -> dict:
    verdicts = photos.check_upload(path, filename, known_ids_of(session, school_code))
    accepted = [(v.id_number, data) for v, data in verdicts if v.ok]
    if accepted:
        stmt = insert(photo_table).values([
            {"school_code": school_code, "id_number": id_number, "jpeg": data, "uploaded_by": username}
            for id_number, data in accepted
        ])
        session.execute(stmt.on_conflict_do_update(
            index_elements=["school_code", "id_number"],
            set_={"jpeg": stmt.excluded.jpeg, "uploaded_by": stmt.excluded.uploaded_by, "uploaded_at": sa.func.now()},
        ))
    return {
        "accepted": len(accepted),
        "rejected": [{"file": v.file, "message": v.message} for v, _ in verdicts if not v.ok],
    }


def photo_of(session: Session, school_code: str, id_number: str) -> bytes | None:
    return session.execute(sa.select(photo_table.c.jpeg).where(
        photo_table.c.school_code == school_code, photo_table.c.id_number == id_number)).scalar()


def photos_of(session: Session, school_code: str, id_numbers: list[str]) -> dict[str, bytes]:
    """{id_number: JPEG} of those of these students whose photo is stored."""
    rows = session.execute(sa.select(photo_table.c.id_number, photo_table.c.jpeg).where(
        photo_table.c.school_code == school_code, photo_table.c.id_number.in_(list(id_numbers))))
    return {r.id_number: r.jpeg for r in rows}
