"""Course plans, grades and the verification engine; its workers scale out as competing consumers."""
import logging
import os
import socket

from nameko.dependency_providers import Config

from services.common import changes, events
from services.common.db import Database
from services.common.entrypoints import event_handler, rpc
from services.common.faults import fault_point
from services.common.handlers import handle_once
from services.common.replies import RpcProxy
from services.common.service import HealthMixin
from services.grading import grade_import, plan_changes, plans, verification
from services.grading.priority import LowerPriority
from services.grading.tables import imports

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
log = logging.getLogger(__name__)


class GradingService(HealthMixin):
    name = "grading"

    db = Database("grading", "services.grading")
    config = Config()
    priority = LowerPriority()
    roster = RpcProxy("roster")
    review = RpcProxy("review")

    @rpc
    def import_course_plans(self, school_code: str, path: str, filename: str, actor: dict,
                            dry_run: bool = False) -> dict:
        """A course plan file: checked whole, then replaces the plans of the majors and cohorts it holds.
        With `dry_run`, the same checks and what the import would change, and nothing stored."""
        rows, ignored = plans.parse(path, filename, set(self.roster.major_codes(school_code)))
        with self.db.transaction() as session:
            found = plan_changes.judge(session, school_code, rows, filename,
                                       lambda pairs: self.review.locked_graduates(school_code, plans=pairs)["plans"])
            if dry_run:
                return changes.dry_run_answer(found, ignored)
            count = plans.store(session, school_code, rows)
            self._log(session, school_code, "course-plans", filename, actor, count)
        return {"imported": count, "ignored_columns": ignored, "changes": found}

    @rpc
    def import_grades(self, school_code: str, path: str, filename: str, actor: dict,
                      course: str | None = None, term: int | None = None, dry_run: bool = False) -> dict:
        """A grade sheet: the school's long sheet, or one class and course (`course`, `term`)."""
        rows = grade_import.read_file(path, filename, course, term)
        return {**self._import_grades(school_code, rows, filename, actor, dry_run), "ignored_columns": rows.ignored}

    @rpc
    def import_grade_records(self, school_code: str, records: list[dict], actor: dict, dry_run: bool = False) -> dict:
        """Grades sent as API records: {id_number, name, course, term, score, makeup_score}."""
        keys = {"id_number": "身份证号", "name": "姓名", "course": "课程名称", "term": "学期", "score": "成绩",
                "makeup_score": "补考成绩"}
        rows = ((i, {keys[k]: v for k, v in r.items() if k in keys}) for i, r in enumerate(records, start=1))
        return self._import_grades(school_code, grade_import.GradeRows(rows), "成绩数据", actor, dry_run)

    def _import_grades(self, school_code: str, rows: grade_import.GradeRows, source: str, actor: dict,
                       dry_run: bool) -> dict:
        with self.db.transaction() as session:
            count, found = grade_import.import_rows(
                session, school_code, rows, source,
                students_of=lambda ids: self.roster.students_brief(school_code, ids),
                locked_of=lambda ids: self.review.locked_graduates(school_code, ids)["students"], dry_run=dry_run)
            if dry_run:
                return changes.dry_run_answer(found, [])
            self._log(session, school_code, "grades", source, actor, count)
        return {"imported": count, "changes": found}

    def _log(self, session, school_code: str, kind: str, filename: str, actor: dict, rows: int) -> None:
        session.execute(imports.insert().values(school_code=school_code, kind=kind, filename=filename,
                                                username=actor["username"], rows=rows))

    @rpc
    def student_grades(self, school_code: str, id_number: str, major_code: str, cohort: int) -> list[dict]:
        with self.db.transaction() as session:
            return verification.student_detail(session, school_code, id_number, major_code, cohort)

    @event_handler("review", events.GRADUATE_LIST_IMPORTED, requeue_on_error=True)
    @handle_once("grading.on_graduate_list_imported")
    def on_graduate_list_imported(self, session, payload: dict) -> None:
        """Cut the list into chunks and announce each, so every grading worker can take some."""
        numbers = verification.cut(session, payload["review_id"], payload["generation"], payload["school_code"],
                                   payload["rows"], int(self.config.get("CHUNK_SIZE", verification.CHUNK_SIZE)))
        for chunk_no in numbers:
            self.db.add_event(session, events.CHUNK_READY, {
                "review_id": payload["review_id"], "generation": payload["generation"], "chunk_no": chunk_no})

    @event_handler("grading", events.CHUNK_READY, requeue_on_error=True)
    @handle_once("grading.verify_chunk")
    def verify_chunk(self, session, payload: dict) -> None:
        """Verify one chunk; its verdicts go to the review with the chunk_verified event."""
        results = verification.verify_chunk(session, payload["review_id"], payload["generation"], payload["chunk_no"])
        if results is None:
            return
        verification.mark_verified(session, payload, results, WORKER_ID)
        log.info("verified chunk %s of review %s (%d students)",
                 payload["chunk_no"], payload["review_id"], len(results))
        fault_point("mid_chunk")  # fault tests: die with the chunk verified but not committed
        self.db.add_event(session, events.CHUNK_VERIFIED, {
            "review_id": payload["review_id"], "generation": payload["generation"], "chunk_no": payload["chunk_no"],
            "results": results})
