"""PDF/XLSX rendering of certificates and forms, and print jobs sent to CUPS or to print sites.

renderer: documents as files; submission: a job checked and stored; jobs: a local job's states;
polling: what CUPS made of sent jobs; print sites and their agents: site_entrypoints.
"""
from nameko.dependency_providers import Config
from nameko.timer import timer

from services.common import events
from services.common.db import Database
from services.common.entrypoints import event_handler, rpc
from services.common.handlers import handle_once
from services.common.replies import RpcProxy
from services.common.service import HealthMixin
from services.printing import cups, jobs, polling, profiles, submission
from services.printing.renderer import Renderer
from services.printing.seqs import checked_only_seq
from services.printing.site_entrypoints import PrintSiteEntrypoints
from services.printing.sources import Sources


class PrintingService(PrintSiteEntrypoints, HealthMixin):
    name = "printing"

    db = Database("printing", "services.printing")
    config = Config()
    review = RpcProxy("review")
    numbering = RpcProxy("numbering")
    roster = RpcProxy("roster")

    def _sources(self) -> Sources:
        return Sources(self.review, self.numbering, self.roster)

    def _renderer(self) -> Renderer:
        return Renderer(self._sources(), self.db, self.config)

    @rpc
    def render_certificates(self, review_id: str, profile_name: str | None = None, only_seq: list | None = None,
                            preview: bool = False) -> dict:
        """The review's certificates as one PDF (a page each) under UPLOAD_DIR/rendered: {path, pages, filename}."""
        return self._renderer().certificates(review_id, profile_name, checked_only_seq(only_seq), preview)

    @rpc
    def preview_png(self, review_id: str, profile: dict, seq: int | None = None) -> dict:
        """One certificate on the image of the blank form, drawn with these (unsaved) profile values,
        as a PNG under UPLOAD_DIR/rendered: {path, filename}."""
        return self._renderer().preview_png(review_id, profile, seq)

    @rpc
    def render_form(self, review_id: str, form: str, fmt: str) -> dict:
        """One of the stamping office's forms as PDF or XLSX under UPLOAD_DIR/rendered: {path, filename}."""
        return self._renderer().form(review_id, form, fmt)

    @rpc
    def profiles(self, school_code: str) -> list[dict]:
        """The school's print profiles; the default one (no correction) when it has none."""
        with self.db.transaction() as session:
            return profiles.list_for(session, school_code)

    @rpc
    def save_profile(self, school_code: str, profile: dict, actor: dict) -> dict:
        """Add or change a print profile {name, offset_x_mm, offset_y_mm, skew_deg, scale}."""
        with self.db.transaction() as session:
            return profiles.save(session, school_code, profile, actor["username"])

    @rpc
    def printers(self) -> list[dict]:
        """The local CUPS queues."""
        with cups.as_unavailable():
            return cups.printers()

    @rpc
    def submit_print_job(self, review_id: str, printer: str, profile: str | None, what: str, only_seq: list | None,
                         actor: dict, forms: list | None = None, copies: int | None = None,
                         site_id: str | None = None, reprint_reason: str | None = None) -> str:
        """Store a print job and announce it: to a print site's agent, or (no site) to the CUPS beside
        this service, whose handler below renders and sends it. Returns its id."""
        src = self._sources()
        request = submission.check(src, review_id, printer, what, only_seq, forms, copies)
        if site_id:
            return submission.to_site(self.db, src, request, site_id, profile, actor, reprint_reason,
                                      int(self.config.get("PRINT_PART_SHEETS", 25)))
        return submission.to_local_cups(self.db, request, profile, actor)

    @event_handler("printing", events.PRINT_JOB_SUBMITTED, requeue_on_error=True)
    @handle_once("printing.on_print_job_submitted")
    def on_print_job_submitted(self, session, payload: dict) -> None:
        """Render the job's document and hand it to CUPS; states are committed as they change."""
        jobs.send_to_cups(session, payload, self.db.transaction, self._renderer().job_files)

    @timer(interval=polling.POLL_SECONDS)
    def poll_print_jobs(self) -> None:
        """Sent jobs that CUPS has finished become done (or failed); one printing process polls at a time."""
        with self.db.transaction() as session:
            polling.settle_sent_jobs(session)

    @rpc
    def print_job(self, job_id: str) -> dict:
        """A print job's state: queued, rendering, sent, done or failed (with the reason)."""
        with self.db.transaction() as session:
            return jobs.view(jobs.load(session, job_id))

    @rpc
    def review_print_jobs(self, review_id: str) -> list[dict]:
        """The review's print jobs, newest first."""
        with self.db.transaction() as session:
            return [jobs.view(j) for j in jobs.of_review(session, review_id)]
