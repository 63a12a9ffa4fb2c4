"""Print jobs: queued → rendering → sent (to CUPS, with its job id) → done, or failed with a reason.

A job is stored together with its event (outbox); the printing service's own handler renders it and
hands it to `lp`; a timer asks `lpstat` what became of sent jobs. Paper is not idempotent: a job
found half-done after a crash ('rendering': it may or may not have reached the printer) is failed
with a message to check the printer, never sent a second time.
"""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.errors import BadInput, NotFound
from services.printing import forms
from services.printing.tables import print_jobs

WHAT = ("certificates", "forms")
DEFAULT_FORMS = ["register", "namelist"]  # what the stamping office needs, in triplicate
FORM_COPIES = 3
MAX_COPIES = 10

QUEUED, RENDERING, SENT, PRINTING, DONE, FAILED = "queued", "rendering", "sent", "printing", "done", "failed"
STATE_NAMES = {QUEUED: "排队中", RENDERING: "正在生成", SENT: "已送打印机", PRINTING: "正在打印", DONE: "已打印",
               FAILED: "失败"}
INTERRUPTED = "上次处理该打印任务时服务中断，无法确定是否已送到打印机；请检查打印机，如未打印请重新提交"


def check_request(what: str, only_seq, chosen_forms, copies) -> dict:
    """The job's options, checked; a Chinese message for anything wrong."""
    if what not in WHAT:
        raise BadInput("what 应为 certificates（毕业证书）或 forms（验印表格）")
    seqs = None
    if only_seq:
        if not isinstance(only_seq, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0
                                                     for s in only_seq):
            raise BadInput("only_seq 应为名单序号（正整数）的列表，例如 [1]")
        seqs = sorted(set(only_seq))
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


def create(session: Session, review: dict, printer: str, what: str, profile: str | None, options: dict,
           username: str, site_id: str | None = None, reprint_reason: str | None = None) -> str:
    job_id = str(uuid.uuid4())
    session.execute(print_jobs.insert().values(
        id=job_id, review_id=review["id"], school_code=review["school_code"], printer=printer, what=what,
        profile=profile, state=QUEUED, requested_by=username, site_id=site_id, reprint_reason=reprint_reason,
        **options))
    return job_id


def load(session: Session, job_id: str) -> dict:
    try:
        row = session.execute(sa.select(print_jobs).where(print_jobs.c.id == job_id)).mappings().first()
    except sa.exc.DataError:  # not a UUID
        row = None
    if row is None:
        raise NotFound("找不到该打印任务")
    return dict(row)


def view(job: dict) -> dict:
    return {"job_id": job["id"], "review_id": job["review_id"], "printer": job["printer"], "what": job["what"],
            "profile": job["profile"], "only_seq": job["only_seq"], "forms": job["forms"], "copies": job["copies"],
            "state": job["state"], "state_name": STATE_NAMES[job["state"]], "cups_job_id": job["cups_job_id"],
            "pages": job["pages"], "error": job["error"], "requested_by": job["requested_by"],
            "site": job["site_id"], "sheets_total": job["sheets_total"], "sheets_printed": job["sheets_printed"],
            "reason": job["reason"] or job["error"], "reprint_reason": job["reprint_reason"],
            "created_at": job["created_at"].isoformat(), "updated_at": job["updated_at"].isoformat()}


def update(session: Session, job_id: str, **values) -> None:
    session.execute(print_jobs.update().where(print_jobs.c.id == job_id).values(updated_at=sa.func.now(), **values))


def of_review(session: Session, review_id: str, limit: int = 100) -> list[dict]:
    rows = session.execute(sa.select(print_jobs).where(print_jobs.c.review_id == review_id)
                           .order_by(print_jobs.c.created_at.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def sent(session: Session) -> list[dict]:
    return [dict(r) for r in session.execute(sa.select(print_jobs).where(print_jobs.c.state == SENT)).mappings()]


def outcome(cups_job_id: str, active: set[str], completed: set[str], states: dict[str, str]) -> tuple | None:
    """What a sent job has become: None while CUPS still holds it, else (state, error)."""
    if cups_job_id in active:
        return None
    if cups_job_id in completed:
        final = states.get(cups_job_id, "completed")
        if final == "canceled":
            return FAILED, "打印任务已在打印系统中被取消"
        if final == "aborted":
            return FAILED, "打印系统中止了该打印任务（打印机故障或文件无法处理），请检查打印机后重新提交"
        return DONE, None
    return FAILED, "打印系统中已查不到该任务（可能被清除），请检查是否已经打印"
