"""Print jobs for a print site: announced to the site's queue, fetched by its agent in parts.

A certificate job fixes at creation which list seqs it prints, in what order and in which parts (of
`part_size` sheets: CUPS's cost per job is about a quarter second, so parts must not be too small);
a part is rendered when the agent asks for it, so the first sheets print while later parts are still
to be drawn. A forms job has a part per form. The agent reports progress on
the status exchange; progress only moves forward, and a finished job stays finished.
"""
import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common import records
from services.common.errors import Forbidden, NotFound
from services.printing import jobs, sites
from services.printing.broker import job_routing_key
from services.printing.tables import print_jobs

PART_SHEETS = 25
TOKEN_HOURS = 12
PRINTING, DONE, FAILED = "printing", jobs.DONE, jobs.FAILED
AGENT_STATES = (PRINTING, DONE, FAILED)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split(sheets: list, what: str, part_size: int = PART_SHEETS) -> list[list]:
    """The job's parts: slices of `part_size` certificates, or a form each."""
    size = part_size if what == "certificates" else 1
    return [sheets[start:start + size] for start in range(0, len(sheets), size)]


def announce(session: Session, job: dict, parts: list[list], add_event) -> None:
    """Fix the job's parts, give it a token and put it on the site's queue (through the outbox)."""
    token = secrets.token_urlsafe(32)
    sizes = [len(p) for p in parts]
    jobs.update(session, job["id"], sheets=parts, parts=len(sizes), sheets_total=sum(sizes), sheets_printed=0,
                token_hash=_hash(token),
                token_expires=dt.datetime.now(dt.UTC) + dt.timedelta(hours=TOKEN_HOURS))
    add_event(session, job_routing_key(job["site_id"]), {
        "job_id": job["id"], "token": token, "printer": job["printer"], "what": job["what"],
        "copies": job["copies"], "part_sheets": sizes, "title": f"biye-{job['id'][:8]}",
        "part_path": f"/api/v1/print-jobs/{job['id']}/parts/{{part}}.pdf",
    })


def part_of(job: dict, part: int, token: str, site_revoked: bool = False) -> list:
    """What part `part` (1-based) prints, for the holder of the job's token at a site not revoked."""
    if job["site_id"] is None or not job["token_hash"] or not hmac.compare_digest(_hash(token or ""),
                                                                                   job["token_hash"]):
        raise Forbidden("打印任务凭据无效")
    if site_revoked:
        raise Forbidden("该打印点已被撤销，不能再取得打印文件")
    if job["token_expires"] < dt.datetime.now(dt.UTC):
        raise Forbidden("打印任务凭据已过期，请重新提交打印任务")
    if job["state"] in (DONE, FAILED):
        raise Forbidden("该打印任务已结束")
    if not 1 <= part <= (job["parts"] or 0):
        raise NotFound(f"该打印任务没有第{part}部分")
    return job["sheets"][part - 1]


def load_part(session: Session, job_id: str, part: int, token: str) -> tuple[dict, list]:
    """The job and what its part `part` prints, for the agent holding the job's token (see part_of)."""
    job = jobs.load(session, job_id)
    revoked = job["site_id"] is not None and sites.load(session, job["site_id"])["revoked_at"] is not None
    return job, part_of(job, part, token, revoked)


def report(session: Session, site_id: str, message: dict) -> None:
    """An agent's word on one of its site's jobs; ignored when the job is not that site's or has ended."""
    state = message.get("state")
    if state not in AGENT_STATES:
        return
    if not records.is_uuid(message.get("job_id")):
        return
    row = session.execute(sa.select(print_jobs).where(print_jobs.c.id == str(message.get("job_id")))
                          .with_for_update()).mappings().first()
    if row is None or row["site_id"] != site_id or row["state"] in (DONE, FAILED):
        return
    printed = message.get("sheets_printed")
    printed = max(row["sheets_printed"] or 0, min(int(printed), row["sheets_total"] or 0)) \
        if isinstance(printed, int) else row["sheets_printed"]
    reason = str(message.get("reason") or "")[:500] or None
    values = {"state": state, "sheets_printed": printed, "reason": reason if state == PRINTING else None}
    if state == FAILED:
        values["error"] = reason or "打印点报告打印失败"
    if state == DONE:
        values["sheets_printed"] = row["sheets_total"]
    jobs.update(session, row["id"], **values)
