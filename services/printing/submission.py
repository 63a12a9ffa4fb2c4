"""A print job submitted: its options, the printer and the review checked, then the job stored and
announced, to a print site's agent or to the CUPS beside the service (jobs.send_to_cups prints it).
"""
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.common import events
from services.common.db import DbHandle
from services.common.errors import BadInput, NotFound
from services.printing import cups, forms, jobs, profiles, site_jobs, sites
from services.printing.seqs import checked_only_seq
from services.printing.sources import Sources

log = logging.getLogger(__name__)

WHAT = ("certificates", "forms")
DEFAULT_FORMS = ["register", "namelist"]  # what the stamping office needs, in triplicate
FORM_COPIES = 3
MAX_COPIES = 10


@dataclass(frozen=True)
class PrintRequest:
    """A submission that passed its checks."""

    review: dict
    printer: str
    what: str
    options: dict  # only_seq, forms, copies: as stored on the job


def check_options(what: str, only_seq: object, chosen_forms: object, copies: object) -> dict:
    """The job's options, checked; a Chinese message for anything wrong."""
    if what not in WHAT:
        raise BadInput("what 应为 certificates（毕业证书）或 forms（验印表格）")
    seqs = checked_only_seq(only_seq)
    names = None
    if what == "forms":
        names = list(chosen_forms or DEFAULT_FORMS)
        bad = [n for n in names if not isinstance(n, str) or not forms.is_form(n)]
        if bad or not names:
            raise BadInput("forms 应为表格名称的列表：register、namelist、summary、qualification-<专业代码>")
    if copies is None:
        copies = FORM_COPIES if what == "forms" else 1
    if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= MAX_COPIES:
        raise BadInput(f"copies（份数）应为1到{MAX_COPIES}之间的整数")
    return {"only_seq": seqs if what == "certificates" else None, "forms": names, "copies": copies}


def check(src: Sources, review_id: str, printer: str | None, what: str, only_seq: object, chosen_forms: object,
          copies: object) -> PrintRequest:
    """The options, a printer named, the review; when what is printed carries certificate numbers,
    a 409 now if they are not issued rather than a failed job later."""
    options = check_options(what, only_seq, chosen_forms, copies)
    printer = (printer or "").strip()
    if not printer:
        raise BadInput("请选择打印机（printer）")
    review = src.get_review(review_id)
    if what == "certificates" or any(forms.needs_numbers(n) for n in options["forms"] or []):
        src.certificates(review_id, options["only_seq"])
    return PrintRequest(review, printer, what, options)


def _profile_name(session: Session, request: PrintRequest, name: str | None) -> str | None:
    """Certificates are printed with a print profile: the one named, else the printer's, else the default."""
    if request.what != "certificates":
        return None
    return profiles.find(session, request.review["school_code"], name, fallback=request.printer)["name"]


def to_site(db: DbHandle, src: Sources, request: PrintRequest, site_id: str, profile: str | None, actor: dict,
            reprint_reason: str | None, part_sheets: int) -> str:
    """Store the job for a printer of an active print site and put it, in parts, on the site's queue."""
    with db.transaction() as session:
        sites.printer_of(sites.active(session, site_id), request.printer)
    if request.what == "certificates":
        sheets = [c["seq"] for c in src.certificates(request.review["id"], request.options["only_seq"])]
    else:
        sheets = request.options["forms"]
    with db.transaction() as session:
        job_id = jobs.create(session, request.review, request.printer, request.what,
                             _profile_name(session, request, profile), request.options, actor["username"], site_id,
                             reprint_reason)
        site_jobs.announce(session, jobs.load(session, job_id), site_jobs.split(sheets, request.what, part_sheets),
                           db.add_event)
    log.info("%s submitted print job %s (%s, %d sheets) of review %s to site %s printer %s", actor["username"],
             job_id, request.what, len(sheets), request.review["id"], site_id, request.printer)
    return job_id


def to_local_cups(db: DbHandle, request: PrintRequest, profile: str | None, actor: dict) -> str:
    """Store the job for a queue of the CUPS beside the service, with the event its handler prints it on."""
    with cups.as_unavailable():
        known = cups.printer_exists(request.printer)
    if not known:
        raise NotFound(f"本机打印系统中没有名为“{request.printer}”的打印机")
    with db.transaction() as session:
        job_id = jobs.create(session, request.review, request.printer, request.what,
                             _profile_name(session, request, profile), request.options, actor["username"])
        db.add_event(session, events.PRINT_JOB_SUBMITTED, {"job_id": job_id})
    log.info("%s submitted print job %s (%s) of review %s to %s", actor["username"], job_id, request.what,
             request.review["id"], request.printer)
    return job_id
