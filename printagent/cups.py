"""The local CUPS, asked over IPP with ipptool (package cups-ipp-utils) and given jobs with lp.

lp/lpstat output says nothing of how far a job got or why a printer waits; IPP does: job-state,
job-name (our title, which finds a job again after a crash), printer-state-message.
"""
import csv
import io
import os
import re
import subprocess

IPP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ipp")
TIMEOUT = 60
C_LOCALE = {"LANG": "C", "LC_ALL": "C"}
REQUEST_ID = re.compile(r"request id is (\S+)")
# what keeps the page exactly as drawn: no scaling to the paper, no turning to fit it
FIDELITY_OPTIONS = ["-o", "print-scaling=none", "-o", "nofit-to-page", "-o", "nopdfAutoRotate"]
FINISHED = {"completed", "canceled", "aborted"}


class CupsError(Exception):
    pass


def _run(args: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, **C_LOCALE})
    except FileNotFoundError:
        raise CupsError(f"本机缺少打印命令“{args[0]}”，请安装 cups-client 和 cups-ipp-utils") from None
    except subprocess.TimeoutExpired:
        raise CupsError(f"打印系统（CUPS）{TIMEOUT}秒内没有响应") from None


def _rows(args: list[str]) -> list[dict]:
    proc = _run(args)
    if proc.returncode != 0:
        problem = (proc.stderr or proc.stdout).strip().splitlines()
        raise CupsError(f"无法查询打印系统：{problem[-1] if problem else proc.returncode}（cupsd 是否在运行？）")
    return list(csv.DictReader(io.StringIO(proc.stdout)))


def printers() -> list[dict]:
    """[{name, state: idle|processing|stopped, reason, accepting}] of every local queue."""
    rows = _rows(["ipptool", "-c", "ipp://localhost/", os.path.join(IPP_DIR, "get-printers.test")])
    found = []
    for row in rows:
        reasons = row.get("printer-state-reasons", "")
        message = row.get("printer-state-message", "")
        found.append({"name": row["printer-name"], "state": row.get("printer-state", ""),
                      "reason": message or ("" if reasons in ("", "none") else reasons),
                      "accepting": row.get("printer-is-accepting-jobs") == "true"})
    return found


def jobs(printer: str) -> dict[int, dict]:
    """{job id: {name, state}} of every job of a queue, finished ones too."""
    rows = _rows(["ipptool", "-c", f"ipp://localhost/printers/{printer}", os.path.join(IPP_DIR, "get-jobs.test")])
    return {int(r["job-id"]): {"name": r.get("job-name", ""), "state": r.get("job-state", "")}
            for r in rows if r.get("job-id", "").isdigit()}


def submit(printer: str, title: str, path: str, copies: int) -> int:
    """Send one file as one job; returns the CUPS job number."""
    proc = _run(["lp", "-d", printer, "-t", title, "-n", str(copies), *FIDELITY_OPTIONS, "--", path])
    match = REQUEST_ID.search(proc.stdout)
    if proc.returncode != 0 or not match:
        problem = (proc.stderr or proc.stdout).strip().splitlines()
        raise CupsError(f"打印机“{printer}”没有接受打印任务：{problem[-1] if problem else proc.returncode}")
    return int(match.group(1).rsplit("-", 1)[1])
