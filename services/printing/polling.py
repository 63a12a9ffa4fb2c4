"""What CUPS made of the jobs sent to it: sent jobs it has finished become done, or failed if they
were cancelled or aborted there. Every printing process runs the poll on a timer; a transaction-scoped
advisory lock lets one of them poll at a time, and the others skip that round.
"""
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.printing import cups, jobs

log = logging.getLogger(__name__)

POLL_SECONDS = 2
POLL_LOCK = sa.text("SELECT pg_try_advisory_xact_lock(hashtext('printing:poll'))")


def claim_poll(session: Session) -> bool:
    """Whether this transaction is the one polling now (the lock goes with the transaction)."""
    return bool(session.execute(POLL_LOCK).scalar())


def settle_sent_jobs(session: Session) -> None:
    """Ask CUPS about the sent jobs and record those it has finished; nothing if another process polls."""
    if not claim_poll(session):
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
