"""The local print system (CUPS) through its commands: `lp` sends, `lpstat` tells what became of it.

Commands run with LANG=C so their answers can be parsed ("request id is biye-pdf-12 (1 file(s))");
every failure is a CupsError with a Chinese message for the person at the printer.
"""
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from eventlet.green import subprocess

from services.printing.errors import PrinterUnavailable

COMMAND_TIMEOUT = 60
REQUEST_ID = re.compile(r"request id is (\S+)")
PRINTER_LINE = re.compile(r"^printer (\S+) (?:is (\w+)|(disabled))")
C_LOCALE = {"LANG": "C", "LC_ALL": "C"}


class CupsError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@contextmanager
def as_unavailable() -> Iterator[None]:
    """A CupsError inside, to an RPC's caller: PrinterUnavailable (503) with the same message."""
    try:
        yield
    except CupsError as exc:
        raise PrinterUnavailable(exc.message) from None


def _run(args: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              env=dict(os.environ, **C_LOCALE))
    except FileNotFoundError:
        raise CupsError(f"本机没有安装打印系统（CUPS）的命令“{args[0]}”，请安装 cups-client") from None
    except subprocess.TimeoutExpired:
        raise CupsError(f"打印系统（CUPS）{COMMAND_TIMEOUT}秒内没有响应，请检查打印服务是否正常") from None


def _problem(proc: subprocess.CompletedProcess) -> str:
    lines = (proc.stderr or proc.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"退出码{proc.returncode}"


def parse_request_id(output: str) -> str | None:
    """The CUPS job id in lp's answer: 'request id is biye-test-pdf-12 (1 file(s))' → 'biye-test-pdf-12'."""
    match = REQUEST_ID.search(output)
    return match.group(1) if match else None


def parse_job_ids(output: str) -> set[str]:
    """Job ids in `lpstat -o` / `lpstat -W completed -o` output: the first word of each unindented line."""
    return {line.split()[0] for line in output.splitlines() if line.strip() and not line[0].isspace()}


def parse_printers(output: str) -> list[dict]:
    """`lpstat -p` lines: 'printer biye is idle.  enabled since …' / 'printer biye disabled since …'."""
    found = []
    for line in output.splitlines():
        match = PRINTER_LINE.match(line)
        if match:
            state = "disabled" if match.group(3) else match.group(2)
            found.append({"name": match.group(1), "state": state, "enabled": "disabled" not in line})
    return found


def submit(printer: str, title: str, paths: list[str], copies: int = 1) -> str:
    """Send files to a queue as one job; returns the CUPS job id."""
    proc = _run(["lp", "-d", printer, "-t", title, "-n", str(copies), "--", *paths])
    if proc.returncode != 0:
        raise CupsError(f"打印机“{printer}”没有接受打印任务：{_problem(proc)}")
    job_id = parse_request_id(proc.stdout)
    if not job_id:
        raise CupsError(f"打印系统没有返回任务号：{proc.stdout.strip() or _problem(proc)}")
    return job_id


def printers() -> list[dict]:
    """The queues of the local CUPS, with their state (idle, printing, disabled)."""
    proc = _run(["lpstat", "-p"])
    if proc.returncode != 0 and "No destinations" not in (proc.stderr + proc.stdout):
        raise CupsError(f"无法读取打印机列表：{_problem(proc)}（打印服务 cupsd 是否在运行？）")
    return parse_printers(proc.stdout)


def printer_exists(name: str) -> bool:
    return any(p["name"] == name for p in printers())


def job_lists() -> tuple[set[str], set[str]]:
    """(not yet completed, completed) job ids. The active list is read first: a job finishing in
    between then shows up as completed rather than in neither list."""
    active = _run(["lpstat", "-o"])
    completed = _run(["lpstat", "-W", "completed", "-o"])
    for proc in (active, completed):
        if proc.returncode != 0:
            raise CupsError(f"无法查询打印任务：{_problem(proc)}")
    return parse_job_ids(active.stdout), parse_job_ids(completed.stdout)


def completed_states(printer: str) -> dict[str, str]:
    """{job id: completed | canceled | aborted} of a queue's finished jobs, when `ipptool` (package
    cups-ipp-utils) is installed; lpstat alone cannot tell a printed job from a cancelled one."""
    if not shutil.which("ipptool"):
        return {}
    proc = _run(["ipptool", "-c", f"ipp://localhost/printers/{printer}", "get-completed-jobs.test"])
    if proc.returncode != 0:
        return {}
    states = {}
    for line in proc.stdout.splitlines()[1:]:
        cells = line.split(",")
        if len(cells) >= 2 and cells[0].isdigit():
            states[f"{printer}-{cells[0]}"] = cells[1]
    return states
