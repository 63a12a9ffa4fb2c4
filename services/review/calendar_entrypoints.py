"""The review service's working-calendar entry points: the province's days and the deadlines they give.
Mixed into ReviewService (services.review.service), whose `db` they use."""
import datetime as dt

from services.common.db import Database
from services.common.entrypoints import rpc
from services.review import deadlines


class CalendarEntrypoints:
    db: Database

    @rpc
    def deadlines(self, school_codes: list[str], today: str | None = None) -> list[dict]:
        """Stamped reviews with their graduation deadline (10 working days), most urgent first."""
        with self.db.transaction() as session:
            day = dt.date.fromisoformat(today) if today else dt.date.today()
            return deadlines.deadline_list(session, school_codes, day)

    @rpc
    def set_calendar_day(self, day: str, workday: bool, note: str, actor: dict) -> dict:
        """The province adds or corrects a day of the working calendar."""
        with self.db.transaction() as session:
            deadlines.set_day(session, dt.date.fromisoformat(day), workday, note, actor["username"])
        return {"day": day, "workday": workday, "note": note}

    @rpc
    def calendar_days(self, year: int) -> list[dict]:
        """The province's added or corrected days of a year [{date, workday, note, by, at}]."""
        with self.db.transaction() as session:
            return deadlines.days_of_year(session, int(year))

    @rpc
    def delete_calendar_day(self, day: str) -> dict:
        """Remove the province's correction of a day, so the public calendar holds; 404 if there is none."""
        with self.db.transaction() as session:
            return deadlines.delete_day(session, dt.date.fromisoformat(day))
