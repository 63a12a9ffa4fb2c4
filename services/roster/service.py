"""The student registry (学籍), majors, graduate-list intake, Excel templates and photos."""
import base64

from services.common import changes, events
from services.common.db import Database
from services.common.entrypoints import event_handler, rpc
from services.common.handlers import handle_once
from services.common.replies import RpcProxy
from services.common.service import HealthMixin
from services.roster import graduates, import_log, photo_store, registry, registry_changes, templates

REVERIFY_FILENAME = "重新核验"  # the import log's name for a list verified again without a file


class RosterService(HealthMixin):
    name = "roster"

    db = Database("roster", "services.roster")
    review = RpcProxy("review")
    numbering = RpcProxy("numbering")

    @rpc
    def template(self, kind: str) -> str:
        """The Excel template of an import kind, base64-encoded."""
        return base64.b64encode(templates.build_template(kind)).decode()

    @rpc
    def import_students(self, school_code: str, path: str, filename: str, actor: dict,
                        dry_run: bool = False) -> dict:
        """Registry import: all rows checked first; then added or updated together, or nothing. With
        `dry_run`, the same checks and what the import would change, and nothing stored."""
        records, ignored = registry.parse(path, filename)
        with self.db.transaction() as session:
            found = registry_changes.judge(session, school_code, records, filename,
                                           lambda ids: self.review.locked_graduates(school_code, ids)["students"])
            if dry_run:
                return changes.dry_run_answer(found, ignored)
            result = {**registry.store(session, school_code, records), "ignored_columns": ignored}
            import_log.record(session, school_code, "students", filename, actor, result["imported"],
                              {**result, "changes": changes.counts_only(found)})
        return {**result, "changes": found}

    @rpc
    def major_codes(self, school_code: str) -> list[str]:
        with self.db.transaction() as session:
            return registry.major_codes(session, school_code)

    @rpc
    def students_brief(self, school_code: str, id_numbers: list[str]) -> dict[str, dict]:
        """{id_number: {name, major_code, cohort}} for those of these students in the school's registry."""
        with self.db.transaction() as session:
            return registry.brief(session, school_code, id_numbers)

    @rpc
    def import_photos(self, school_code: str, path: str, filename: str, actor: dict) -> dict:
        """Graduates' photos: every file judged; accepted ones stored, replacing earlier ones."""
        with self.db.transaction() as session:
            result = photo_store.import_photos(session, school_code, path, filename, actor["username"])
            import_log.record(session, school_code, "photos", filename, actor, result["accepted"],
                              {"rejected": len(result["rejected"])})
        return result

    @rpc
    def create_review(self, request: dict, path: str) -> dict:
        """Read the graduate list, match it against the registry, and open the review with it."""
        rows, ignored = graduates.read(path, request["filename"])
        with self.db.transaction() as session:
            graduates.match_registry(session, request["school_code"], rows)
        certified = graduates.mark_certified(rows, self.numbering.holders(graduates.valid_ids(rows)))
        opened = self.review.create_review(request, rows)
        with self.db.transaction() as session:
            import_log.record(session, request["school_code"], "graduates", request["filename"], request["actor"],
                              len(rows), opened)
        return {**opened, "already_certified": certified, "ignored_columns": ignored}

    @rpc
    def reverify_review(self, review_id: str, scope: str, actor: dict) -> dict:
        """重新核验: the review's stored list matched again against the registry and numbering as they
        are now, and verified again (the unqualified rows, or all); row numbers stay as they are."""
        listed = self.review.reverify_list(review_id, scope, actor)
        rows = listed["rows"]
        with self.db.transaction() as session:
            graduates.match_registry(session, listed["school_code"], rows)
        certified = graduates.mark_certified(rows, self.numbering.holders(graduates.valid_ids(rows)))
        done = self.review.reverify(review_id, rows, scope, actor, listed["generation"])
        with self.db.transaction() as session:
            import_log.record(session, listed["school_code"], "graduates", REVERIFY_FILENAME, actor, len(rows),
                              {**done, "scope": scope})
        return {**done, "school_code": listed["school_code"], "already_certified": certified}

    @event_handler("review", events.COHORT_GRADUATED, requeue_on_error=True)
    @handle_once("roster.on_cohort_graduated")
    def on_cohort_graduated(self, session, payload: dict) -> None:
        """The school marked the cohort graduated: their registry status becomes 毕业."""
        registry.mark_graduated(session, payload["school_code"], payload["id_numbers"])

    @rpc
    def photos(self, school_code: str, id_numbers: list[str]) -> dict[str, str]:
        """{id_number: base64 JPEG} of those of these graduates whose photo is stored (for printing)."""
        with self.db.transaction() as session:
            return {n: base64.b64encode(jpeg).decode()
                    for n, jpeg in photo_store.photos_of(session, school_code, id_numbers).items()}
