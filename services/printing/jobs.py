"""Print jobs: queued → rendering → sent (to CUPS, with its job id) → done, or failed with a reason.

A job is stored together with its event (outbox); `send_to_cups`, run by the printing service's
handler of that event, renders it and hands it to `lp`; polling.py asks `lpstat` what became of it.
Paper is not idempotent: a job found half-done after a crash ('rendering': it may or may not have
reached the printer) is failed with a message to check the printer, never sent a second time.
"""
import logging
import os
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common import records
from services.common.errors import NotFound, ServiceError
from services.printing import cups
from services.printing.tables import print_jobs

log = logging.getLogger(__name__)

QUEUED, RENDERING, SENT, PRINTING, DONE, FAILED = "queued", "rendering", "sent", "printing", "done", "failed"
STATE_NAMES = {QUEUED: "排队中", RENDERING: "正在生成", SENT: "已送打印机", PRINTING: "正在打印", DONE: "已打印",
               FAILED: "失败"}
INTERRUPTED = "上次处理该打印任务时服务中断，无法确定是否已送到打印机；请检查打印机，如未打印请重新提交"


def create(session: Session, review: dict, printer: str, what: str, profile: str | None, options: dict,
           username: str, site_id: str | None = None, reprint_reason: str | None = None) -> str:
    job_id = str(uuid.uuid4())
    session.execute(print_jobs.insert().values(
        id=job_id, review_id=review["id"], school_code=review["school_code"], printer=printer, what=what,
        profile=profile, state=QUEUED, requested_by=username, site_id=site_id, reprint_reason=reprint_reason,
        **options))
    return job_id


def load(session: Session, job_id: str) -> dict:
    return records.by_id(session, print_jobs, job_id, "找不到该打印任务")


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


def send_to_cups(session: Session, payload: dict, transaction: Callable[[], AbstractContextManager[Session]],
                 render: Callable[[dict], tuple[list[str], int | None]]) -> None:
    """Render the queued job the event names (`render`: its files and pages) and hand it to CUPS.
    Each state is committed in a `transaction` of its own as it changes, so it shows while the
    event's own transaction (`session`) is still open."""
    try:
        job = load(session, payload["job_id"])
    except NotFound:  # not ours (another database's event): nothing to do, and nothing to retry
        log.warning("print job %s not found; event %s dropped", payload.get("job_id"), payload["event_id"])
        return

    def set_state(**values) -> None:
        with transaction() as own:
            update(own, job["id"], **values)

    if job["state"] != QUEUED:
        if job["state"] == RENDERING:
            set_state(state=FAILED, error=INTERRUPTED)
        return
    set_state(state=RENDERING)
    paths: list[str] = []
    try:
        paths, pages = render(job)
        cups_id = cups.submit(job["printer"], f"毕业审核验印-{job['what']}-{job['id'][:8]}", paths, job["copies"])
    except (ServiceError, cups.CupsError) as exc:
        log.warning("print job %s failed: %s", job["id"], exc.message)
        set_state(state=FAILED, error=exc.message)
    except Exception as exc:  # a service away, a broken file: recorded on the job, not retried
        log.exception("print job %s failed", job["id"])
        set_state(state=FAILED, error=f"生成打印文件时出错：{exc}")
    else:
        set_state(state=SENT, cups_job_id=cups_id, pages=pages)
        log.info("print job %s sent to %s as %s", job["id"], job["printer"], cups_id)
    finally:
        for path in paths:
            if os.path.exists(path):
                os.remove(path)  # CUPS has its own copy in its spool
