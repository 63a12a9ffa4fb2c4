"""Printing at a site: a 1,000-certificate batch from the print request to the first sheet CUPS accepts
and to the last sheet printed, through a real print agent (its own process and broker user) on the
cups-pdf queue that `deploy/setup.sh test` adds; the agent's memory sampled throughout."""
import os
import subprocess
import sys
import time
import uuid

import psutil
import requests
import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy

from bench.stack import OUT, Stack
from printagent import cups

QUEUE = "biye-agent-pdf"
TIMEOUT = 600


def number_review(stack: Stack, engine: sa.Engine, review_id: str) -> int:
    """Certificate numbers for the review's qualified graduates, as the province's approval would give."""
    with engine.connect() as conn:
        review = conn.execute(sa.text("SELECT * FROM review.reviews WHERE id = :id"),
                              {"id": review_id}).mappings().one()
        rows = conn.execute(sa.text(
            "SELECT row, id_number, name, student->>'major_name' AS major FROM review.graduates "
            "WHERE review_id = :id AND verdict = 'qualified' ORDER BY seq"), {"id": review_id}).all()
    event_dispatcher({"AMQP_URI": stack.amqp_uri})("review", "review_approved", {
        "event_id": str(uuid.uuid4()), "review_id": review_id, "generation": review["generation"],
        "school_code": review["school_code"], "school_name": review["school_name"], "year": review["year"],
        "stamping_unit_code": review["stamping_unit_code"] or "01",
        "students": [{"seq": i, "row": r.row, "id_number": r.id_number, "name": r.name, "major_name": r.major}
                     for i, r in enumerate(rows, start=1)]})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            held = conn.execute(sa.text("SELECT count(*) FROM numbering.certificates WHERE review_id = :id"),
                                {"id": review_id}).scalar_one()
        if held == len(rows):
            return held
        time.sleep(0.2)
    raise RuntimeError("certificate numbers not issued within 120 s")


def measure(stack: Stack, engine: sa.Engine, token: str, school_code: str, review_id: str) -> dict:
    if not any(p["name"] == QUEUE for p in cups.printers()):
        raise RuntimeError(f"no CUPS queue {QUEUE} (deploy/setup.sh test adds it)")
    sheets = number_review(stack, engine, review_id)
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=30) as rpc:
        site = rpc.printing.register_site(school_code, "压测打印点", {"username": "bench"})
    state_dir = os.path.join(OUT, f"agent-{site['site_id'][:8]}")
    log = open(os.path.join(stack.log_dir, "printagent.log"), "ab")
    agent = subprocess.Popen([sys.executable, "-m", "printagent"], stdout=log, stderr=subprocess.STDOUT, env=dict(
        os.environ, AGENT_AMQP_URI=site["credentials"]["amqp_uri"], AGENT_SITE_ID=site["site_id"],
        AGENT_GATEWAY_URL=stack.url, AGENT_STATE_DIR=state_dir, AGENT_HEARTBEAT_SECONDS="1"))
    try:
        watched = psutil.Process(agent.pid)
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 60
        while not any(s["online"] and s["site_id"] == site["site_id"] for s in
                      requests.get(f"{stack.url}/api/v1/print-sites", headers=headers, timeout=10).json()):
            if time.monotonic() > deadline:
                raise RuntimeError("the print agent did not come online within 60 s")
            time.sleep(0.2)
        baseline_mb = watched.memory_info().rss / 2**20
        start = time.perf_counter()
        r = requests.post(f"{stack.url}/api/v1/reviews/{review_id}/print-jobs", headers=headers, timeout=60,
                          json={"site": site["site_id"], "printer": QUEUE, "what": "certificates"})
        r.raise_for_status()
        job_id = r.json()["job_id"]
        first = last = None
        peak_mb = baseline_mb
        while last is None and time.perf_counter() - start < TIMEOUT:
            peak_mb = max(peak_mb, watched.memory_info().rss / 2**20)
            if first is None and any(j["name"].startswith(f"biye-{job_id[:8]}-p") for j in cups.jobs(QUEUE).values()):
                first = time.perf_counter() - start
            job = requests.get(f"{stack.url}/api/v1/print-jobs/{job_id}", headers=headers, timeout=10).json()
            if job["state"] == "done":
                last = time.perf_counter() - start
            elif job["state"] == "failed":
                raise RuntimeError(f"the print job failed: {job['reason']}")
            time.sleep(0.05)
        if last is None:
            raise RuntimeError(f"the batch did not finish within {TIMEOUT} s")
    finally:
        agent.terminate()
        agent.wait(30)
    return {"print.first_sheet_s": round(first, 2), "print.last_sheet_s": round(last, 1),
            "print.pages_per_s": round(sheets / last, 1), "print.agent_peak_rss_mb": round(peak_mb, 1),
            "details": {"print.sheets": sheets, "print.agent_rss_before_mb": round(baseline_mb, 1)}}
