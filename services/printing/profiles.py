"""Print profiles: one printer's corrections (offsets, skew, scale), stored per school and name."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.common.errors import NotFound
from services.printing.layout import DEFAULT_PROFILE, check_profile
from services.printing.tables import print_profiles

FIELDS = ("name", "offset_x_mm", "offset_y_mm", "skew_deg", "scale")


def _view(row) -> dict:
    return {**{k: row[k] for k in FIELDS}, "updated_by": row["updated_by"],
            "updated_at": row["updated_at"].isoformat(), "default": False}


def list_for(session: Session, school_code: str) -> list[dict]:
    """The school's profiles by name; the default profile (no correction) when it has none."""
    rows = session.execute(sa.select(print_profiles).where(print_profiles.c.school_code == school_code)
                           .order_by(print_profiles.c.name)).mappings()
    return [_view(r) for r in rows] or [dict(DEFAULT_PROFILE)]


def find(session: Session, school_code: str, name: str | None, fallback: str | None = None) -> dict:
    """The profile called `name`; without a name, the one called `fallback` (a job's printer) if the
    school has it, else the default profile."""
    wanted = (name or "").strip()
    for candidate in ([wanted] if wanted else [(fallback or "").strip()]):
        if not candidate or candidate == DEFAULT_PROFILE["name"]:
            continue
        row = session.execute(sa.select(print_profiles).where(
            print_profiles.c.school_code == school_code, print_profiles.c.name == candidate)).mappings().first()
        if row:
            return _view(row)
        if wanted:
            raise NotFound(f"本校没有名为“{wanted}”的打印方案，请先在打印设置中保存")
    return dict(DEFAULT_PROFILE)


def save(session: Session, school_code: str, raw: dict, username: str) -> dict:
    clean = check_profile(raw)
    stmt = insert(print_profiles).values(school_code=school_code, updated_by=username, **clean)
    row = session.execute(stmt.on_conflict_do_update(
        index_elements=["school_code", "name"],
        set_={**{k: stmt.excluded[k] for k in FIELDS if k != "name"}, "updated_by": username,
              "updated_at": sa.func.now()},
    ).returning(print_profiles)).mappings().one()
    return _view(row)
