"""PDF/XLSX rendering of certificates and forms, and print jobs sent to CUPS."""
import logging
import os
from urllib.parse import quote

import sqlalchemy as sa
from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from services.common import events
from services.common.db import Database
from services.common.errors import BadInput, NotFound, ServiceError
from services.common.handlers import handle_once
from services.common.service import HealthMixin
from services.printing import cups, documents, jobs, preview, profiles, site_jobs, sites
from services.printing.broker import STATUS_EXCHANGE, BrokerAdmin, site_queue, vhost_of
from services.printing.errors import PrinterUnavailable
from services.printing.forms import needs_numbers
from services.printing.layout import check_profile
from services.printing.sources import Sources
from services.printing.status import site_of, site_status

log = logging.getLogger(__name__)

POLL_SECONDS = 2


class PrintingService(HealthMixin):
    name = "printing"

    db = Database("printing", "services.printing")
    config = Config()
    review = RpcProxy("review")
    numbering = RpcProxy("numbering")
    roster = RpcProxy("roster")

    def _sources(self) -> Sources:
        return Sources(self.review, self.numbering, self.roster)

    def _upload_dir(self) -> str:
        return self.config.get("UPLOAD_DIR", "var/uploads")

    def _profile(self, school_code: str, name: str | None, printer: str | None = None) -> dict:
        with self.db.transaction() as session:
            return profiles.find(session, school_code, name, fallback=printer)

    def _render_certificates(self, review_id: str, profile_name: str | None, only_seq, preview: bool,
                             printer: str | None = None) -> dict:
        src = self._sources()
        review = src.get_review(review_id)
        profile = self._profile(review["school_code"], profile_name, printer)
        data, pages = documents.certificates(src, review, profile, only_seq, bool(preview),
                                             self.config.get("PUBLIC_URL", "http://127.0.0.1:8000"))
        path = documents.write(self._upload_dir(), f"{review_id}-certificates", "pdf", data)
        name = f"{review['school_name']}{review['year']}{review['season']}毕业证书{'（预览）' if preview else ''}.pdf"
        return {"path": path, "pages": pages, "filename": name, "profile": profile["name"]}

    @rpc
    def render_certificates(self, review_id: str, profile_name: str | None = None, only_seq: list | None = None,
                            preview: bool = False) -> dict:
        """The review's certificates as one PDF (a page each) under UPLOAD_DIR/rendered: {path, pages, filename}."""
        if only_seq is not None and not all(isinstance(s, int) for s in only_seq):
            raise BadInput("only_seq 应为名单序号（整数）的列表")
        return self._render_certificates(review_id, profile_name, only_seq, preview)

    @rpc
    def preview_png(self, review_id: str, profile: dict, seq: int | None = None) -> dict:
        """One certificate on the image of the blank form, drawn with these (unsaved) profile values,
        as a PNG under UPLOAD_DIR/rendered: {path, filename}."""
        layout = check_profile({"name": "预览", **profile})
        src = self._sources()
        review = src.get_review(review_id)
        certs = src.certificates(review_id)
        chosen = [c["seq"] for c in certs if seq is None or c["seq"] == seq][:1]
        if not chosen:
            raise NotFound(f"没有序号为{seq}的有效证书")
        data, _ = documents.certificates(src, review, layout, chosen, True,
                                         self.config.get("PUBLIC_URL", "http://127.0.0.1:8000"))
        png = documents.off_loop(preview.png_of_first_page, data)
        return {"path": documents.write(self._upload_dir(), f"{review_id}-preview", "png", png),
                "filename": f"预览-{chosen[0]}.png"}

    @rpc
    def review_print_jobs(self, review_id: str) -> list[dict]:
        """The review's print jobs, newest first."""
        with self.db.transaction() as session:
            return [jobs.view(j) for j in jobs.of_review(session, review_id)]

    @rpc
    def render_form(self, review_id: str, form: str, fmt: str) -> dict:
        """One of the stamping office's forms as PDF or XLSX under UPLOAD_DIR/rendered: {path, filename}."""
        _, data, filename = documents.form(self._sources(), review_id, form, fmt)
        return {"path": documents.write(self._upload_dir(), f"{review_id}-{form}", fmt, data), "filename": filename}

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
        try:
            return cups.printers()
        except cups.CupsError as exc:
            raise PrinterUnavailable(exc.message) from None

    def _broker(self) -> BrokerAdmin:
        return BrokerAdmin(self.config.get("RABBIT_API", "http://127.0.0.1:15672/api"),
                           self.config.get("RABBIT_ADMIN_USER", "guest"),
                           self.config.get("RABBIT_ADMIN_PASSWORD", "guest"),
                           vhost_of(self.config["AMQP_URI"]))

    @rpc
    def register_site(self, org_code: str, name: str, actor: dict) -> dict:
        """A print site for an organisation; its agent's credentials are in the answer, this once."""
        with self.db.transaction() as session:
            site, secret = sites.create(session, org_code, name, actor["username"])
            self._broker().add_site(site["id"], secret)  # a broker failure rolls the site back
        base = self.config.get("AGENT_BROKER_URL", "amqp://127.0.0.1:5672").rstrip("/")
        scheme, _, host = base.partition("://")
        vhost = quote(vhost_of(self.config["AMQP_URI"]), safe="")
        log.info("%s registered print site %s (%s) for %s", actor["username"], site["id"], name, org_code)
        return {**sites.view(site), "credentials": {
            "site_id": site["id"], "broker_user": site["broker_user"], "broker_password": secret,
            "amqp_uri": f"{scheme}://{site['broker_user']}:{secret}@{host}/{vhost}",
            "queue": site_queue(site["id"]), "status_exchange": STATUS_EXCHANGE}}

    @rpc
    def revoke_site(self, site_id: str, actor: dict) -> dict:
        """Revoke a site: its broker user goes at once (connections closed), its jobs can no longer be fetched."""
        with self.db.transaction() as session:
            site = sites.revoke(session, site_id)
            self._broker().remove_site(site_id)
        log.info("%s revoked print site %s", actor["username"], site_id)
        return sites.view(site)

    @rpc
    def print_sites(self, org_codes: list[str] | None = None) -> list[dict]:
        """Sites (of these organisations, or all) with their printers, online or not, last seen."""
        with self.db.transaction() as session:
            return sites.listing(session, org_codes)

    @rpc
    def print_site(self, site_id: str) -> dict:
        with self.db.transaction() as session:
            return sites.view(sites.load(session, site_id))

    @site_status
    def on_site_status(self, body: dict, routing_key: str) -> None:
        """A heartbeat (the site's printers) or a job's progress, from the site the routing key names."""
        site_id = site_of(routing_key)
        if site_id is None or not isinstance(body, dict):
            return
        with self.db.transaction() as session:
            if body.get("type") == "heartbeat" and isinstance(body.get("printers"), list):
                sites.heartbeat(session, site_id, body["printers"])
            elif body.get("type") == "job":
                site_jobs.report(session, site_id, body)

    @rpc
    def job_part(self, job_id: str, part: int, token: str) -> dict:
        """Part `part` of a site job as a PDF under UPLOAD_DIR/rendered, for the agent holding its token."""
        with self.db.transaction() as session:
            job = jobs.load(session, job_id)
            revoked = job["site_id"] is not None and sites.load(session, job["site_id"])["revoked_at"] is not None
        what = site_jobs.part_of(job, part, token, revoked)
        if job["what"] == "certificates":
            done = self._render_certificates(job["review_id"], job["profile"], what, False, job["printer"])
            return {"path": done["path"], "filename": f"{job['id']}-{part}.pdf"}
        _, data, _ = documents.form(self._sources(), job["review_id"], what[0], "pdf")
        return {"path": documents.write(self._upload_dir(), f"{job['id']}-{part}", "pdf", data),
                "filename": f"{job['id']}-{part}.pdf"}

    def _submit_to_site(self, review: dict, site_id: str, printer: str, profile: str | None, what: str,
                        options: dict, actor: dict, reprint_reason: str | None) -> str:
        with self.db.transaction() as session:
            sites.printer_of(sites.active(session, site_id), printer)
        if what == "certificates":
            sheets = [c["seq"] for c in self._sources().certificates(review["id"], options["only_seq"])]
            profile = self._profile(review["school_code"], profile, printer)["name"]
        else:
            sheets, profile = options["forms"], None
        with self.db.transaction() as session:
            job_id = jobs.create(session, review, printer, what, profile, options, actor["username"], site_id,
                                 reprint_reason)
            site_jobs.announce(session, jobs.load(session, job_id),
                               site_jobs.split(sheets, what, int(self.config.get("PRINT_PART_SHEETS", 25))),
                               self.db.add_event)
        log.info("%s submitted print job %s (%s, %d sheets) of review %s to site %s printer %s", actor["username"],
                 job_id, what, len(sheets), review["id"], site_id, printer)
        return job_id

    @rpc
    def submit_print_job(self, review_id: str, printer: str, profile: str | None, what: str,
                         only_seq: list | None, actor: dict, forms: list | None = None,
                         copies: int | None = None, site_id: str | None = None,
                         reprint_reason: str | None = None) -> str:
        """Store a print job and announce it: to a print site's agent, or (no site) to the CUPS beside
        this service, whose handler below renders and sends it. Returns its id."""
        options = jobs.check_request(what, only_seq, forms, copies)
        printer = (printer or "").strip()
        if not printer:
            raise BadInput("请选择打印机（printer）")
        src = self._sources()
        review = src.get_review(review_id)
        if what == "certificates" or any(needs_numbers(n) for n in options["forms"] or []):
            src.certificates(review_id, options["only_seq"])  # 409 now rather than a failed job later
        if site_id:
            return self._submit_to_site(review, site_id, printer, profile, what, options, actor, reprint_reason)
        try:
            known = cups.printer_exists(printer)
        except cups.CupsError as exc:
            raise PrinterUnavailable(exc.message) from None
        if not known:
            raise NotFound(f"本机打印系统中没有名为“{printer}”的打印机")
        profile = self._profile(review["school_code"], profile, printer)["name"] if what == "certificates" else None
        with self.db.transaction() as session:
            job_id = jobs.create(session, review, printer, what, profile, options, actor["username"])
            self.db.add_event(session, events.PRINT_JOB_SUBMITTED, {"job_id": job_id})
        log.info("%s submitted print job %s (%s) of review %s to %s", actor["username"], job_id, what, review_id,
                 printer)
        return job_id

    @rpc
    def print_job(self, job_id: str) -> dict:
        """A print job's state: queued, rendering, sent, done or failed (with the reason)."""
        with self.db.transaction() as session:
            return jobs.view(jobs.load(session, job_id))

    @event_handler("printing", events.PRINT_JOB_SUBMITTED, requeue_on_error=True)
    @handle_once("printing.on_print_job_submitted")
    def on_print_job_submitted(self, session, payload: dict) -> None:
        """Render the job's document and hand it to CUPS; states are committed as they change."""
        try:
            job = jobs.load(session, payload["job_id"])
        except NotFound:  # not ours (another database's event): nothing to do, and nothing to retry
            log.warning("print job %s not found; event %s dropped", payload.get("job_id"), payload["event_id"])
            return
        if job["state"] != jobs.QUEUED:
            if job["state"] == jobs.RENDERING:
                self._set_job(job["id"], state=jobs.FAILED, error=jobs.INTERRUPTED)
            return
        self._set_job(job["id"], state=jobs.RENDERING)
        paths: list[str] = []
        try:
            paths, pages = self._render_job(job)
            cups_id = cups.submit(job["printer"], f"毕业审核验印-{job['what']}-{job['id'][:8]}", paths,
                                  job["copies"])
        except (ServiceError, cups.CupsError) as exc:
            log.warning("print job %s failed: %s", job["id"], exc.message)
            self._set_job(job["id"], state=jobs.FAILED, error=exc.message)
        except Exception as exc:  # a service away, a broken file: recorded on the job, not retried
            log.exception("print job %s failed", job["id"])
            self._set_job(job["id"], state=jobs.FAILED, error=f"生成打印文件时出错：{exc}")
        else:
            self._set_job(job["id"], state=jobs.SENT, cups_job_id=cups_id, pages=pages)
            log.info("print job %s sent to %s as %s", job["id"], job["printer"], cups_id)
        finally:
            for path in paths:
                if os.path.exists(path):
                    os.remove(path)  # CUPS has its own copy in its spool

    def _set_job(self, job_id: str, **values) -> None:
        with self.db.transaction() as session:
            jobs.update(session, job_id, **values)

    def _render_job(self, job: dict) -> tuple[list[str], int | None]:
        if job["what"] == "certificates":
            done = self._render_certificates(job["review_id"], job["profile"], job["only_seq"], False, job["printer"])
            return [done["path"]], done["pages"]
        paths = []
        for name in job["forms"]:
            _, data, _ = documents.form(self._sources(), job["review_id"], name, "pdf")
            paths.append(documents.write(self._upload_dir(), f"{job['review_id']}-{name}", "pdf", data))
        return paths, None

    @timer(interval=POLL_SECONDS)
    def poll_print_jobs(self) -> None:
        """Sent jobs that CUPS has finished become done (or failed, if cancelled or aborted there).
        Every printing process runs this timer: an advisory lock lets one poll at a time."""
        with self.db.transaction() as session:
            if not session.execute(sa.text("SELECT pg_try_advisory_xact_lock(hashtext('printing:poll'))")).scalar():
                return
            waiting = jobs.sent(session)
            if not waiting:
                return
            try:
                active, completed = cups.job_lists()
            except cups.CupsError as exc:
                log.warning("cannot poll CUPS: %s", exc.message)
                return
            states: dict[str, str] = {}
            for printer in {j["printer"] for j in waiting if j["cups_job_id"] in completed}:
                states.update(cups.completed_states(printer))
            for job in waiting:
                result = jobs.outcome(job["cups_job_id"], active, completed, states)
                if result:
                    state, error = result
                    jobs.update(session, job["id"], state=state, error=error)
                    log.info("print job %s (%s) is %s", job["id"], job["cups_job_id"], state)
