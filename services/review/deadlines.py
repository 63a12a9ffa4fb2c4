"""The deadline after stamping: the cohort must be marked graduated within 10 working days.

Working days follow the Chinese calendar (weekends and public holidays off, adjusted workdays on)
from the maintained chinese_calendar package; the province may add or correct days (calendar_days),
for years the package does not know yet or for a local holiday.
"""
import datetime as dt

import chinese_calendar
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.errors import NotFound
from services.review import states
from services.review.tables import calendar_days, reviews

WORKING_DAYS = 10
NEAR = 3  # working days left at which a review is listed as near its deadline


def is_workday(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover yet: weekends only
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int, overrides: dict[dt.date, bool]) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date, overrides: dict[dt.date, bool]) -> int:
    """Working days after `start` up to and including `end` (negative if end is before start)."""
    if end < start:
        return -working_days_between(end, start, overrides)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_workday(start + dt.timedelta(days=n), overrides))


def overrides(session: Session) -> dict[dt.date, bool]:
    return {r.day: r.workday for r in session.execute(sa.select(calendar_days.c.day, calendar_days.c.workday))}


def set_day(session: Session, day: dt.date, workday: bool, note: str, username: str) -> None:
    from sqlalchemy.dialects.postgresql import insert
    stmt = insert(calendar_days).values(day=day, workday=workday, note=note, by_username=username)
    session.execute(stmt.on_conflict_do_update(index_elements=["day"], set_={
        "workday": stmt.excluded.workday, "note": stmt.excluded.note, "by_username": stmt.excluded.by_username,
        "at": sa.func.now()}))


def _day_view(row) -> dict:
    return {"date": row.day.isoformat(), "workday": row.workday, "note": row.note, "by": row.by_username,
            "at": row.at.isoformat()}


def days_of_year(session: Session, year: int) -> list[dict]:
    """The province's added or corrected days of a year, in date order."""
    rows = session.execute(sa.select(calendar_days).where(
        calendar_days.c.day >= dt.date(year, 1, 1), calendar_days.c.day <= dt.date(year, 12, 31),
    ).order_by(calendar_days.c.day))
    return [_day_view(r) for r in rows]


def delete_day(session: Session, day: dt.date) -> dict:
    """Remove the province's correction of a day (the public calendar holds again); returns what was removed."""
    row = session.execute(calendar_days.delete().where(calendar_days.c.day == day)
                          .returning(*calendar_days.c)).first()
    if row is None:
        raise NotFound(f"{day.isoformat()}没有省级调整，无需删除")
    return _day_view(row)


def deadline_list(session: Session, school_codes: list[str], today: dt.date) -> list[dict]:
    """Stamped reviews not yet marked graduated, with their due date: near (≤ 3 days) or overdue first."""
    days = overrides(session)
    rows = session.execute(sa.select(reviews).where(
        reviews.c.school_code.in_(school_codes), reviews.c.status == states.STAMPED)).mappings()
    result = []
    for r in rows:
        stamped = r["stamped_at"].date()
        result.append({"id": r["id"], "school_code": r["school_code"], "school_name": r["school_name"],
                       "year": r["year"], "season": r["season"], "kind": r["kind"],
                       "stamped_on": stamped.isoformat(), **deadline(stamped, today, days)})
    return sorted(result, key=lambda x: x["working_days_left"])


def deadline(stamped: dt.date, today: dt.date, days: dict[dt.date, bool]) -> dict:
    """{due, working_days_left, state: ok|near|overdue} of a cohort stamped on `stamped`."""
    due = add_working_days(stamped, WORKING_DAYS, days)
    left = working_days_between(today, due, days)
    return {"due": due.isoformat(), "working_days_left": left,
            "state": "overdue" if left < 0 else ("near" if left <= NEAR else "ok")}
