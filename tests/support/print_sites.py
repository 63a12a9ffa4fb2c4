"""A print site in tests: the agent as its own process, and what CUPS's PDF printer produced."""
import glob
import os
import re
import subprocess
import sys

from tests.support.processes import ROOT, log_since, terminate, wait_logged

QUEUE = "biye-agent-pdf"  # added by deploy/setup.sh test
CUPS_PDF_OUT = os.path.expanduser("~/PDF")
LOG_DIR = os.path.join(ROOT, "var", "test-logs")
ENV = dict(os.environ, LANG="C", LC_ALL="C", PATH=f"{os.environ.get('PATH', '/usr/bin:/bin')}:/usr/sbin:/sbin")


def sh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=ENV)


def ready_queue() -> str:
    """The cups-pdf queue of the tests' print site, enabled and accepting."""
    if sh("lpstat", "-p", QUEUE).returncode != 0:
        raise RuntimeError(f"no CUPS queue {QUEUE}: run deploy/setup.sh test")
    sh("cupsenable", QUEUE)
    sh("cupsaccept", QUEUE)
    return QUEUE


class AgentProcess:
    def __init__(self, credentials: dict, gateway: str, state_dir: str, name: str):
        self.env = dict(ENV, AGENT_AMQP_URI=credentials["amqp_uri"], AGENT_SITE_ID=credentials["site_id"],
                        AGENT_GATEWAY_URL=gateway, AGENT_STATE_DIR=state_dir, AGENT_HEARTBEAT_SECONDS="1",
                        AGENT_RETRY_SECONDS="1")
        self.log_path = os.path.join(LOG_DIR, f"agent-{name}.log")
        self.proc: subprocess.Popen | None = None

    def start(self, faults: str = "") -> "AgentProcess":
        log = open(self.log_path, "ab")
        self.log_offset = log.tell()
        self.proc = subprocess.Popen([sys.executable, "-m", "printagent"], cwd=ROOT, stdout=log,
                                     stderr=subprocess.STDOUT, env=dict(self.env, AGENT_FAULTS=faults))
        return self

    def wait_logged(self, text: str, timeout: float = 30) -> None:
        """Until this run of the agent has logged `text`."""
        wait_logged(self.proc, "the print agent", self.log_path, self.log_offset, text, timeout)

    def logged(self) -> str:
        """What this run of the agent has logged so far."""
        return log_since(self.log_path, self.log_offset)

    def stop(self) -> None:
        terminate(self.proc, 15)


def register(client, admin: dict, org_code: str, name: str) -> dict:
    r = client.post("/api/v1/print-sites", headers=admin, json={"org_code": org_code, "name": name})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def printed(job_id: str) -> list[str]:
    """Certificate numbers on the pages CUPS produced for this job's parts, part by part, page by page."""
    files = sorted(glob.glob(os.path.join(CUPS_PDF_OUT, f"biye-{job_id[:8]}-p*.pdf")))
    numbers = []
    for path in files:
        text = sh("pdftotext", "-layout", path, "-").stdout
        for page in text.split("\f"):
            found = re.findall(r"\b20\d{9}\b", page)
            if page.strip():
                numbers.append(found[0] if found else "?")
    return numbers
