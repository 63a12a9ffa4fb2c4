"""The agent's own record of what it has sent to CUPS, on local disk (SQLite, synchronous writes).

A part is written 'sending' before `lp` and 'sent' with CUPS's job number after it, so after a crash
in between the agent looks the part up in CUPS by its title instead of sending it again. A job is
kept from the moment its message is acknowledged: the broker may forget it, the journal does not.
"""
import json
import sqlite3

NEW, FETCHED, SENDING, SENT, DONE = "new", "fetched", "sending", "sent", "done"
PRINTING, FINISHED, FAILED = "printing", "done", "failed"

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, message TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'printing',
    reason TEXT, reported TEXT, received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS parts (
    job_id TEXT NOT NULL, part INTEGER NOT NULL, sheets INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'new',
    cups_id INTEGER, PRIMARY KEY (job_id, part));
"""


def said(state: str, sheets: int, reason: str | None) -> str:
    """What a report to the province says, as kept in `jobs.reported` (unreported() builds it in SQL)."""
    return f"{state}:{sheets}:{reason or ''}"


class Journal:
    def __init__(self, path: str):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def add(self, message: dict) -> bool:
        """Keep a job (once, however often it is delivered); False if it was already kept."""
        with self.db:
            cursor = self.db.execute("INSERT OR IGNORE INTO jobs (job_id, message) VALUES (?, ?)",
                                     (message["job_id"], json.dumps(message)))
            if cursor.rowcount == 0:
                return False
            self.db.executemany("INSERT INTO parts (job_id, part, sheets) VALUES (?, ?, ?)",
                                [(message["job_id"], n, sheets)
                                 for n, sheets in enumerate(message["part_sheets"], start=1)])
        return True

    def open_jobs(self) -> list[dict]:
        rows = self.db.execute("SELECT * FROM jobs WHERE state = ? ORDER BY received_at, rowid", (PRINTING,))
        return [{**dict(r), "message": json.loads(r["message"])} for r in rows]

    def unreported(self) -> list[dict]:
        """Jobs whose latest state the province may not have heard yet."""
        rows = self.db.execute("SELECT job_id FROM jobs WHERE reported IS NULL OR reported != state || ':' || "
                               "(SELECT coalesce(sum(sheets), 0) FROM parts p WHERE p.job_id = jobs.job_id "
                               "AND p.state = 'done') || ':' || coalesce(reason, '')")
        return [r["job_id"] for r in rows]

    def job(self, job_id: str) -> dict:
        row = self.db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        printed = self.db.execute("SELECT coalesce(sum(sheets), 0) FROM parts WHERE job_id = ? AND state = ?",
                                  (job_id, DONE)).fetchone()[0]
        return {**dict(row), "message": json.loads(row["message"]), "sheets_printed": printed}

    def parts(self, job_id: str) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM parts WHERE job_id = ? ORDER BY part", (job_id,))]

    def set_part(self, job_id: str, part: int, state: str, cups_id: int | None = None) -> None:
        with self.db:
            self.db.execute("UPDATE parts SET state = ?, cups_id = coalesce(?, cups_id) WHERE job_id = ? AND part = ?",
                            (state, cups_id, job_id, part))

    def set_job(self, job_id: str, state: str, reason: str | None = None) -> None:
        with self.db:
            self.db.execute("UPDATE jobs SET state = ?, reason = ? WHERE job_id = ?", (state, reason, job_id))

    def mark_reported(self, job_id: str, state: str, sheets: int, reason: str | None) -> None:
        with self.db:
            self.db.execute("UPDATE jobs SET reported = ? WHERE job_id = ?", (said(state, sheets, reason), job_id))
